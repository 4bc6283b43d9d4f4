/**
 * The one place supervision figures are written: the counters a transition counts
 * (`actors/counters.ts`), the live gauges, and the open-interaction indexes, all staged into
 * the transaction that writes the transition. Counters and gauges are `sum`s (no read, no check,
 * never a conflict); index entries are pointer keys written with the state they index.
 */
import { newId, type Tx } from "../lib/server/actor.ts";
import { keys } from "../lib/server/keys.ts";
import { ms } from "../lib/shared/time.ts";
import { countTransition } from "../actors/counters.ts";
import type { AgentState } from "../actors/agent.ts";
import { indexRecord, type InteractionEffect, type InteractionState } from "../actors/interaction.ts";
import type { DeskContext } from "./context.ts";

/** The UTC day (YYYY-MM-DD) of a time. */
export const dayOf = (t: number) => new Date(t).toISOString().slice(0, 10);
export const hourOf = (t: number) => new Date(t).getUTCHours();
export const minuteOf = (t: number) => Math.floor(t / 60_000) * 60_000;

/** Source figures also kept per hour: what the service level through the day needs. */
const HOURLY = new Set(["answered", "answeredInTarget", "abandoned"]);

/** The open-interaction index keys of a state (none once completed). */
export function openIndexKeys(s: InteractionState): Deno.KvKey[] {
  if (s.state === "completed") return [];
  // `|| 0`: a key holding -0 sorts apart from 0, and a cursor's JSON turns -0 into 0.
  const sort = s.state === "queued" ? [-s.priority || 0, ms(s.enqueuedAt ?? s.createdAt)] : [ms(s.createdAt)];
  // An agent's open interactions need no index of their own: its folders hold them (and their views).
  const out: Deno.KvKey[] = [
    keys.openByState(s.state, sort, s.id),
    keys.openBySource(s.sourceId, s.state, sort, s.id),
  ];
  if (s.state === "queued") out.push(keys.waitingSince(s.sourceId, ms(s.enqueuedAt ?? s.createdAt), s.id));
  return out;
}

const keyId = (k: Deno.KvKey) => JSON.stringify(k);

/** The value of an open-interaction index key of `s` (the waiting index holds the id alone). */
export const openIndexValue = (k: Deno.KvKey, s: InteractionState): unknown =>
  k[0] === "waiting_since" ? s.id : indexRecord(s);

/** Stages the supervision writes of one interaction transition into `tx`. */
export function stageSupervision(
  tx: Tx,
  ctx: DeskContext,
  before: InteractionState | null,
  after: InteractionState,
  effects: readonly InteractionEffect[],
): void {
  const now = ctx.now();
  const day = dayOf(now);
  const hour = hourOf(now);
  const seconds = ctx.config.channelGroups[after.group].serviceLevel.seconds;
  const counted = new Set<string>();
  for (const t of countTransition(before, after, effects, { serviceLevelSeconds: seconds })) {
    switch (t.scope) {
      case "source":
        tx.sum(keys.statSourceDay(day, t.sourceId, t.metric), t.n);
        if (HOURLY.has(t.metric)) tx.sum(keys.statSourceHour(day, hour, t.sourceId, t.metric), t.n);
        break;
      case "agent":
        tx.sum(keys.statAgentDay(day, t.agentId, t.metric), t.n);
        counted.add(t.agentId);
        break;
      case "histogram":
        tx.sum(keys.statHistogram(day, t.owner, t.id, t.histogram, t.bucket), 1);
        break;
      case "gauge":
        tx.sum(keys.supervisionGauge(t.sourceId, t.state), t.n);
        if (t.state === "queued") {
          tx.sum(keys.statMinute(minuteOf(now), t.sourceId, t.n > 0 ? "in" : "out"), 1);
        }
        break;
      default: {
        const never: never = t;
        throw new Error(`unknown tally ${JSON.stringify(never)}`);
      }
    }
  }
  const afterKeys = openIndexKeys(after);
  const beforeKeys = before ? openIndexKeys(before) : [];
  const next = new Set(afterKeys.map(keyId));
  for (const k of beforeKeys) if (!next.has(keyId(k))) tx.delete(k);
  for (const k of afterKeys) tx.set(k, openIndexValue(k, after));
  // The source's waiting index moved: the overview reads that source's longest wait again.
  const waiting = (ks: Deno.KvKey[]) => ks.filter((k) => k[0] === "waiting_since").map(keyId).join();
  if (waiting(beforeKeys) !== waiting(afterKeys)) tx.sum(keys.supervisionWaitingRevision(after.sourceId), 1);
  tx.sum(keys.supervisionHead(), 1);
  // The overview's agent rows show these figures: tell it whose moved.
  if (counted.size) logAgentMoves(tx, [...counted]);
}

/** How long the agents' move log is kept: far longer than any reader lags behind. */
export const AGENT_LOG_TTL_MS = 10 * 60_000;

/** A transaction's one log entry so far: its key and the agents it names. */
const logOf = new WeakMap<Tx, { key: Deno.KvKey; agentIds: Set<string> }>();

const agentLogListeners = new WeakMap<Deno.Kv, Set<(logId: string, versionstamp: string) => void>>();

/**
 * Calls `fn` after each commit on `kv` by this process that wrote an entry of the agents' move
 * log, with the entry's id and the commit's versionstamp: a reader following the log (the
 * dispatcher's pool) counts its own commits without listing them.
 */
export function onAgentLogCommit(kv: Deno.Kv, fn: (logId: string, versionstamp: string) => void): void {
  let set = agentLogListeners.get(kv);
  if (!set) agentLogListeners.set(kv, set = new Set());
  set.add(fn);
}

/**
 * Records that `agentIds` moved in this commit: one log entry and one bump of the agents' head
 * per commit, always together (readers check the log against the head). An offer moves its agent
 * twice (its figures, its load) and a dispatch commit carries several offers: each further agent
 * joins the entry already staged, instead of two more mutations per call.
 */
function logAgentMoves(tx: Tx, agentIds: string[]): void {
  let log = logOf.get(tx);
  if (!log) {
    const logId = newId();
    logOf.set(tx, log = { key: keys.supervisionAgentLog(logId), agentIds: new Set() });
    tx.sum(keys.supervisionAgentsHead(), 1);
    const listeners = agentLogListeners.get(tx.kv);
    if (listeners) {
      tx.after(() => {
        const v = tx.versionstamp;
        if (v) listeners.forEach((f) => f(logId, v));
      });
    }
  }
  const known = log.agentIds.size;
  for (const id of agentIds) log.agentIds.add(id);
  // Staged again when it names more: the commit writes a key's last staged value only.
  if (log.agentIds.size > known) tx.set(log.key, [...log.agentIds], AGENT_LOG_TTL_MS);
}

/**
 * Stages the supervision writes of an agent write: the available-agent trend (per agent and
 * minute) and the head the overview follows (presence, load and capacity show there).
 */
export function stageAgentSupervision(tx: Tx, before: AgentState | null, after: AgentState): void {
  const was = before?.presence === "available";
  const is = after.presence === "available";
  if (was !== is) {
    tx.sum(keys.statMinuteAvailable(minuteOf(ms(after.presenceSince)), after.id, is ? "in" : "out"), 1);
  }
  logAgentMoves(tx, [after.id]);
}
