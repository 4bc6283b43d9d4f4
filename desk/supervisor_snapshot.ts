/**
 * What the supervisor overview is built from, read from KV and kept in memory as a cache that
 * follows two head keys (bumped by `sum` in the commits that move interactions, agents or an
 * agent's figures): any process answers from memory until a head moves, and then reads again
 * only what a head covers. The agents' part is followed incrementally through the agents' move
 * log (one entry per head bump, naming the agents a commit moved): a change re-reads those
 * agents' records and figures, never all 2,000 of them, unless the log does not add up.
 */
import { decodeTime, encodeTime } from "ulid";
import { keys } from "../lib/server/keys.ts";
import { getManyInChunks } from "../lib/server/get_many.ts";
import { AGENT_METRICS, type AgentMetric, SOURCE_METRICS, type SourceMetric } from "../actors/counters.ts";
import type { AgentState } from "../actors/agent.ts";
import type { Desk } from "./desk.ts";
import { dayOf, hourOf, minuteOf } from "./supervisor_counters.ts";

export const OPEN = ["queued", "offered", "active", "deferred", "closing"] as const;
export type OpenState = (typeof OPEN)[number];
export const TREND_MINUTES = 60;

/** A counter's value: KvU64 sums wrap modulo 2^64, so a gauge below zero reads as 0. */
const num = (v: unknown) => v instanceof Deno.KvU64 ? Math.max(0, Number(BigInt.asIntN(64, v.value))) : 0;

export type SourceFigures = Record<SourceMetric, number>;
export type AgentFigures = Record<AgentMetric, number>;
export const zeroSource = () => Object.fromEntries(SOURCE_METRICS.map((m) => [m, 0])) as SourceFigures;
export const zeroAgent = () => Object.fromEntries(AGENT_METRICS.map((m) => [m, 0])) as AgentFigures;

/** What interaction commits move: gauges, today's source figures, the waiting trend. */
export type QueuesPart = {
  gauges: Map<string, Record<OpenState, number>>;
  oldest: Map<string, number | null>;
  /** Per source, the versionstamp of its waiting revision key when `oldest` was read. */
  waitingRevisions: Map<string, string>;
  today: Map<string, SourceFigures>;
  waitHistogram: Map<string, number[]>;
  hours: Map<string, Map<number, SourceFigures>>;
  /** Per minute: waiting moves per source. */
  waitingMoves: Map<number, Map<string, number>>;
};

/** One agent as the overview knows it. */
export type AgentEntry = {
  state: AgentState;
  today: AgentFigures;
};

/** What agent commits (and commits counting a figure for an agent) move. */
export type AgentsPart = {
  /**
   * By id, in key order; an entry object is kept as long as its agent did not move, which is
   * how the overview knows a row is unchanged.
   */
  agents: Map<string, AgentEntry>;
  /** Per minute: available moves per agent. */
  availableMoves: Map<number, Map<string, number>>;
  /** How many agents this read fetched (every one on a whole read). */
  agentsRead: number;
  /** Whether this read listed every agent (first, new day, or the move log did not add up). */
  whole: boolean;
  log: AgentLogCursor;
};

/**
 * Where a state is in the agents' move log: the head value it accounts for, the log entries it
 * applied (id → ulid time, kept for the slack window), and when it was last read whole.
 */
type AgentLogCursor = { head: bigint; applied: Map<string, number>; wholeAt: number };

/** Log entries are listed from this long before the newest applied (commits land out of id order). */
const LOG_SLACK_MS = 5_000;
/** A whole read at least this often, whatever the log says (a bound on any drift). */
const WHOLE_EVERY_MS = 10 * 60_000;

async function list(kv: Deno.Kv, sel: Deno.KvListSelector): Promise<Deno.KvEntry<unknown>[]> {
  const out: Deno.KvEntry<unknown>[] = [];
  for await (const e of kv.list(sel, { batchSize: 1000 })) out.push(e);
  return out;
}

