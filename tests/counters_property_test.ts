/**
 * Property: after random histories (the property suite's model: inbound messages, accepts,
 * transfers — some forced —, deferrals, completions, closings, presence changes, timers, some
 * steps concurrent), the supervision counters summed in the commits equal the number of
 * transitions of each kind as the audit log records them, the live gauges equal the states the
 * interactions are in, and the open-interaction indexes list exactly the open interactions.
 * PROPERTY_RUNS widens it; PROPERTY_SEED replays one.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import type { Presence } from "../actors/agent.ts";
import type { InteractionState } from "../actors/interaction.ts";
import type { AuditEntry } from "../desk/persist.ts";
import { keys } from "../lib/server/keys.ts";
import { type Clock, DeskDriver, sweep } from "./property_drivers.ts";
import { AGENT_IDS, AGENTS, propertyConfig, stepArb } from "./property_model.ts";
import { Run } from "./property_run.ts";

const env = (name: string) => Deno.env.get(name);

type Counts = Map<string, number>;
const add = (m: Counts, key: string, n = 1) => m.set(key, (m.get(key) ?? 0) + n);
const sorted = (m: Counts) =>
  Object.fromEntries([...m].filter(([, n]) => n !== 0).sort(([a], [b]) => (a < b ? -1 : 1)));

/** Every counter of `prefix`'s kind, summed over days: "<id>.<metric>" → value. */
async function summed(kv: Deno.Kv, table: string, metrics: Set<string>): Promise<Counts> {
  const out: Counts = new Map();
  for await (const e of kv.list<Deno.KvU64>({ prefix: [table] })) {
    const [, , id, metric] = e.key as [string, string, string, string];
    if (metrics.has(metric)) add(out, `${id}.${metric}`, Number(e.value.value));
  }
  return out;
}

/** The transitions of each kind, read from the audit log and the interactions themselves. */
async function fromAudit(kv: Deno.Kv) {
  const source: Counts = new Map(), agent: Counts = new Map(), gauges: Counts = new Map();
  const interactions = new Map<string, InteractionState>();
  for await (const e of kv.list<InteractionState>({ prefix: keys.interactionsPrefix() })) {
    interactions.set(e.value.id, e.value);
    add(source, `${e.value.sourceId}.created`);
    if (e.value.state !== "completed") add(gauges, `${e.value.sourceId}.${e.value.state}`);
  }
  for await (const e of kv.list<AuditEntry>({ prefix: ["audit"] })) {
    const a = e.value;
    const i = a.interactionId ? interactions.get(a.interactionId) : undefined;
    if (!i) continue;
    const s = i.sourceId;
    const d = a.details as Record<string, unknown>;
    switch (a.type) {
      case "offered":
        add(source, `${s}.offered`), add(agent, `${d.agentId}.offered`);
        break;
      case "accepted":
        add(source, `${s}.accepted`), add(agent, `${a.actor.id}.accepted`);
        break;
      case "offer_missed":
        add(source, `${s}.missed`), add(agent, `${d.agentId}.missed`);
        break;
      case "completed":
        add(source, `${s}.completed`);
        break;
      case "transferred":
        add(source, `${s}.transferred`);
        if (d.from) add(agent, `${d.from}.transferredOut`);
        if (d.forced) {
          const to = (d.to as { agentId: string }).agentId;
          add(source, `${s}.forced`), add(agent, `${to}.forcedAssignments`);
        }
        break;
    }
  }
  return { source, agent, gauges, interactions };
}

/**
 * Everything the property compares, read while nothing commits. The reads are several lists, not
 * one snapshot, and a timer the KV queue fires in the background (one written after its due
 * time, when a step moved the clock) may commit between two of them: a miss counted but not yet
 * in the audit list read before it (seed -1806212135, path 2). So overdue timers are fired and
 * dispatch settled first, and the reads are kept only if the supervision head, which every
 * transition bumps, is the same before and after them.
 */
async function quietRead(driver: DeskDriver) {
  const kv = driver.kv;
  const head = async () => (await kv.get<Deno.KvU64>(keys.supervisionHead())).value?.value ?? 0n;
  for (let attempt = 1;; attempt++) {
    await sweep(driver);
    await driver.desk.dispatcher.settle();
    const before = await head();
    const want = await fromAudit(kv);
    const counters = {
      source: await summed(kv, "stat_source_day", SOURCE_KINDS),
      agent: await summed(kv, "stat_agent_day", AGENT_KINDS),
    };
    const gauges: Counts = new Map();
    for await (const e of kv.list<Deno.KvU64>({ prefix: keys.supervisionGauges() })) {
      const [, sourceId, state] = e.key as [string, string, string];
      add(gauges, `${sourceId}.${state}`, Number(BigInt.asIntN(64, e.value.value)));
    }
    const indexed = new Map<string, string>();
    for await (const e of kv.list<{ id: string; state: string }>({ prefix: ["open_by_state"] })) {
      assert.ok(!indexed.has(e.value.id), `${e.value.id} indexed twice`);
      indexed.set(e.value.id, e.value.state);
    }
    if ((await head()) === before) return { want, counters, gauges, indexed };
    assert.ok(attempt < 10, "something kept committing while the figures were read");
  }
}

const SOURCE_KINDS = new Set([
  "created",
  "offered",
  "accepted",
  "missed",
  "completed",
  "transferred",
  "forced",
]);
const AGENT_KINDS = new Set(["offered", "accepted", "missed", "transferredOut", "forcedAssignments"]);

Deno.test("property - after random histories the counters equal the transitions of each kind", async () => {
  const covered = new Map<string, number>();
  await fc.assert(
    fc.asyncProperty(
      fc.boolean(),
      fc.array(fc.constantFrom<Presence>("available", "available", "away", "offline"), {
        minLength: AGENTS.length,
        maxLength: AGENTS.length,
      }),
      fc.array(stepArb, { minLength: 20, maxLength: 50 }),
      async (awayOnMiss, presences, plan) => {
        const config = await propertyConfig("least_occupied", awayOnMiss);
        const clock: Clock = { at: Date.parse("2031-03-01T09:00:00Z"), now: () => clock.at };
        const driver = await DeskDriver.start(config, clock);
        try {
          const run = new Run(driver, config, clock);
          for (const [i, p] of presences.entries()) await driver.presence(AGENT_IDS[i], p);
          for (const step of plan) await run.step(step);
          const { want, counters, gauges, indexed } = await quietRead(driver);
          assert.deepEqual(sorted(counters.source), sorted(want.source));
          assert.deepEqual(sorted(counters.agent), sorted(want.agent));
          assert.deepEqual(sorted(gauges), sorted(want.gauges));
          const open = [...want.interactions.values()].filter((i) => i.state !== "completed");
          assert.deepEqual(
            Object.fromEntries([...indexed].sort()),
            Object.fromEntries(open.map((i) => [i.id, i.state] as const).sort()),
          );
          for (const [k, n] of want.source) add(covered, k.split(".")[1], n);
        } finally {
          await driver.close();
        }
      },
    ),
    {
      numRuns: Number(env("PROPERTY_RUNS") ?? 25),
      ...(env("PROPERTY_SEED") ? { seed: Number(env("PROPERTY_SEED")), path: env("PROPERTY_PATH") } : {}),
      endOnFailure: true,
    },
  );
  // Meaningful only if every kind happened somewhere.
  for (const kind of SOURCE_KINDS) assert.ok((covered.get(kind) ?? 0) > 0, `no "${kind}" in any run`);
});
