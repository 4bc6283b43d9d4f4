/**
 * The bench's dispatch-shaped commits (`dispatchShapedKvPhase`) stand for the desk's own: this
 * ties their counts to a real dispatch commit, so a change in what an offer writes shows here
 * instead of leaving the store's ceiling measured for commits the desk no longer makes.
 */
import assert from "node:assert/strict";
import { inboundMessageSchema } from "../../lib/shared/wire/api.ts";
import { testConfig } from "../../lib/testing/fixtures.ts";
import { receiveMessage } from "../../desk/inbound.ts";
import { setPresence } from "../../desk/agents.ts";
import { startDesk } from "../../desk/runtime.ts";
import { OFFERS_PER_COMMIT } from "../../desk/dispatch.ts";
import { KEYS_PER_OFFER, SHARED_SUMS_PER_COMMIT } from "./phases.ts";

type Shape = { checks: number; mutations: number; families: Record<string, number> };

/** A Deno.Kv whose commits' checks and mutations (by key family) are recorded; the store is real. */
function recordingKv(kv: Deno.Kv, shapes: Shape[]): Deno.Kv {
  return new Proxy(kv, {
    get(target, prop) {
      if (prop === "atomic") {
        return () => {
          const op = target.atomic();
          const shape: Shape = { checks: 0, mutations: 0, families: {} };
          const count = (key: Deno.KvKey) => {
            shape.mutations++;
            shape.families[String(key[0])] = (shape.families[String(key[0])] ?? 0) + 1;
          };
          const check = op.check.bind(op),
            set = op.set.bind(op),
            del = op.delete.bind(op),
            sum = op.sum.bind(op);
          const commit = op.commit.bind(op);
          op.check = (...c) => (shape.checks += c.length, check(...c));
          op.set = (key, value, o) => (count(key), set(key, value, o));
          op.delete = (key) => (count(key), del(key));
          op.sum = (key, n) => (count(key), sum(key, n));
          op.commit = async () => {
            const r = await commit();
            if (r.ok) shapes.push(shape);
            return r;
          };
          return op;
        };
      }
      const v = Reflect.get(target, prop, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

Deno.test("bench - a dispatch-shaped commit checks and writes as many keys as the desk's own dispatch commit", async () => {
  const real = await Deno.openKv(":memory:");
  const shapes: Shape[] = [];
  const agents = Array.from({ length: OFFERS_PER_COMMIT }, (_, i) => ({ id: `agent${i}` }));
  const config = await testConfig({}, agents);
  const d = await startDesk({ kv: recordingKv(real, shapes), config, tickMs: 600_000 });
  try {
    const release = d.desk.dispatcher.hold();
    for (let i = 0; i < OFFERS_PER_COMMIT; i++) {
      const m = inboundMessageSchema.parse({
        id: `m${i}`,
        thread: { id: `t${i}` },
        author: { id: `c${i}` },
        body: "hi",
      });
      await receiveMessage(d.desk, config.sources[0].id, m);
    }
    for (const a of agents) await setPresence(d.desk, a.id, "available");
    shapes.length = 0;
    release();
    await d.desk.dispatcher.settle();
    const dispatch = shapes.filter((s) => s.checks === 2 * OFFERS_PER_COMMIT);
    assert.equal(
      dispatch.length,
      1,
      `one commit placed the ${OFFERS_PER_COMMIT} offers: ${JSON.stringify(shapes)}`,
    );
    assert.equal(dispatch[0].families.interaction, OFFERS_PER_COMMIT);
    assert.equal(
      dispatch[0].mutations,
      KEYS_PER_OFFER * OFFERS_PER_COMMIT + SHARED_SUMS_PER_COMMIT,
      `the desk's dispatch commit by key family: ${JSON.stringify(dispatch[0].families)}`,
    );
  } finally {
    await d.stop();
    real.close();
  }
});