function moves(entries: Deno.KvEntry<unknown>[]): Map<number, Map<string, number>> {
  const out = new Map<number, Map<string, number>>();
  for (const e of entries) {
    const [, minute, id, dir] = e.key as [string, number, string, "in" | "out"];
    const m = out.get(minute) ?? new Map<string, number>();
    m.set(id, (m.get(id) ?? 0) + (dir === "in" ? 1 : -1) * num(e.value));
    out.set(minute, m);
  }
  return out;
}

/**
 * The queues' part. With `previous` of the same day, the trend minutes and service-level hours
 * that ended before the last minute (or hour) are kept, and only the recent ones listed again:
 * a closed minute's moves no longer change, so a change reads tens of entries, not an hour's.
 * A source's longest wait is read again only when its waiting revision moved (one list for all
 * sources instead of one per source).
 */
export async function readQueues(desk: Desk, now: number, previous: QueuesPart | null): Promise<QueuesPart> {
  const kv = desk.kv;
  const day = dayOf(now);
  const since = minuteOf(now) - TREND_MINUTES * 60_000;
  // A commit stamps the minute by its own clock: the last two minutes may still move.
  const movesFrom = previous ? Math.max(since, minuteOf(now) - 60_000) : since;
  const hoursFrom = previous ? hourOf(now) : 0;
  // The waiting revisions are read before the longest waits: a change after them bumps them again.
  const [revisionEntries, gaugeEntries, todayEntries, histEntries, hourEntries, wMoves] = await Promise.all([
    list(kv, { prefix: keys.supervisionWaitingRevisions() }),
    list(kv, { prefix: keys.supervisionGauges() }),
    list(kv, { prefix: keys.statSourceDays(day) }),
    list(kv, { prefix: keys.statHistograms(day, "source") }),
    list(kv, { start: [...keys.statSourceHours(day), hoursFrom], end: [...keys.statSourceHours(day), 24] }),
    list(kv, {
      start: keys.statMinute(movesFrom, "", ""),
      end: [...keys.statMinutes(), Number.MAX_SAFE_INTEGER],
    }),
  ]);
  const waitingRevisions = new Map(revisionEntries.map((e) => [e.key[1] as string, e.versionstamp]));
  const oldest = await Promise.all(desk.config.sources.map(async (s) => {
    const revision = waitingRevisions.get(s.id) ?? null;
    if (previous?.oldest.has(s.id) && (previous.waitingRevisions.get(s.id) ?? null) === revision) {
      return [s.id, previous.oldest.get(s.id)!] as const;
    }
    for await (const e of kv.list({ prefix: keys.waitingSincePrefix(s.id) }, { limit: 1 })) {
      return [s.id, e.key[2] as number] as const;
    }
    return [s.id, null] as const;
  }));
  const gauges = new Map<string, Record<OpenState, number>>();
  for (const e of gaugeEntries) {
    const [, sourceId, state] = e.key as [string, string, OpenState];
    const g = gauges.get(sourceId) ??
      Object.fromEntries(OPEN.map((x) => [x, 0])) as Record<OpenState, number>;
    g[state] = num(e.value);
    gauges.set(sourceId, g);
  }
  const today = new Map<string, SourceFigures>();
  for (const e of todayEntries) {
    const [, , sourceId, metric] = e.key as [string, string, string, SourceMetric];
    const f = today.get(sourceId) ?? zeroSource();
    f[metric] = num(e.value);
    today.set(sourceId, f);
  }
  const waitHistogram = new Map<string, number[]>();
  for (const e of histEntries) {
    const [, , , id, histogram, bucket] = e.key as [string, string, string, string, string, number];
    if (histogram !== "wait") continue;
    const h = waitHistogram.get(id) ?? [];
    h[bucket] = num(e.value);
    waitHistogram.set(id, h);
  }
  const hours = new Map<string, Map<number, SourceFigures>>();
  for (const [sourceId, byHour] of previous?.hours ?? []) {
    const kept = new Map([...byHour].filter(([hour]) => hour < hoursFrom));
    if (kept.size) hours.set(sourceId, kept);
  }
  for (const e of hourEntries) {
    const [, , hour, sourceId, metric] = e.key as [string, string, number, string, SourceMetric];
    const byHour = hours.get(sourceId) ?? new Map<number, SourceFigures>();
    const f = byHour.get(hour) ?? zeroSource();
    f[metric] = num(e.value);
    byHour.set(hour, f);
    hours.set(sourceId, byHour);
  }
  const waitingMoves = moves(wMoves);
  for (const [minute, m] of previous?.waitingMoves ?? []) {
    if (minute >= since && minute < movesFrom) waitingMoves.set(minute, m);
  }
  return { gauges, oldest: new Map(oldest), waitingRevisions, today, waitHistogram, hours, waitingMoves };
}

