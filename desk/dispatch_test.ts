/**
 * Routing transactions side by side (desk/dispatch.ts `claiming`): parallel arrivals each pick an
 * agent no other unfinished transaction picked, so they neither queue behind each other nor fail
 * each other's checks; an arrival that finds only claimed agents is queued and offered once the
 * claim is released, without waiting for the periodic tick. Real KV, real desk.
 */
import assert from "node:assert/strict";
import { keys } from "../lib/server/keys.ts";
import { stats } from "../lib/server/actor.ts";
import { inboundMessageSchema } from "../lib/shared/wire/api.ts";
import { type AgentSpec, testConfig, within } from "../lib/testing/fixtures.ts";
import type { InteractionState } from "../actors/interaction.ts";
import { receiveMessage } from "./inbound.ts";
import { setPresence } from "./agents.ts";
import { startDesk } from "./runtime.ts";

const message = (i: number, language = "en") =>
  inboundMessageSchema.parse({
    id: `m${i}`,
    thread: { id: `t${i}` },
    author: { id: `c${i}` },
    body: "hello",
    language,
  });

async function withDesk(
  agents: AgentSpec[],
  fn: (d: Awaited<ReturnType<typeof startDesk>>, kv: Deno.Kv, source: string) => Promise<void>,
  available = true,
) {
  const kv = await Deno.openKv(":memory:");
  const config = await testConfig({}, agents);
  // No periodic tick during the test: whatever gets offered was offered by the code under test.
  const d = await startDesk({ kv, config, tickMs: 600_000 });
  try {
    if (available) { for (const a of agents) await setPresence(d.desk, a.id, "available"); }
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

/** Queues `messages` while every agent is away, then makes them all available at once. */
async function queueThenRelease(
  desk: Awaited<ReturnType<typeof startDesk>>["desk"],
  source: string,
  agents: AgentSpec[],
  messages: ReturnType<typeof message>[],
): Promise<string[]> {
  const ids: string[] = [];
  for (const m of messages) ids.push((await receiveMessage(desk, source, m)).interactionId!);
  // The passes the arrivals asked for end first: a pass running on would see agents come back.
  await desk.dispatcher.settle();
  const release = desk.dispatcher.hold();
  for (const a of agents) await setPresence(desk, a.id, "available");
  release();
  await desk.dispatcher.settle();
  return ids;
}

Deno.test("dispatch - a pass places a queue several offers a commit, several commits in flight, none failing a check", async () => {
  const agents = Array.from({ length: 8 }, (_, i) => ({
    id: `agent${i}`,
    capacity: { realtime: { capacity: 5, maxCapacity: 5 } },
  }));
  await withDesk(agents, async ({ desk }, kv, source) => {
    const before = { commits: stats.commits, conflicts: stats.conflicts };
    const ids = await queueThenRelease(
      desk,
      source,
      agents,
      Array.from({ length: 40 }, (_, i) => message(i)),
    );
    const commits = stats.commits - before.commits, conflicts = stats.conflicts - before.conflicts;
    const states = await statesOf(kv, ids);
    assert.deepEqual(states.map((s) => s.state), Array(40).fill("offered"));
    assert.equal(conflicts, 0);
    // 40 arrivals and 8 presence changes, then the offers: 3 or more a commit on average (up to
    // 5; a batch decided while others commit skips their claimed agents, so some are smaller).
    assert.ok(commits - 48 <= 40 / 3, `${commits - 48} dispatch commits for 40 offers`);
    for (const a of agents) {
      const load = (await kv.get<{ load: Record<string, number> }>(keys.agent(a.id))).value!.load.realtime;
      assert.equal(load, 5, `${a.id} holds as many offers as its capacity`);
    }
  }, false);
});

Deno.test("dispatch - a pipelined pass keeps queue order for the one agent who can take some of it", async () => {
  const agents = [
    { id: "francoise", languages: ["fr"], capacity: { realtime: { capacity: 2, maxCapacity: 2 } } },
    ...Array.from({ length: 4 }, (_, i) => ({
      id: `eng${i}`,
      languages: ["en"],
      capacity: { realtime: { capacity: 5, maxCapacity: 5 } },
    })),
  ];
  await withDesk(agents, async ({ desk }, kv, source) => {
    // French arrivals spread through a queue long enough for several batches at once.
    const langs = Array.from({ length: 14 }, (_, i) => (i % 4 === 1 ? "fr" : "en"));
    const ids = await queueThenRelease(desk, source, agents, langs.map((l, i) => message(i, l)));
    const states = await statesOf(kv, ids);
    const french = states.filter((_, i) => langs[i] === "fr");
    assert.equal(french.length, 4);
    // The two oldest French arrivals went to her; the later ones wait, whatever the batching.
    assert.deepEqual(french.map((s) => s.state), ["offered", "offered", "queued", "queued"]);
    assert.deepEqual(french.slice(0, 2).map((s) => s.agentId), ["francoise", "francoise"]);
    assert.ok(states.filter((_, i) => langs[i] === "en").every((s) => s.state === "offered"));
  }, false);
});
