/**
 * The supervisor overview (API.md "Supervisors", SPEC M2): queues per source and channel group,
 * agents, and trends. Everything comes from counters, gauges and short indexes — never from
 * the interactions themselves (desk/supervisor_snapshot.ts reads them, following KV heads).
 *
 * Built per scope and kept, with its JSON: the agent rows (the bulk: ~2,000 of them) are
 * stringified one by one and each row's JSON is kept while its agent entry object is the same
 * (the snapshot keeps an entry as long as the agent and its figures did not move), so a change
 * re-serialises only the rows that moved; the small parts (queues, groups, trends) are rebuilt.
 * The kept row JSON is also what the supervisor stream diffs to send deltas.
 */
import { iso } from "../lib/shared/time.ts";
import type { CHANNEL_GROUPS } from "../lib/shared/config.ts";
import { quantileOf, SOURCE_METRICS } from "../actors/counters.ts";
import type { Desk } from "./desk.ts";
import { type AgentRow, type Overview, type QueueRow, serviceLevelOf } from "../lib/shared/supervision.ts";
import { type Scope, seesAgent, seesSource } from "./supervisor_scope.ts";
import { minuteOf } from "./supervisor_counters.ts";
import {
  type AgentEntry,
  type AgentsPart,
  Follower,
  type QueuesPart,
  readAgents,
  readQueues,
  supervisionHeads,
  TREND_MINUTES,
  zeroSource,
} from "./supervisor_snapshot.ts";

export { supervisionHeads, watchSupervision } from "./supervisor_snapshot.ts";

/** One agent row of a scope, with its JSON, kept while its snapshot entry is the same object. */
type KeptRow = { entry: AgentEntry; row: AgentRow; json: string };

/** Rows encoded together: `bytes` is their JSON joined by commas, without brackets. */
type Block = { rows: KeptRow[]; bytes: Uint8Array };
const BLOCK_ROWS = 64;

/** The agents a scope sees at one agents-part version, rows and JSON included. */
type BuiltAgents = {
  part: AgentsPart;
  config: unknown;
  rows: AgentRow[];
  /** Agent id → its row and JSON (the stream diffs these). */
  kept: Map<string, KeptRow>;
  /** The rows' JSON array as UTF-8 (the bulk of every body), copied from the blocks'. */
  bytes: Uint8Array;
  /** Consecutive rows by 64, each block's JSON encoded once and kept while its rows are. */
  blocks: Block[];
  /** Available agents visible to the scope, per team (queues' "available agents"). */
  availableByTeam: Map<string, Set<string>>;
  available: number;
};

/** The overview a scope sees at one version of both parts. */
export type BuiltOverview = {
  queuesPart: QueuesPart;
  agents: BuiltAgents;
  config: unknown;
  overview: Overview;
  /** `{"at","queues","groups","trends"}` members without braces: everything but the agents. */
  smallJson: string;
  /** The whole overview as UTF-8 JSON (the HTTP body). */
  body: Uint8Array;
};

type Cache = {
  queues: Follower<QueuesPart>;
  agents: Follower<AgentsPart>;
  built: Map<string, BuiltOverview>;
  builtAgents: Map<string, BuiltAgents>;
};
const caches = new WeakMap<Desk, Cache>();
const cacheOf = (desk: Desk) => {
  let c = caches.get(desk);
  if (!c) {
    c = {
      queues: new Follower(readQueues),
      agents: new Follower(readAgents),
      built: new Map(),
      builtAgents: new Map(),
    };
    caches.set(desk, c);
  }
  return c;
};

/** Counts of the work done building overviews in this process (the bench reads them). */
export const overviewStats = { builds: 0, agentRowsSerialised: 0, agentsRead: 0, wholeAgentReads: 0 };

const avg = (sumMs: number, n: number) => (n > 0 ? Math.round(sumMs / n) / 1000 : null);
const scopeKey = (scope: Scope) => (scope.all ? "*" : [...scope.teams].sort().join("\u0000"));
const utf8 = new TextEncoder();

/**
 * The overview `scope` sees (API.md `{at, queues, agents}`; `groups` and `trends` are
 * extensions), built once per scope and snapshot version, then from memory.
 */