function figuresOf(entries: Deno.KvEntry<unknown>[]): Map<string, AgentFigures> {
  const out = new Map<string, AgentFigures>();
  for (const e of entries) {
    const [, , agentId, metric] = e.key as [string, string, string, AgentMetric];
    const f = out.get(agentId) ?? zeroAgent();
    f[metric] = num(e.value);
    out.set(agentId, f);
  }
  return out;
}

/**
 * The agents' part at agents' head `head`. With `previous` of the same day, it follows the
 * agents' move log (keys.supervisionAgentLog): the entries it has not applied name the agents
 * to read again (record and figures), and they must add up to the head's move since — every
 * commit bumps the head once per entry it writes — else (an entry expired, or missed) every
 * agent is read again. Agents that did not move keep their entry objects.
 */
export async function readAgents(
  desk: Desk,
  now: number,
  previous: AgentsPart | null,
  head: bigint,
): Promise<AgentsPart> {
  const kv = desk.kv;
  const day = dayOf(now);
  const since = minuteOf(now) - TREND_MINUTES * 60_000;
  // Closed minutes kept, the last two listed again (as the queues' waiting moves).
  const movesFrom = previous ? Math.max(since, minuteOf(now) - 60_000) : since;
  const availableMoves = list(kv, {
    start: keys.statMinuteAvailable(movesFrom, "", ""),
    end: [...keys.statMinutesAvailable(), Number.MAX_SAFE_INTEGER],
  }).then((entries) => {
    const out = moves(entries);
    for (const [minute, m] of previous?.availableMoves ?? []) {
      if (minute >= since && minute < movesFrom) out.set(minute, m);
    }
    return out;
  });
  const wallNow = Date.now();
  if (previous && wallNow - previous.log.wholeAt < WHOLE_EVERY_MS) {
    const followed = await followLog(desk, day, previous, head);
    if (followed) return { ...followed, availableMoves: await availableMoves };
  }
  // Whole: the log, then the head, then the agents. Every entry marked applied belongs to a
  // commit the head counts and the agents' listing sees (one commit writes all three). A commit
  // landing between the log and the head is counted without being marked, so its entry is
  // applied again later and counted twice: the check below then errs lenient by that much —
  // never the other way, which would make a busy desk read every agent on every change.
  const logFrom = encodeTime(Math.max(0, wallNow - LOG_SLACK_MS), 10);
  const logEntries = await list(kv, {
    start: [...keys.supervisionAgentLogs(), logFrom],
    end: [...keys.supervisionAgentLogs(), "~"],
  });
  const headNow = (await kv.get(keys.supervisionAgentsHead())).value;
  const counted = headNow instanceof Deno.KvU64 ? headNow.value : head;
  const [agentEntries, figureEntries] = await Promise.all([
    list(kv, { prefix: keys.agents() }),
    list(kv, { prefix: keys.statAgentDays(day) }),
  ]);
  const figures = figuresOf(figureEntries);
  const agents = new Map<string, AgentEntry>();
  for (const e of agentEntries) {
    const state = e.value as AgentState;
    agents.set(state.id, { state, today: figures.get(state.id) ?? zeroAgent() });
  }
  const applied = new Map(logEntries.map((e) => [e.key[1] as string, decodeTime(e.key[1] as string)]));
  return {
    agents,
    availableMoves: await availableMoves,
    agentsRead: agents.size,
    whole: true,
    log: { head: counted, applied, wholeAt: wallNow },
  };
}

