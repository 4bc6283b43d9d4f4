import assert from "node:assert/strict";
import fc from "fast-check";
import type { AgentState } from "../actors/agent.ts";
import { keys } from "../lib/server/keys.ts";
import { type RoutingRequest, selectAgent, type Strategy } from "../lib/shared/routing.ts";
import { AgentPool } from "./agent_pool.ts";
import { transact } from "../lib/server/actor.ts";
import { onAgentCommit, writeAgent } from "./persist.ts";
import { onAgentLogCommit } from "./supervisor_counters.ts";
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

/** Writes an agent as the desk does (`writeAgent`: the record, its available-agent pointers, the move log). */
async function store(kv: Deno.Kv, a: AgentState): Promise<string> {
  await transact(kv, async (tx) => writeAgent(tx, await tx.get<AgentState>(keys.agent(a.id)), a));
  const stored = await kv.get<AgentState>(keys.agent(a.id));
  assert(stored.versionstamp);
  return stored.versionstamp;
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
            const versionstamp = await store(kv, a);
            current.set(a.id, a);
            pool.update(a, versionstamp);
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

Deno.test("dispatcher pool - another process's agent moves are read from the move log, without reloading every agent", async () => {
  const dir = await Deno.makeTempDir({ prefix: "pool-log-" });
  // Two handles on one file: this process (its commits reach the pool through the hooks) and another.
  const kv = await Deno.openKv(`${dir}/kv.sqlite3`), other = await Deno.openKv(`${dir}/kv.sqlite3`);
  try {
    const agents = await fc.sample(fc.tuple(agentArb("a1"), agentArb("a2"), agentArb("a3")), {
      numRuns: 1,
      seed: 7,
    })[0];
    const [a1, a2, a3] = agents.map((a): AgentState => ({
      ...a,
      presence: "available",
      role: "agent",
      teams: ["t1"],
      languages: ["en"],
      capacity: { realtime: { capacity: 3, maxCapacity: 5 }, async: { capacity: 2, maxCapacity: 5 } },
      load: { realtime: 0, async: 0 },
    }));
    for (const a of [a1, a2, a3]) await store(kv, a);
    const pool = new AgentPool(kv, () => "least_occupied");
    onAgentCommit(kv, (a, v) => pool.update(a, v));
    onAgentLogCommit(kv, (id, v) => pool.logged(id, v));
    const head = async () => (await kv.get<Deno.KvU64>(keys.supervisionAgentsHead())).value?.value ?? null;
    const req: RoutingRequest = {
      group: "realtime",
      teams: ["t1"],
      categories: [],
      language: "en",
      targetAgentId: null,
      excludedAgents: [],
      preferredAgentId: null,
    };
    const chosen = async (preferred: string) =>
      (await pool.select({ ...req, preferredAgentId: preferred }, () => true))?.entry.value.id;
    await pool.warm();
    assert.equal(pool.loads, 1);
    assert.equal(pool.behind(await head()), false, "nothing changed");

    // Own commit: the head moves by one and the pool hears of it through the hooks.
    await store(kv, { ...a1, load: { realtime: 1, async: 0 } });
    assert.equal(pool.behind(await head()), false, "own commits are accounted for");
    assert.equal(await pool.catchUp(), false, "nothing of anyone else's to read");
    assert.equal(pool.followed, 0);

    // Another process: a2 goes away, a3 takes work (its load changes, its pointer stays).
    await store(other, { ...a2, presence: "away" });
    await store(other, { ...a3, load: { realtime: 2, async: 0 } });
    assert.equal(pool.behind(await head()), true);
    assert.equal(await pool.catchUp(), true);
    assert.equal(pool.loads, 1, "followed, not reloaded");
    assert.equal(pool.followed, 2, "the two agents the log named were read again");
    assert.equal(pool.behind(await head()), false);
    assert.notEqual(await chosen("a2"), "a2", "the agent gone away is no longer offered");
    assert.equal(await chosen("a3"), "a3");
    // least_occupied: a1 (load 1) before a3 (load 2), as stored.
    assert.equal((await pool.select(req, () => true))?.entry.value.id, "a1");

    // A move the log no longer accounts for (its entry gone, as if expired): reloaded.
    await store(other, { ...a2, presence: "available" });
    for await (const e of other.list({ prefix: keys.supervisionAgentLogs() })) await other.delete(e.key);
    assert.equal(await pool.catchUp(), true);
    assert.equal(await chosen("a2"), "a2", "the reload sees the agent back");
    assert.equal(pool.loads, 2);
  } finally {
    kv.close();
    other.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("dispatcher pool - an agent's available-agent entries are written when it comes, goes or changes teams, not when its load moves", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const [a] = await fc.sample(agentArb("a1"), { numRuns: 1, seed: 3 });
    const agent: AgentState = { ...a, presence: "available", teams: ["t1", "t2"] };
    const entries = async () => {
      const out: Record<string, string> = {};
      for await (const e of kv.list({ prefix: keys.availableAgents() })) {
        out[String(e.key[1])] = e.versionstamp;
      }
      return out;
    };
    await store(kv, agent);
    const first = await entries();
    assert.deepEqual(Object.keys(first), ["t1", "t2"]);
    assert.equal(
      (await kv.get(keys.availableAgent("t1", "a1"))).value,
      "a1",
      "a pointer, not the agent's state",
    );
    await store(kv, { ...agent, load: { realtime: agent.load.realtime + 1, async: 0 } });
    assert.deepEqual(await entries(), first, "a load change leaves the entries alone");
    await store(kv, { ...agent, teams: ["t2", "t3"] });
    const moved = await entries();
    assert.deepEqual(Object.keys(moved), ["t2", "t3"]);
    assert.equal(moved.t2, first.t2, "the team kept keeps its entry");
    await store(kv, { ...agent, teams: ["t2", "t3"], presence: "away" });
    assert.deepEqual(await entries(), {});
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
