/**
 * The supervisor overview (API.md "Supervisors", SPEC M2): queues per source and channel group,
 * agents, and trends. Everything comes from counters, gauges and short indexes — never from
 * the interactions themselves. The whole-desk snapshot is a cache that follows the supervision
 * head key (bumped by `sum` in every commit that moves an interaction or an agent), so any
 * process answers from memory until the head moves; each request then keeps what its scope sees.
 */
import { keys } from "../lib/server/keys.ts";
import { iso } from "../lib/shared/time.ts";
import type { CHANNEL_GROUPS } from "../lib/shared/config.ts";
import {
  AGENT_METRICS,
  type AgentMetric,
  quantileOf,
  SOURCE_METRICS,
  type SourceMetric,
} from "../actors/counters.ts";
import type { AgentState } from "../actors/agent.ts";
import type { Desk } from "./desk.ts";
import { type AgentRow, type Overview, type QueueRow, serviceLevelOf } from "../lib/shared/supervision.ts";
import { type Scope, seesAgent, seesSource } from "./supervisor_scope.ts";
import { dayOf, minuteOf } from "./supervisor_counters.ts";

const OPEN = ["queued", "offered", "active", "deferred", "closing"] as const;
type OpenState = (typeof OPEN)[number];
const TREND_MINUTES = 60;

/** A counter's value: KvU64 sums wrap modulo 2^64, so a gauge below zero reads as 0. */
const num = (v: unknown) => v instanceof Deno.KvU64 ? Math.max(0, Number(BigInt.asIntN(64, v.value))) : 0;

type SourceFigures = Record<SourceMetric, number>;
type AgentFigures = Record<AgentMetric, number>;
const zeroSource = () => Object.fromEntries(SOURCE_METRICS.map((m) => [m, 0])) as SourceFigures;
const zeroAgent = () => Object.fromEntries(AGENT_METRICS.map((m) => [m, 0])) as AgentFigures;

/** What interaction commits move: gauges, today's source figures, the waiting trend. */
type QueuesPart = {
  gauges: Map<string, Record<OpenState, number>>;
  oldest: Map<string, number | null>;
  today: Map<string, SourceFigures>;
  waitHistogram: Map<string, number[]>;
  hours: Map<string, Map<number, SourceFigures>>;
  /** Per minute: waiting moves per source. */
  waitingMoves: Map<number, Map<string, number>>;
};

/** What agent commits move: the agents, their figures today, the available trend. */
type AgentsPart = {
  agents: AgentState[];
  agentToday: Map<string, AgentFigures>;
  /** Per minute: available moves per agent. */
  availableMoves: Map<number, Map<string, number>>;
};

type Snapshot = { at: number; day: string; queues: QueuesPart; agents: AgentsPart };

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

