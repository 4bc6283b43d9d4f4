/**
 * `rebuild-indexes` (SPEC O1): recomputes every derived key from the actor states, with the
 * derivations the desk writes them with (desk/persist.ts): folder and queue entries, thread
 * interaction lists and timer records from `interaction` states, the available-agent index from
 * `agent` states, external thread ids from `thread` states. The result equals deleting every
 * index key and writing them all again; only keys that differ are written or deleted.
 *
 * Every commit checks the states it derives from (and the stale keys it deletes), so a store in
 * use is never corrupted — but run it with the server stopped, or it may stop on a conflict.
 * Available-agent entries are written in one commit with their agent (rewritten unchanged): the
 * dispatcher relies on both carrying the same versionstamp.
 */
import { isDeepStrictEqual } from "node:util";
import { MAX_CHECKS } from "../../lib/server/actor.ts";
import { keys } from "../../lib/server/keys.ts";
import type { AgentState } from "../../actors/agent.ts";
import type { InteractionState } from "../../actors/interaction.ts";
import type { ThreadState } from "../../actors/thread.ts";
import {
  availableAgentKeys,
  availableAgentValue,
  indexKey,
  indexValue,
  type TimerMessage,
  timerRecord,
} from "../../desk/persist.ts";
import { scheduleAt } from "../../desk/schedule.ts";
import { recountFolders } from "../../desk/folder_counts.ts";
import { showKey } from "./codec.ts";

const family = (key: Deno.KvKey): Deno.KvKey => [key[0]];

/** The key families this command owns (everything under them is derived). */
const DERIVED: Deno.KvKey[] = [
  family(keys.folder("", "in_progress")),
  family(keys.queue("realtime")),
  family(keys.threadInteractions("")),
  keys.timers(),
  family(keys.threadByExternalId("", "")),
  family(keys.availableAgentsByTeam("")),
];

type Existing = { value: unknown; versionstamp: string };
type Enqueue = { value: TimerMessage; dueAt: number };
type Change = {
  checks: Deno.AtomicCheck[];
  sets: { key: Deno.KvKey; value: unknown }[];
  deletes: Deno.KvKey[];
  enqueue: Enqueue[];
  /** How many of the sets are index entries (all of them today). */
  entries: number;
};

export type RebuildResult = {
  written: number;
  removed: number;
  unchanged: number;
  agentsRewritten: number;
  problems: string[];
};

export async function rebuildIndexes(kv: Deno.Kv, now = Date.now(), queues = true): Promise<RebuildResult> {
  const mode = { queues, now: () => now };
  const existing = new Map<string, Existing & { key: Deno.KvKey }>();
  for (const prefix of DERIVED) {
    for await (const e of kv.list({ prefix })) {
      existing.set(showKey(e.key), { key: e.key, value: e.value, versionstamp: e.versionstamp });
    }
  }
  const result: RebuildResult = { written: 0, removed: 0, unchanged: 0, agentsRewritten: 0, problems: [] };
  const wanted = new Set<string>();
  const changes: Change[] = [];

  /** Adds the derived entries of one state; returns whether any of them had to be written. */
  const derive = (
    source: Deno.KvEntry<unknown>,
    entries: { key: Deno.KvKey; value: unknown; enqueue?: Enqueue }[],
  ) => {
    const change: Change = {
      checks: [{ key: source.key, versionstamp: source.versionstamp }],
      sets: [],
      deletes: [],
      enqueue: [],
      entries: 0,
    };
    for (const d of entries) {
      const id = showKey(d.key);
      wanted.add(id);
      const have = existing.get(id);
      if (have && isDeepStrictEqual(have.value, d.value)) {
        result.unchanged++;
        continue;
      }
      change.sets.push({ key: d.key, value: d.value });
      change.entries++;
      // A missing timer record may have lost its queue message too (the message is idempotent).
      if (d.enqueue) change.enqueue.push(d.enqueue);
    }
    if (change.sets.length) changes.push(change);
  };

  for await (const e of kv.list<InteractionState>({ prefix: keys.interactionsPrefix() })) {
    const s = e.value;
    const entries: { key: Deno.KvKey; value: unknown; enqueue?: Enqueue }[] = [
      { key: keys.threadInteraction(s.threadId, s.id), value: { id: s.id, createdAt: s.createdAt } },
    ];
    try {
      entries.push({ key: indexKey(s), value: indexValue(s) });
    } catch (err) {
      result.problems.push(`interaction ${s.id}: ${(err as Error).message}`);
    }
    if (s.scheduled) {
      const rec = timerRecord(s, s.scheduled);
      entries.push({
        key: rec.key,
        value: rec.value,
        enqueue: { value: rec.msg, dueAt: rec.msg.dueAt },
      });
    }
    derive(e, entries);
  }
  for await (const e of kv.list<ThreadState>({ prefix: keys.threadsPrefix() })) {
    derive(e, [{ key: keys.threadByExternalId(e.value.sourceId, e.value.externalId), value: e.value.id }]);
  }
  for await (const e of kv.list<AgentState>({ prefix: keys.agents() })) {
    const a = e.value;
    const listed = availableAgentKeys(a);
    for (const key of listed) wanted.add(showKey(key));
    const pointer = availableAgentValue(a);
    const current = listed.every((key) => isDeepStrictEqual(existing.get(showKey(key))?.value, pointer));
    if (current) {
      result.unchanged += listed.length;
      continue;
    }
    // Checked against the agent as read: an agent that moved meanwhile wrote its own entries.
    result.agentsRewritten++;
    changes.push({
      checks: [{ key: e.key, versionstamp: e.versionstamp }],
      sets: listed.map((key) => ({ key, value: pointer })),
      deletes: [],
      enqueue: [],
      entries: listed.length,
    });
  }
  for (const [id, e] of existing) {
    if (!wanted.has(id)) {
      changes.push({
        checks: [{ key: e.key, versionstamp: e.versionstamp }],
        sets: [],
        deletes: [e.key],
        enqueue: [],
        entries: 0,
      });
    }
  }

  // Commit in batches of at most MAX_CHECKS checks.
  let op = kv.atomic();
  let checks = 0;
  let pending: Change[] = [];
  const flush = async () => {
    if (!pending.length) return;
    const r = await op.commit();
    if (!r.ok) {
      throw new Error(
        "the store changed during the rebuild (is a server running on it?); nothing of the last batch was written",
      );
    }
    for (const c of pending) {
      result.removed += c.deletes.length;
      result.written += c.entries;
    }
    op = kv.atomic();
    checks = 0;
    pending = [];
  };
  for (const c of changes) {
    if (checks + c.checks.length > MAX_CHECKS) await flush();
    for (const ch of c.checks) op.check(ch);
    for (const s of c.sets) op.set(s.key, s.value);
    for (const d of c.deletes) op.delete(d);
    for (const m of c.enqueue) scheduleAt(op, mode, m.value, m.dueAt);
    checks += c.checks.length;
    pending.push(c);
  }
  await flush();
  // The folder counters (`/me`) are derived from the folders just rebuilt.
  await recountFolders(kv);
  return result;
}
