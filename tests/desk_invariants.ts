/**
 * Whole-store invariants of the routing desk, checked by scanning every KV key (key shapes from
 * lib/server/keys.ts). Used by the property suite after each step and by the restart suite.
 */
import assert from "node:assert/strict";
import type { Config } from "../lib/shared/config.ts";
import { ineligibility } from "../lib/shared/routing.ts";
import type { AgentState } from "../actors/agent.ts";
import { type InteractionState, isOpen, timerOf } from "../actors/interaction.ts";
import type { Message, ThreadState } from "../actors/thread.ts";
import { availableAgentKeys, availableAgentValue, indexKey, indexValue, timerId } from "../desk/persist.ts";
import { type FolderName, keys, PROCESS_LIVENESS_KEYS } from "../lib/server/keys.ts";

/** A queued interaction that an available agent with room could take (may be transient: dispatch runs after commit). */
export class LivenessError extends Error {}

type Entry = { key: Deno.KvKey; value: unknown; versionstamp: string };

async function scanOnce(kv: Deno.Kv): Promise<{ byKind: Map<string, Entry[]>; stamps: string }> {
  const byKind = new Map<string, Entry[]>();
  const stamps: string[] = [];
  for await (const e of kv.list({ prefix: [] })) {
    const kind = String(e.key[0]);
    if (PROCESS_LIVENESS_KEYS.includes(kind)) continue;
    const list = byKind.get(kind) ?? [];
    list.push({ key: e.key, value: e.value, versionstamp: e.versionstamp });
    byKind.set(kind, list);
    stamps.push(e.versionstamp);
  }
  return { byKind, stamps: stamps.join() };
}

/**
 * Every key of the store, grouped by its first part, as one consistent snapshot: a listing is read
 * in batches, so a commit landing mid-scan (a timer firing in the background) could tear it. Two
 * identical listings in a row prove no commit touched a listed key in between.
 */
export async function scanStore(kv: Deno.Kv): Promise<Map<string, Entry[]>> {
  let prev = await scanOnce(kv);
  for (let i = 0; i < 50; i++) {
    const next = await scanOnce(kv);
    if (next.stamps === prev.stamps) return next.byKind;
    prev = next;
  }
  throw new Error("the store never stopped changing long enough to scan it");
}

const k = (key: Deno.KvKey) => JSON.stringify(key);

/** What the caller knows was acknowledged: `${sourceId}|${externalId}` of each accepted (non-duplicate) inbound message. */
export type InboundLedger = { acked: Set<string> };

export type InvariantOptions = {
  /** Also check that no queued interaction could be offered to an available agent with room (after dispatch settled). */
  liveness?: boolean;
  ledger?: InboundLedger;
  /**
   * Load an agent may hold above its hard capacity without a forced transfer: what was already
   * there when a configuration change lowered that capacity (work is never taken away).
   */
  capacityAllowance?: (agentId: string, group: "realtime" | "async") => number;
};

/**
 * Asserts the desk's invariants on the whole store:
 * - one owner: an open interaction is in exactly one folder or queue entry, derived from its state;
 * - agent load = its offered + active interactions per channel group (deferred and closing are not counted);
 * - load ≤ hard capacity, except by interactions that arrived by a forced transfer;
 * - available-agent index = agents available, per team, same value and versionstamp as the agent;
 * - one timer record per interaction that has a timer, none otherwise;
 * - a thread points at its only open interaction;
 * - every acknowledged inbound message is stored exactly once, and nothing else from customers;
 * - each folder counter equals the number of entries in its folder.
 */