export async function builtOverview(desk: Desk, scope: Scope): Promise<BuiltOverview> {
  const c = cacheOf(desk);
  const heads = await supervisionHeads(desk);
  const [q, a] = await Promise.all([c.queues.at(desk, heads.queues), c.agents.at(desk, heads.agents)]);
  const key = scopeKey(scope);
  const hit = c.built.get(key);
  if (hit && hit.queuesPart === q.data && hit.agents.part === a.data && hit.config === desk.config) {
    return hit;
  }

  let agents = c.builtAgents.get(key);
  if (!agents || agents.part !== a.data || agents.config !== desk.config) {
    agents = buildAgents(desk, scope, a.data, agents?.config === desk.config ? agents : undefined);
    if (c.builtAgents.size > 100) c.builtAgents.clear();
    c.builtAgents.set(key, agents);
  }
  overviewStats.builds++;
  const at = iso(Math.max(q.at, a.at));
  const { queues, groups } = queueRows(desk, scope, q.data, agents);
  const trends = trendsOf(Math.max(q.at, a.at), q.data, a.data, queues, agents);
  const overview: Overview = { at, queues, groups, agents: agents.rows, trends };
  const smallJson = `"at":${JSON.stringify(at)},"queues":${JSON.stringify(queues)},"groups":${
    JSON.stringify(groups)
  },"trends":${JSON.stringify(trends)}`;
  // Only the small parts are encoded per build; the agents' bytes are copied in as they are.
  const head = utf8.encode(`{${smallJson},"agents":`);
  const body = new Uint8Array(head.length + agents.bytes.length + 1);
  body.set(head);
  body.set(agents.bytes, head.length);
  body[body.length - 1] = 0x7d; // "}"
  const built: BuiltOverview = { queuesPart: q.data, agents, config: desk.config, overview, smallJson, body };
  if (c.built.size > 100) c.built.clear();
  c.built.set(key, built);
  return built;
}

/** The overview `scope` sees. */
export async function overview(desk: Desk, scope: Scope): Promise<Overview> {
  return (await builtOverview(desk, scope)).overview;
}

/**
 * The change from `from` to `to` (two overviews of one scope) as the JSON of an
 * `overview.delta` event: the small parts whole, the agent rows that differ, the agents gone.
 * Null when nothing a client shows changed.
 */
export function deltaJson(from: BuiltOverview, to: BuiltOverview): string | null {
  const changed: string[] = [];
  for (const [id, k] of to.agents.kept) {
    const was = from.agents.kept.get(id);
    if (!was || (was !== k && was.json !== k.json)) changed.push(k.json);
  }
  const removed: string[] = [];
  for (const id of from.agents.kept.keys()) if (!to.agents.kept.has(id)) removed.push(id);
  if (!changed.length && !removed.length && from.smallJson === to.smallJson) return null;
  return `{${to.smallJson},"agents":[${changed.join(",")}],"removedAgents":${JSON.stringify(removed)}}`;
}

function buildAgents(desk: Desk, scope: Scope, part: AgentsPart, previous?: BuiltAgents): BuiltAgents {
  const kept = new Map<string, KeptRow>();
  const rows: AgentRow[] = [];
  const order: KeptRow[] = [];
  const availableByTeam = new Map<string, Set<string>>();
  let available = 0;
  for (const entry of part.agents.values()) {
    const a = entry.state;
    if (!seesAgent(scope, a) || !desk.ctx.agentConfig(a.id)) continue;
    const was = previous?.kept.get(a.id);
    let k: KeptRow;
    if (was && was.entry === entry) k = was;
    else {
      const row = agentRow(entry);
      k = { entry, row, json: JSON.stringify(row) };
      overviewStats.agentRowsSerialised++;
    }
    kept.set(a.id, k);
    rows.push(k.row);
    order.push(k);
    if (a.presence === "available") {
      available++;
      for (const t of a.teams) {
        const s = availableByTeam.get(t) ?? new Set<string>();
        s.add(a.id);
        availableByTeam.set(t, s);
      }
    }
  }
  overviewStats.agentsRead += part.agentsRead;
  if (part.whole) overviewStats.wholeAgentReads++;
  const blocks = blocksOf(order, previous?.blocks ?? []);
  return { part, config: desk.config, rows, kept, bytes: joined(blocks), blocks, availableByTeam, available };
}

