/**
 * Routing transactions side by side (desk/dispatch.ts `claiming`): parallel arrivals each pick an
 * agent no other unfinished transaction picked, so they neither queue behind each other nor fail
 * each other's checks; an arrival that finds only claimed agents is queued and offered once the
 * claim is released, without waiting for the periodic tick. Real KV, real desk.
 */
import assert from "node:assert/strict";
import { keys } from "../lib/keys.ts";
import { stats } from "../lib/actor.ts";
import { inboundMessageSchema } from "../lib/schemas.ts";
import { testConfig, within } from "../lib/testing/fixtures.ts";
import type { InteractionState } from "../actors/interaction.ts";
import { receiveMessage } from "./inbound.ts";
import { setPresence } from "./agents.ts";
import { startDesk } from "./runtime.ts";

const message = (i: number) =>
  inboundMessageSchema.parse({
    id: `m${i}`,
    thread: { id: `t${i}` },
    author: { id: `c${i}` },
    body: "hello",
  });

async function withDesk(
  agents: { id: string; capacity?: Record<string, { capacity: number; maxCapacity: number }> }[],
  fn: (d: Awaited<ReturnType<typeof startDesk>>, kv: Deno.Kv, source: string) => Promise<void>,
) {
  const kv = await Deno.openKv(":memory:");
  const config = await testConfig({}, agents);
  // No periodic tick during the test: whatever gets offered was offered by the code under test.
  const d = await startDesk({ kv, config, tickMs: 600_000 });
  try {
    for (const a of agents) await setPresence(d.desk, a.id, "available");
    await fn(d, kv, config.sources[0].id);
  } finally {
    await d.stop();
    kv.close();
  }
}

const statesOf = (kv: Deno.Kv, ids: string[]) =>
  Promise.all(ids.map(async (id) => (await kv.get<InteractionState>(keys.interaction(id))).value!));

Deno.test("dispatch - parallel arrivals each go to a different agent at once, without a failed check", async () => {
  const agents = Array.from({ length: 12 }, (_, i) => ({
    id: `agent${i}`,
    capacity: { realtime: { capacity: 1, maxCapacity: 1 } },
  }));
  await withDesk(agents, async ({ desk }, kv, source) => {
    const conflicts = stats.conflicts;
    const results = await Promise.all(agents.map((_, i) => receiveMessage(desk, source, message(i))));
    assert.equal(stats.conflicts - conflicts, 0, "no routing transaction failed another's check");
    const states = await statesOf(kv, results.map((r) => r.interactionId!));
    // Offered in the arrival's own commit (no dispatch pass needed), each to its own agent.
    assert.deepEqual(states.map((s) => s.state), Array(12).fill("offered"));
    assert.equal(new Set(states.map((s) => s.agentId)).size, 12);
  });
});

Deno.test("dispatch - an arrival that finds only a claimed agent is offered once the claim is released", async () => {
  await withDesk(
    [{ id: "alice", capacity: { realtime: { capacity: 3, maxCapacity: 3 } } }],
    async ({ desk }, kv, source) => {
      const results = await Promise.all([0, 1, 2].map((i) => receiveMessage(desk, source, message(i))));
      const ids = results.map((r) => r.interactionId!);
      // One of them was offered inline; the others found alice claimed and were queued, then
      // offered by a dispatch pass (their queued commit or the claim's release asks for one: the
      // periodic tick is ten minutes away).
      await within(
        (async () => {
          while ((await statesOf(kv, ids)).some((s) => s.state !== "offered")) {
            await new Promise((r) => setTimeout(r, 10));
          }
        })(),
        5_000,
        "every arrival offered to alice",
      );
      const states = await statesOf(kv, ids);
      assert.deepEqual(states.map((s) => s.agentId), ["alice", "alice", "alice"]);
      const alice = (await kv.get<{ load: Record<string, number> }>(keys.agent("alice"))).value!;
      assert.equal(alice.load.realtime, 3, "her load counts each offer once");
    },
  );
});