async function readQueues(desk: Desk, now: number): Promise<QueuesPart> {
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

async function readAgents(desk: Desk, now: number): Promise<AgentsPart> {
  const kv = desk.kv;
  const since = minuteOf(now) - TREND_MINUTES * 60_000;
  const [agentEntries, agentDayEntries, aMoves] = await Promise.all([
    list(kv, { prefix: keys.agents() }),
    list(kv, { prefix: keys.statAgentDays(dayOf(now)) }),
    list(kv, {
      start: keys.statMinuteAvailable(since, "", ""),
      end: [...keys.statMinutesAvailable(), Number.MAX_SAFE_INTEGER],
    }),
  ]);
  const agentToday = new Map<string, AgentFigures>();
  for (const e of agentDayEntries) {
    const [, , agentId, metric] = e.key as [string, string, string, AgentMetric];
    const f = agentToday.get(agentId) ?? zeroAgent();
    f[metric] = num(e.value);
    agentToday.set(agentId, f);
  }
  return {
    agents: agentEntries.map((e) => e.value as AgentState),
    agentToday,
    availableMoves: moves(aMoves),
  };
}

/**
 * One part of the snapshot, following its own head key: read again only when that head moved
 * (or the day turned, or a minute passed: the trends slide), one read at a time per process.
 */
class Followed<T> {
  value: { head: bigint; day: string; at: number; data: T } | null = null;
  #pending: { head: bigint; p: Promise<{ head: bigint; day: string; at: number; data: T }> } | null = null;

  constructor(readonly read: (desk: Desk, now: number) => Promise<T>) {}

  async at(desk: Desk, head: bigint) {
    const now = desk.ctx.now();
    const v = this.value;
    if (v && v.head === head && v.day === dayOf(now) && now - v.at < 60_000) return v;
    const pending = this.#pending;
    if (pending && pending.head >= head) return await pending.p;
    const p = this.read(desk, now).then((data) => {
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

type Cache = {
  queues: Followed<QueuesPart>;
  agents: Followed<AgentsPart>;
  /** The last overview built per scope, with the part versions it was built from. */
  built: Map<string, Built>;
  builtAgents: Map<string, BuiltAgents>;
};
const caches = new WeakMap<Desk, Cache>();
const cacheOf = (desk: Desk) => {
  let c = caches.get(desk);
  if (!c) {
    caches.set(
      desk,
      c = {
        queues: new Followed(readQueues),
        agents: new Followed(readAgents),
        built: new Map(),
        builtAgents: new Map(),
      },
    );
  }
  return c;
};

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

/** The snapshot at (or after) the current heads: each part from memory when its head did not move. */
async function current(desk: Desk): Promise<{ snap: Snapshot; versions: [unknown, unknown] }> {
  const c = cacheOf(desk);
  const heads = await supervisionHeads(desk);
  const [q, a] = await Promise.all([c.queues.at(desk, heads.queues), c.agents.at(desk, heads.agents)]);
  return {
    snap: { at: Math.max(q.at, a.at), day: q.day, queues: q.data, agents: a.data },
    versions: [q, a],
  };
}

const avg = (sumMs: number, n: number) => (n > 0 ? Math.round(sumMs / n) / 1000 : null);

const scopeKey = (scope: Scope) => (scope.all ? "*" : [...scope.teams].sort().join("\u0000"));

type Built = { queues: unknown; agents: unknown; config: unknown; overview: Overview; json: string };
type BuiltAgents = {
  agents: unknown;
  config: unknown;
  visible: AgentState[];
  rows: AgentRow[];
  json: string;
};

/**
 * The overview `scope` sees (API.md `{at, queues, agents}`; `groups` and `trends` are
 * extensions), with its JSON: built once per scope and snapshot version, then from memory. The
 * agent rows (the bulk) are kept apart, so a change that moved only interactions rebuilds only
 * the small parts and joins the agents' JSON as it was.
 */
export async function overviewWithJson(
  desk: Desk,
  scope: Scope,
): Promise<{ overview: Overview; json: string }> {
  const { snap, versions } = await current(desk);
  const c = cacheOf(desk);
  const key = scopeKey(scope);
  const hit = c.built.get(key);
  if (hit && hit.queues === versions[0] && hit.agents === versions[1] && hit.config === desk.config) {
    return hit;
  }
  let agents = c.builtAgents.get(key);
  if (!agents || agents.agents !== versions[1] || agents.config !== desk.config) {
    const visible = snap.agents.agents.filter((a) => seesAgent(scope, a) && desk.ctx.agentConfig(a.id));
    const rows = agentRows(snap, visible);
    agents = { agents: versions[1], config: desk.config, visible, rows, json: JSON.stringify(rows) };
    if (c.builtAgents.size > 100) c.builtAgents.clear();
    c.builtAgents.set(key, agents);
  }
  const { queues, groups } = queueRows(desk, scope, snap, agents.visible);
  const at = iso(snap.at);
  const trends = trendsOf(snap, queues, agents.rows);
  const overview: Overview = { at, queues, groups, agents: agents.rows, trends };
  const json = `{"at":${JSON.stringify(at)},"queues":${JSON.stringify(queues)},"groups":${
    JSON.stringify(groups)
  },"agents":${agents.json},"trends":${JSON.stringify(trends)}}`;
  const entry: Built = { queues: versions[0], agents: versions[1], config: desk.config, overview, json };
  if (c.built.size > 100) c.built.clear();
  c.built.set(key, entry);
  return entry;
}

/** The overview `scope` sees. */
export async function overview(desk: Desk, scope: Scope): Promise<Overview> {
  return (await overviewWithJson(desk, scope)).overview;
}

function queueRows(desk: Desk, scope: Scope, snap: Snapshot, agents: AgentState[]) {
  const config = desk.config;
  const availableIn = (teams: readonly string[]) =>
    agents.filter((a) => a.presence === "available" && a.teams.some((t) => teams.includes(t))).length;
  const queues: QueueRow[] = config.sources.filter((s) => seesSource(scope, s.id)).map((s) => {
    const g = snap.queues.gauges.get(s.id);
    const f = snap.queues.today.get(s.id) ?? zeroSource();
    const oldest = snap.queues.oldest.get(s.id) ?? null;
    const wait = snap.queues.waitHistogram.get(s.id) ?? [];
    return {
      sourceId: s.id,
      name: s.name,
      group: s.group,
      waiting: g?.queued ?? 0,
      offered: g?.offered ?? 0,
      active: g?.active ?? 0,
      deferred: g?.deferred ?? 0,
      closing: g?.closing ?? 0,
      oldestWaitingSince: oldest === null ? null : iso(oldest),
      serviceLevel: serviceLevelOf(f),
      serviceLevelTarget: config.channelGroups[s.group].serviceLevel,
      availableAgents: availableIn(s.teams),
      today: {
        ...f,
        waitAvgSeconds: avg(f.waitMs, f.answered),
        waitP90Seconds: quantileOf(Array.from(wait, (n) => n ?? 0), 0.9),
        handleAvgSeconds: avg(f.handleMs, f.completed),
      },
    };
  });
  const groups = (Object.keys(config.channelGroups) as (typeof CHANNEL_GROUPS)[number][]).map((group) => {
    const qs = queues.filter((q) => q.group === group);
    const today = zeroSource();
    for (const q of qs) for (const m of SOURCE_METRICS) today[m] += q.today[m];
    const oldest = qs.map((q) => q.oldestWaitingSince).filter((x) => x !== null).sort()[0] ?? null;
    const sum = (k: "waiting" | "offered" | "active" | "deferred" | "closing") =>
      qs.reduce((a, q) => a + q[k], 0);
    const teams = config.sources.filter((s) => s.group === group && seesSource(scope, s.id))
      .flatMap((s) => s.teams);
    return {
      group,
      waiting: sum("waiting"),
      offered: sum("offered"),
      active: sum("active"),
      deferred: sum("deferred"),
      closing: sum("closing"),
      oldestWaitingSince: oldest,
      serviceLevel: serviceLevelOf(today),
      serviceLevelTarget: config.channelGroups[group].serviceLevel,
      availableAgents: availableIn(teams),
      today,
    };
  });
  return { queues, groups };
}

function agentRows(snap: Snapshot, agents: AgentState[]): AgentRow[] {
  return agents.map((a) => {
    const f = snap.agents.agentToday.get(a.id) ?? zeroAgent();
    return {
      id: a.id,
      name: a.name,
      teams: a.teams,
      presence: a.presence,
      presenceSince: a.presenceSince,
      presenceBy: a.presenceBy ?? null,
      load: a.load,
      capacity: a.capacity,
      open: a.load.realtime + a.load.async,
      missedToday: f.missed,
      handledToday: f.completed,
      handleAvgSeconds: avg(f.handleMs, f.handleCount),
    };
  });
}

/** Waiting and available agents per minute over the last hour, and the service level per hour today. */
function trendsOf(snap: Snapshot, queues: QueueRow[], agents: AgentRow[]): Overview["trends"] {
  const last = minuteOf(snap.at);
  const sources = new Set(queues.map((q) => q.sourceId));
  const waitingMove = (m: number) =>
    [...(snap.queues.waitingMoves.get(m) ?? [])].filter(([s]) => sources.has(s));
  const visible = new Set(agents.map((a) => a.id));
  const availableMove = (m: number) =>
    [...(snap.agents.availableMoves.get(m) ?? [])].filter(([a]) => visible.has(a));
  let waiting = queues.reduce((a, q) => a + q.waiting, 0);
  let available = agents.filter((a) => a.presence === "available").length;
  const w: { t: number; n: number }[] = [];
  const av: { t: number; n: number }[] = [];
  // Walk back from now: the value at the end of minute m is the value after it minus its moves.
  for (let m = last; m > last - TREND_MINUTES * 60_000; m -= 60_000) {
    w.push({ t: m, n: Math.max(0, waiting) });
    av.push({ t: m, n: Math.max(0, available) });
    waiting -= waitingMove(m).reduce((a, [, n]) => a + n, 0);
    available -= availableMove(m).reduce((a, [, n]) => a + n, 0);
  }
  const serviceLevel: Overview["trends"]["serviceLevel"] = [];
  const cumulative = { answered: 0, answeredInTarget: 0, abandoned: 0 };
  for (let hour = 0; hour <= new Date(snap.at).getUTCHours(); hour++) {
    for (const s of sources) {
      const f = snap.queues.hours.get(s)?.get(hour);
      if (!f) continue;
      cumulative.answered += f.answered;
      cumulative.answeredInTarget += f.answeredInTarget;
      cumulative.abandoned += f.abandoned;
    }
    serviceLevel.push({ hour, serviceLevel: serviceLevelOf(cumulative) });
  }
  return { waiting: w.reverse(), available: av.reverse(), serviceLevel };
}
