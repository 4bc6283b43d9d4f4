import assert from "node:assert/strict";
import fc from "fast-check";
import type { AgentState } from "../actors/agent.ts";
import { keys } from "../lib/server/keys.ts";
import { type RoutingRequest, selectAgent, type Strategy } from "../lib/shared/routing.ts";
import { AgentPool } from "./agent_pool.ts";
import { receiveMessage } from "./inbound.ts";
import { setPresence } from "./agents.ts";
import { startDesk } from "./runtime.ts";
import { inboundMessageSchema } from "../lib/shared/wire/api.ts";
import { testConfig, within } from "../lib/testing/fixtures.ts";

const T0 = Date.parse("2026-01-01T09:00:00.000Z");
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

const agentArb = (id: string) =>
  fc.record({
    presence: fc.constantFrom("available", "available", "away") as fc.Arbitrary<AgentState["presence"]>,
    teams: fc.subarray(["t1", "t2", "t3"], { minLength: 1 }),
    categories: fc.subarray(["billing", "tech"]),
    languages: fc.subarray(["en", "fr"], { minLength: 1 }),
    capacity: fc.integer({ min: 0, max: 3 }),
    load: fc.integer({ min: 0, max: 3 }),
    idle: fc.integer({ min: 0, max: 5 }),
    offered: fc.option(fc.integer({ min: 0, max: 5 })),
    role: fc.constantFrom("agent", "agent", "readonly"),
  }).map((r): AgentState => ({
    id,
    name: id,
    initials: id,
    login: id,
    role: r.role,
    teams: r.teams,
    categories: r.categories,
    languages: r.languages,
    capacity: {
      realtime: { capacity: r.capacity, maxCapacity: 5 },
      async: { capacity: 2, maxCapacity: 5 },
    },
    presence: r.presence,
    presenceSince: at(0),
    load: { realtime: r.load, async: 0 },
    lastOfferedAt: r.offered === null ? null : at(r.offered),
    idleSince: at(r.idle),
    uiLanguage: null,
    stats: {
      offered: 0,
      accepted: 0,
      missed: 0,
      completed: 0,
      transferredOut: 0,
      firstResponseMsTotal: 0,
      firstResponseCount: 0,
      handleMsTotal: 0,
      handleCount: 0,
    },
  }));

const ids = ["a1", "a2", "a3", "a4", "a5", "a6", "a7"];

const requestArb: fc.Arbitrary<RoutingRequest> = fc.record({
  group: fc.constant("realtime" as const),
  teams: fc.subarray(["t1", "t2", "t3"], { minLength: 1 }),
  categories: fc.subarray(["billing", "tech"]),
  language: fc.constantFrom("en", "fr"),
  targetAgentId: fc.constant(null),
  excludedAgents: fc.subarray(ids),
  preferredAgentId: fc.option(fc.constantFrom(...ids)),
});

/** Writes agents as the desk does: the record and one available-agent entry per team, one commit. */
async function store(kv: Deno.Kv, a: AgentState): Promise<string> {
  const op = kv.atomic().set(keys.agent(a.id), a).sum(keys.agentPoolHead(), 1n);
  if (a.presence === "available") { for (const t of a.teams) op.set(keys.availableAgent(t, a.id), a); }
  const r = await op.commit();
  assert(r.ok);
  return r.versionstamp;
}

Deno.test("dispatcher pool - chooses what selectAgent chooses over the same agents, through updates", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.tuple(...ids.map(agentArb)),
      fc.array(fc.tuple(fc.nat(ids.length - 1), agentArb("x")), { maxLength: 6 }),
      fc.array(requestArb, { minLength: 1, maxLength: 6 }),
      fc.constantFrom<Strategy>("least_occupied", "longest_idle", "round_robin"),
      async (agents, changes, requests, strategy) => {
        const kv = await Deno.openKv(":memory:");
        try {
          for (const a of agents) await store(kv, a);
          const pool = new AgentPool(kv, () => strategy);
          const current = new Map(agents.map((a) => [a.id, a]));
          const mayAccept = (a: AgentState) => a.role === "agent";
          const check = async () => {
            for (const req of requests) {
              const want = selectAgent(req, [...current.values()].filter(mayAccept), strategy);
              const got = await pool.select(req, mayAccept);
              assert.deepEqual(
                got && { agentId: got.entry.value.id, newRound: got.newRound },
                want,
              );
            }
          };
          await check();
          // This process's own commits reach the pool through `update`, one agent moving at a time.
          for (const [i, change] of changes) {
            const a = { ...change, id: ids[i], name: ids[i], login: ids[i], initials: ids[i] };
            const before = current.get(a.id)!;
            const op = kv.atomic().set(keys.agent(a.id), a);
            if (before.presence === "available") {
              for (const t of before.teams) op.delete(keys.availableAgent(t, a.id));
            }
            if (a.presence === "available") {
              for (const t of a.teams) op.set(keys.availableAgent(t, a.id), a);
            }
            const r = await op.commit();
            assert(r.ok);
            current.set(a.id, a);
            pool.update(a, r.versionstamp);
            await check();
          }
          assert.equal(pool.loads, 1, "own changes never reload the pool");
        } finally {
          kv.close();
        }
      },
    ),
    { numRuns: 150 },
  );
});