/** The agents' part after applying the log entries `previous` has not; null when they don't add up. */
async function followLog(
  desk: Desk,
  day: string,
  previous: AgentsPart,
  head: bigint,
): Promise<Omit<AgentsPart, "availableMoves"> | null> {
  const kv = desk.kv;
  const cursor = previous.log;
  const newest = Math.max(0, ...cursor.applied.values());
  const logFrom = encodeTime(Math.max(0, (newest || cursor.wholeAt) - LOG_SLACK_MS), 10);
  const entries = await list(kv, {
    start: [...keys.supervisionAgentLogs(), logFrom],
    end: [...keys.supervisionAgentLogs(), "~"],
  });
  const fresh = entries.filter((e) => !cursor.applied.has(e.key[1] as string));
  // Fewer new entries than the head moved: some were missed (expired, or older than the slack).
  if (cursor.head + BigInt(fresh.length) < head) return null;
  const moved = new Set(fresh.flatMap((e) => e.value as string[]));
  const ids = [...moved];
  const [states, figures] = await Promise.all([
    getManyInChunks<AgentState>(kv, ids.map((id) => keys.agent(id))),
    Promise.all(ids.map((id) => list(kv, { prefix: keys.statAgentDayOf(day, id) }))).then((l) =>
      figuresOf(l.flat())
    ),
  ]);
  let agents = previous.agents;
  if (ids.length) {
    agents = new Map(previous.agents);
    let added = false;
    for (const e of states) {
      const id = e.key[1] as string;
      if (!e.value) agents.delete(id);
      else {
        added ||= !agents.has(id);
        agents.set(id, { state: e.value, today: figures.get(id) ?? zeroAgent() });
      }
    }
    // Key order, as a whole read lists them (a new agent is rare).
    if (added) agents = new Map([...agents].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
  const applied = new Map(cursor.applied);
  for (const e of fresh) applied.set(e.key[1] as string, decodeTime(e.key[1] as string));
  const keepFrom = Math.max(0, ...applied.values()) - 2 * LOG_SLACK_MS;
  for (const [id, t] of applied) if (t < keepFrom) applied.delete(id);
  return {
    agents,
    agentsRead: ids.length,
    whole: false,
    log: { head: cursor.head + BigInt(fresh.length), applied, wholeAt: cursor.wholeAt },
  };
}

export type Followed<T> = { head: bigint; day: string; at: number; data: T };

/**
 * One part of the snapshot, following its own head key: read again only when that head moved
 * (or the day turned, or a minute passed: the trends slide), one read at a time per process.
 * The read gets the previous value, to carry over what did not move.
 */
export class Follower<T> {
  value: Followed<T> | null = null;
  #pending: { head: bigint; p: Promise<Followed<T>> } | null = null;

  constructor(readonly read: (desk: Desk, now: number, previous: T | null, head: bigint) => Promise<T>) {}

  async at(desk: Desk, head: bigint): Promise<Followed<T>> {
    const now = desk.ctx.now();
    const v = this.value;
    if (v && v.head === head && v.day === dayOf(now) && now - v.at < 60_000) return v;
    const pending = this.#pending;
    if (pending && pending.head >= head) return await pending.p;
    const previous = v && v.day === dayOf(now) ? v.data : null;
    const p = this.read(desk, now, previous, head).then((data) => {
      const fresh = { head, day: dayOf(now), at: now, data };
      if (!this.value || this.value.head <= head) this.value = fresh;
      return fresh;
    }).finally(() => {
      if (this.#pending?.p === p) this.#pending = null;
    });
    this.#pending = { head, p };
    return await p;
  }
}

const u64 = (e: Deno.KvEntryMaybe<unknown>) => (e.value instanceof Deno.KvU64 ? e.value.value : 0n);

/** The heads of what supervisors see: interactions' and agents' (0 on a store that never moved). */
export async function supervisionHeads(desk: Desk): Promise<{ queues: bigint; agents: bigint }> {
  const [q, a] = await desk.kv.getMany([keys.supervisionHead(), keys.supervisionAgentsHead()]);
  return { queues: u64(q), agents: u64(a) };
}

/** Yields whenever a supervision head moves (commits of this process; every process on a remote KV). */
export function watchSupervision(desk: Desk): ReadableStream<Deno.KvEntryMaybe<unknown>[]> {
  return desk.kv.watch([keys.supervisionHead(), keys.supervisionAgentsHead()]);
}