export async function checkInvariants(kv: Deno.Kv, config: Config, o: InvariantOptions = {}): Promise<void> {
  const store = await scanStore(kv);
  const list = (kind: string) => store.get(kind) ?? [];
  const interactions = new Map(
    list("interaction").map((e) => [String(e.key[1]), e.value as InteractionState]),
  );
  const agents = new Map(list("agent").map((e) => [String(e.key[1]), e]));
  const threads = new Map(list("thread").map((e) => [String(e.key[1]), e.value as ThreadState]));

  // Index entries (folders and queues) by interaction id.
  const indexOf = new Map<string, Entry[]>();
  for (const e of [...list("folder"), ...list("queue")]) {
    const id = String(e.key[e.key.length - 1]);
    assert.ok(interactions.has(id), `index entry ${k(e.key)} points to no interaction`);
    indexOf.set(id, [...(indexOf.get(id) ?? []), e]);
  }
  for (const e of list("folder")) {
    const s = interactions.get(String(e.key[4]))!;
    assert.equal(
      e.key[1],
      s.agentId,
      `folder entry ${k(e.key)} belongs to ${String(e.key[1])} but ${s.id} is with ${s.agentId}`,
    );
  }
  // Folder counters (`/me`): each equals its folder's entries; none for an empty folder but 0.
  const entriesIn = new Map<string, number>();
  for (const e of list("folder")) {
    const id = k(keys.folderCount(String(e.key[1]), e.key[2] as FolderName));
    entriesIn.set(id, (entriesIn.get(id) ?? 0) + 1);
  }
  const counters = new Map(list("folder_count").map((e) => [k(e.key), (e.value as Deno.KvU64).value]));
  for (const [id, n] of entriesIn) {
    assert.equal(
      counters.get(id),
      BigInt(n),
      `folder counter ${id} is ${counters.get(id)}, folder holds ${n}`,
    );
  }
  for (const [id, n] of counters) {
    if (!entriesIn.has(id)) assert.equal(n, 0n, `folder counter ${id} is ${n} for an empty folder`);
  }

  const timersOf = new Map<string, Entry[]>();
  for (const e of list("timer")) {
    const id = String(e.key[2]).replace(/^interaction:/, "");
    assert.ok(interactions.has(id), `timer ${k(e.key)} points to no interaction`);
    timersOf.set(id, [...(timersOf.get(id) ?? []), e]);
  }
  const threadLinks = new Set(
    list("thread_interaction").map((e) => `${String(e.key[1])}|${String(e.key[2])}`),
  );

  const idle = config.routing.idleTimeout;
  const load = new Map<string, { realtime: number; async: number }>();
  const forcedHeld = new Map<string, { realtime: number; async: number }>();
  const openByThread = new Map<string, string[]>();
  for (const s of interactions.values()) {
    const where = `interaction ${s.id} (${s.state}, agent ${s.agentId})`;
    if (s.state === "queued") assert.equal(s.agentId, null, `${where}: queued with an agent`);
    else if (isOpen(s)) assert.ok(s.agentId && agents.has(s.agentId), `${where}: open without a known agent`);

    const idx = indexOf.get(s.id) ?? [];
    assert.equal(
      idx.length,
      1,
      `${where}: ${idx.length} index entries ${idx.map((e) => k(e.key)).join(", ")}`,
    );
    assert.equal(k(idx[0].key), k(indexKey(s)), `${where}: index entry is not the one its state derives`);
    assert.deepEqual(idx[0].value, indexValue(s), `${where}: index value differs from the state`);

    const timer = timerOf(s, idle);
    assert.deepEqual(s.scheduled ?? null, timer, `${where}: scheduled timer differs from its state's`);
    const records = timersOf.get(s.id) ?? [];
    assert.equal(
      records.length,
      timer ? 1 : 0,
      `${where}: ${records.length} timer records, expected ${timer ? 1 : 0}`,
    );
    if (timer) {
      assert.equal(k(records[0].key), k(["timer", timer.dueAt, timerId(s.id)]), `${where}: timer record key`);
      assert.equal((records[0].value as { epoch: number }).epoch, s.epoch, `${where}: timer record epoch`);
    }
    assert.ok(threadLinks.has(`${s.threadId}|${s.id}`), `${where}: missing from its thread's list`);

    if (s.agentId && (s.state === "offered" || s.state === "active")) {
      const l = load.get(s.agentId) ?? { realtime: 0, async: 0 };
      l[s.group]++;
      load.set(s.agentId, l);
      if (s.transfer?.forced) {
        const f = forcedHeld.get(s.agentId) ?? { realtime: 0, async: 0 };
        f[s.group]++;
        forcedHeld.set(s.agentId, f);
      }
    }
    if (isOpen(s)) openByThread.set(s.threadId, [...(openByThread.get(s.threadId) ?? []), s.id]);
  }

  // Agents: load, capacity, available index.
  const available = new Map(list("available_agent").map((e) => [k(e.key), e]));
  const expectedAvailable = new Set<string>();
  for (const { value } of agents.values()) {
    const a = value as AgentState;
    const counted = load.get(a.id) ?? { realtime: 0, async: 0 };
    const forced = forcedHeld.get(a.id) ?? { realtime: 0, async: 0 };
    for (const g of ["realtime", "async"] as const) {
      assert.equal(
        a.load[g],
        counted[g],
        `agent ${a.id}: stored ${g} load ${a.load[g]} but holds ${counted[g]} offered/active`,
      );
      assert.ok(
        a.load[g] <= a.capacity[g].maxCapacity + forced[g] + (o.capacityAllowance?.(a.id, g) ?? 0),
        `agent ${a.id}: ${g} load ${a.load[g]} exceeds max ${a.capacity[g].maxCapacity} (+${
          forced[g]
        } forced, +${o.capacityAllowance?.(a.id, g) ?? 0} held before the capacity was lowered)`,
      );
    }
    for (const key of availableAgentKeys(a)) {
      expectedAvailable.add(k(key));
      const e = available.get(k(key));
      assert.ok(e, `agent ${a.id} is available but ${k(key)} is missing`);
      assert.equal(e.value, availableAgentValue(a), `${k(key)} does not point to the agent`);
    }
  }
  for (const key of available.keys()) {
    assert.ok(expectedAvailable.has(key), `stale available-agent entry ${key}`);
  }

  // Threads point at their only open interaction.
  for (const t of threads.values()) {
    const open = openByThread.get(t.id) ?? [];
    assert.ok(open.length <= 1, `thread ${t.id} has ${open.length} open interactions: ${open.join(", ")}`);
    assert.equal(
      t.openInteractionId,
      open[0] ?? null,
      `thread ${t.id} points at ${t.openInteractionId}, open: ${open[0] ?? "none"}`,
    );
  }

  if (o.ledger) {
    const stored = new Map<string, number>();
    for (const e of list("message")) {
      const m = e.value as Message;
      if (m.author.type !== "customer") continue;
      const t = threads.get(m.threadId);
      assert.ok(t, `message ${m.id} on unknown thread ${m.threadId}`);
      const id = `${t.sourceId}|${m.externalId}`;
      stored.set(id, (stored.get(id) ?? 0) + 1);
    }
    for (const id of o.ledger.acked) {
      assert.equal(stored.get(id) ?? 0, 1, `acknowledged message ${id} stored ${stored.get(id) ?? 0} times`);
    }
    for (const id of stored.keys()) {
      assert.ok(o.ledger.acked.has(id), `customer message ${id} stored but never acknowledged`);
    }
    assert.equal(
      list("inbound_message").length,
      o.ledger.acked.size,
      "one idempotency record per acknowledged message",
    );
  }

  if (o.liveness) {
    for (const s of interactions.values()) {
      if (s.state !== "queued") continue;
      const source = config.sources.find((x) => x.id === s.sourceId)!;
      const req = {
        group: s.group,
        teams: s.target?.teamId ? [s.target.teamId] : source.teams,
        categories: s.categories,
        language: s.language,
        targetAgentId: s.target?.agentId ?? null,
        excludedAgents: s.excludedAgents,
        preferredAgentId: s.preferredAgentId,
      };
      const eligible = [...agents.values()].map((e) => e.value as AgentState).filter((a) =>
        ineligibility(a, req, true) === null
      );
      if (eligible.length) {
        throw new LivenessError(
          `queued interaction ${s.id} waits while ${eligible.map((a) => a.id).join(", ")} could take it`,
        );
      }
    }
  }
}