Deno.test("dispatcher pool - another process's agent commit moves the head past what the pool accounts for", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const agents = await fc.sample(fc.tuple(agentArb("a1"), agentArb("a2")), { numRuns: 1, seed: 7 })[0];
    const [a1, a2] = agents.map((a): AgentState => ({ ...a, presence: "available", role: "agent" }));
    await store(kv, a1);
    await store(kv, a2);
    const pool = new AgentPool(kv, () => "least_occupied");
    const head = async () => (await kv.get<Deno.KvU64>(keys.agentPoolHead())).value?.value ?? null;
    await pool.anyRoomIn("realtime");
    assert.equal(pool.loads, 1);
    assert.equal(pool.behind(await head()), false, "nothing changed");
    // Own commit: the head moves by one and the pool hears of it.
    const v = await store(kv, { ...a1, load: { realtime: 1, async: 0 } });
    pool.update({ ...a1, load: { realtime: 1, async: 0 } }, v);
    assert.equal(pool.behind(await head()), false, "own commits are accounted for");
    // Someone else's commit (no update reaches this pool).
    await store(kv, { ...a2, presence: "away" });
    assert.equal(pool.behind(await head()), true);
    pool.invalidate();
    await pool.anyRoomIn("realtime");
    assert.equal(pool.loads, 2, "reloaded after another process's change");
    const req: RoutingRequest = {
      group: "realtime",
      teams: ["t1", "t2", "t3"],
      categories: [],
      language: a2.languages[0],
      targetAgentId: "a2",
      excludedAgents: [],
      preferredAgentId: "a2",
    };
    const sel = await pool.select({ ...req, targetAgentId: null }, () => true);
    assert.notEqual(sel?.entry.value.id, "a2", "the agent gone away is no longer offered");
  } finally {
    kv.close();
  }
});

Deno.test({
  name: "dispatch - capacity freed by another process gets waiting work offered without the periodic tick",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "pool-test-" });
    const path = `${dir}/desk.sqlite3`;
    const config = await testConfig({}, [{ id: "alice" }]);
    // Two desks on one KV file, each with its own connection: as two processes see each other.
    const kvA = await Deno.openKv(path), kvB = await Deno.openKv(path);
    const a = await startDesk({ kv: kvA, config, tickMs: 600_000 });
    const b = await startDesk({ kv: kvB, config, tickMs: 600_000 });
    try {
      // B never dispatches: only A can place the work, and A hears of the agent only through KV.
      b.desk.dispatcher.close();
      const source = config.sources[0].id;
      const { interactionId } = await receiveMessage(
        a.desk,
        source,
        inboundMessageSchema.parse({ id: "m1", thread: { id: "t1" }, author: { id: "c1" }, body: "hello" }),
      );
      const state = async () =>
        (await kvA.get<{ state: string; agentId: string | null }>(keys.interaction(interactionId!))).value;
      assert.equal((await state())?.state, "queued", "nobody is available yet");
      await setPresence(b.desk, "alice", "available");
      await within(
        (async () => {
          while ((await state())?.state !== "offered") await new Promise((r) => setTimeout(r, 20));
        })(),
        5_000,
        "the offer made by the other desk",
      );
      assert.equal((await state())?.agentId, "alice");
    } finally {
      await a.stop();
      await b.stop();
      kvA.close();
      kvB.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
