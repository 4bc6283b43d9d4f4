/**
 * What the supervisor overview is built from, read from KV and kept in memory as a cache that
 * follows two head keys (bumped by `sum` in the commits that move interactions, agents or an
 * agent's figures): any process answers from memory until a head moves, and then reads again
 * only what a head covers. The agents' part is followed incrementally: each agent row carries
 * the versionstamps of its agent record and of its figures' revision key, so a change re-reads
 * the figures of the agents that moved, not the figures of all of them.
 */
import { keys } from "../lib/keys.ts";
import { AGENT_METRICS, type AgentMetric, SOURCE_METRICS, type SourceMetric } from "../actors/counters.ts";
import type { AgentState } from "../actors/agent.ts";
import type { Desk } from "./desk.ts";
import { dayOf, minuteOf } from "./supervisor_counters.ts";

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
  today: Map<string, SourceFigures>;
  waitHistogram: Map<string, number[]>;
  hours: Map<string, Map<number, SourceFigures>>;
  /** Per minute: waiting moves per source. */
  waitingMoves: Map<number, Map<string, number>>;
};

/** One agent as the overview knows it, with what tells whether it moved since. */
export type AgentEntry = {
  state: AgentState;
  /** The agent record's versionstamp. */
  versionstamp: string;
  /** The versionstamp of its figures' revision key (null: no figure yet today). */
  figuresRevision: string | null;
  today: AgentFigures;
};

/** What agent commits (and commits counting for an agent) move. */
export type AgentsPart = {
  /** In key order; an entry object is kept as long as its agent did not move. */
  agents: AgentEntry[];
  /** Per minute: available moves per agent. */
  availableMoves: Map<number, Map<string, number>>;
  /** How many agents' figures this read fetched (all on a first read or a new day). */
  figuresRead: number;
};

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

export async function readQueues(desk: Desk, now: number): Promise<QueuesPart> {
  const kv = desk.kv;
  const day = dayOf(now);
  const since = minuteOf(now) - TREND_MINUTES * 60_000;
  const [gaugeEntries, todayEntries, histEntries, hourEntries, wMoves, oldest] = await Promise.all([
    list(kv, { prefix: keys.supervisionGauges() }),
    list(kv, { prefix: keys.statSourceDays(day) }),
    list(kv, { prefix: keys.statHistograms(day, "source") }),
    list(kv, { prefix: keys.statSourceHours(day) }),
    list(kv, {
      start: keys.statMinute(since, "", ""),
      end: [...keys.statMinutes(), Number.MAX_SAFE_INTEGER],
    }),
    Promise.all(desk.config.sources.map(async (s) => {
      for await (const e of kv.list({ prefix: keys.waitingSincePrefix(s.id) }, { limit: 1 })) {
        return [s.id, e.key[2] as number] as const;
      }
      return [s.id, null] as const;
    })),
  ]);
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
  for (const e of hourEntries) {
    const [, , hour, sourceId, metric] = e.key as [string, string, number, string, SourceMetric];
    const byHour = hours.get(sourceId) ?? new Map<number, SourceFigures>();
    const f = byHour.get(hour) ?? zeroSource();
    f[metric] = num(e.value);
    byHour.set(hour, f);
    hours.set(sourceId, byHour);
  }
  return { gauges, oldest: new Map(oldest), today, waitHistogram, hours, waitingMoves: moves(wMoves) };
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
 * The agents' part. With `previous` of the same day, only agents whose record or figures'
 * revision moved get their figures read again (one short prefix each); an agent that did not
 * move keeps its entry object, which is how the overview knows its row is unchanged.
 */
export async function readAgents(desk: Desk, now: number, previous: AgentsPart | null): Promise<AgentsPart> {
  const kv = desk.kv;
  const day = dayOf(now);
  const since = minuteOf(now) - TREND_MINUTES * 60_000;
  const [agentEntries, revisionEntries, aMoves] = await Promise.all([
    list(kv, { prefix: keys.agents() }),
    list(kv, { prefix: keys.supervisionAgentRevisions() }),
    list(kv, {
      start: keys.statMinuteAvailable(since, "", ""),
      end: [...keys.statMinutesAvailable(), Number.MAX_SAFE_INTEGER],
    }),
  ]);
  const revisions = new Map(revisionEntries.map((e) => [e.key[1] as string, e.versionstamp]));
  const before = new Map(previous?.agents.map((a) => [a.state.id, a]));
  const stale: string[] = [];
  for (const e of agentEntries) {
    const id = (e.value as AgentState).id;
    const was = before.get(id);
    if (!was || was.figuresRevision !== (revisions.get(id) ?? null)) stale.push(id);
  }
  // A first read (or most agents moved) lists the day's figures at once; else per agent.
  const fresh = stale.length > 50
    ? figuresOf(await list(kv, { prefix: keys.statAgentDays(day) }))
    : figuresOf(
      (await Promise.all(stale.map((id) => list(kv, { prefix: keys.statAgentDayOf(day, id) })))).flat(),
    );
  const staleSet = new Set(stale);
  const agents = agentEntries.map((e): AgentEntry => {
    const state = e.value as AgentState;
    const was = before.get(state.id);
    if (was && !staleSet.has(state.id) && was.versionstamp === e.versionstamp) return was;
    return {
      state,
      versionstamp: e.versionstamp,
      figuresRevision: revisions.get(state.id) ?? null,
      today: staleSet.has(state.id) ? fresh.get(state.id) ?? zeroAgent() : was!.today,
    };
  });
  return { agents, availableMoves: moves(aMoves), figuresRead: stale.length };
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

  constructor(readonly read: (desk: Desk, now: number, previous: T | null) => Promise<T>) {}

  async at(desk: Desk, head: bigint): Promise<Followed<T>> {
    const now = desk.ctx.now();
    const v = this.value;
    if (v && v.head === head && v.day === dayOf(now) && now - v.at < 60_000) return v;
    const pending = this.#pending;
    if (pending && pending.head >= head) return await pending.p;
    const previous = v && v.day === dayOf(now) ? v.data : null;
    const p = this.read(desk, now, previous).then((data) => {
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