/**
 * The rows in blocks, each reused from `previous` when it holds the same row objects: one agent's
 * change encodes its block (~20 KB), not the whole array (~650 KB at 2,000 agents).
 */
function blocksOf(order: KeptRow[], previous: Block[]): Block[] {
  const blocks: Block[] = [];
  for (let i = 0; i < order.length; i += BLOCK_ROWS) {
    const rows = order.slice(i, i + BLOCK_ROWS);
    const was = previous[blocks.length];
    const same = was && was.rows.length === rows.length && was.rows.every((r, j) => r === rows[j]);
    blocks.push(same ? was : { rows, bytes: utf8.encode(rows.map((r) => r.json).join(",")) });
  }
  return blocks;
}

/** `[` + the blocks joined by commas + `]`, in one buffer. */
function joined(blocks: Block[]): Uint8Array {
  const size = blocks.reduce((n, b) => n + b.bytes.length, 0) + Math.max(0, blocks.length - 1) + 2;
  const out = new Uint8Array(size);
  let at = 0;
  out[at++] = 0x5b; // [
  blocks.forEach((b, i) => {
    if (i) out[at++] = 0x2c; // ,
    out.set(b.bytes, at);
    at += b.bytes.length;
  });
  out[at] = 0x5d; // ]
  return out;
}

function agentRow({ state: a, today: f }: AgentEntry): AgentRow {
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
}

/** Visible available agents in any of `teams` (an agent in two of them counts once). */
function availableIn(agents: BuiltAgents, teams: readonly string[]): number {
  if (teams.length === 1) return agents.availableByTeam.get(teams[0])?.size ?? 0;
  const ids = new Set<string>();
  for (const t of teams) for (const id of agents.availableByTeam.get(t) ?? []) ids.add(id);
  return ids.size;
}

function queueRows(desk: Desk, scope: Scope, part: QueuesPart, agents: BuiltAgents) {
  const config = desk.config;
  const queues: QueueRow[] = config.sources.filter((s) => seesSource(scope, s.id)).map((s) => {
    const g = part.gauges.get(s.id);
    const f = part.today.get(s.id) ?? zeroSource();
    const oldest = part.oldest.get(s.id) ?? null;
    const wait = part.waitHistogram.get(s.id) ?? [];
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
      availableAgents: availableIn(agents, s.teams),
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
      availableAgents: availableIn(agents, teams),
      today,
    };
  });
  return { queues, groups };
}

/** Waiting and available agents per minute over the last hour, and the service level per hour today. */
function trendsOf(
  at: number,
  part: QueuesPart,
  agentsPart: AgentsPart,
  queues: QueueRow[],
  agents: BuiltAgents,
): Overview["trends"] {
  const last = minuteOf(at);
  const sources = new Set(queues.map((q) => q.sourceId));
  const movesOf = (m: Map<string, number> | undefined, visible: (id: string) => boolean) => {
    let n = 0;
    for (const [id, d] of m ?? []) if (visible(id)) n += d;
    return n;
  };
  let waiting = queues.reduce((a, q) => a + q.waiting, 0);
  let available = agents.available;
  const w: { t: number; n: number }[] = [];
  const av: { t: number; n: number }[] = [];
  // Walk back from now: the value at the end of minute m is the value after it minus its moves.
  for (let m = last; m > last - TREND_MINUTES * 60_000; m -= 60_000) {
    w.push({ t: m, n: Math.max(0, waiting) });
    av.push({ t: m, n: Math.max(0, available) });
    waiting -= movesOf(part.waitingMoves.get(m), (s) => sources.has(s));
    available -= movesOf(agentsPart.availableMoves.get(m), (id) => agents.kept.has(id));
  }
  const serviceLevel: Overview["trends"]["serviceLevel"] = [];
  const cumulative = { answered: 0, answeredInTarget: 0, abandoned: 0 };
  for (let hour = 0; hour <= new Date(at).getUTCHours(); hour++) {
    for (const s of sources) {
      const f = part.hours.get(s)?.get(hour);
      if (!f) continue;
      cumulative.answered += f.answered;
      cumulative.answeredInTarget += f.answeredInTarget;
      cumulative.abandoned += f.abandoned;
    }
    serviceLevel.push({ hour, serviceLevel: serviceLevelOf(cumulative) });
  }
  return { waiting: w.reverse(), available: av.reverse(), serviceLevel };
}
