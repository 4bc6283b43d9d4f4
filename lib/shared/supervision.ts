/**
 * Supervision wire shapes (API.md "Supervisors") and the small pure helpers the supervisor
 * pages share with the server. Shared: no server imports, so the browser bundles it.
 */
import type { Presence } from "./wire/views.ts";

export type { Presence };
export type Group = "realtime" | "async";

/** Today's figures of a source or a channel group (counts, and duration sums in ms). */
export type SourceFigures = {
  created: number;
  offered: number;
  accepted: number;
  missed: number;
  completed: number;
  transferred: number;
  forced: number;
  abandoned: number;
  answered: number;
  answeredInTarget: number;
  waitMs: number;
  handleMs: number;
};

export type AgentFigures = {
  offered: number;
  accepted: number;
  missed: number;
  completed: number;
  transferredIn: number;
  transferredOut: number;
  forcedAssignments: number;
  firstResponseMs: number;
  firstResponseCount: number;
  handleMs: number;
  handleCount: number;
};

export type QueueRow = {
  sourceId: string;
  name: string;
  group: Group;
  waiting: number;
  offered: number;
  active: number;
  deferred: number;
  closing: number;
  oldestWaitingSince: string | null;
  serviceLevel: number | null;
  serviceLevelTarget: { target: number; seconds: number };
  availableAgents: number;
  today: SourceFigures & {
    waitAvgSeconds: number | null;
    waitP90Seconds: number | null;
    handleAvgSeconds: number | null;
  };
};

export type GroupRow = Omit<QueueRow, "sourceId" | "name" | "today"> & { today: SourceFigures };

export type AgentRow = {
  id: string;
  name: string;
  teams: string[];
  presence: Presence;
  presenceSince: string;
  presenceBy: { id: string; name: string } | null;
  load: Record<Group, number>;
  capacity: Record<Group, { capacity: number; maxCapacity: number }>;
  open: number;
  missedToday: number;
  handledToday: number;
  handleAvgSeconds: number | null;
};

export type Overview = {
  at: string;
  queues: QueueRow[];
  groups: GroupRow[];
  agents: AgentRow[];
  trends: {
    /** Per minute over the last hour (t = the minute's start, ms). */
    waiting: { t: number; n: number }[];
    available: { t: number; n: number }[];
    /** Cumulative service level at the end of each UTC hour of today so far. */
    serviceLevel: { hour: number; serviceLevel: number | null }[];
  };
};

/**
 * An `overview.delta` event of the supervisor stream: the small parts whole, the agent rows that
 * changed, the agents gone; `base` is the id of the event it follows.
 */
export type OverviewDelta = Omit<Overview, "agents"> & {
  base: string;
  agents: AgentRow[];
  removedAgents: string[];
};

/**
 * The overview after `delta` (pure; rows keep their order, a new agent comes last). The caller
 * checks `delta.base` against the id of the last event it applied: a gap needs a whole overview.
 */
export function applyDelta(o: Overview, delta: OverviewDelta): Overview {
  const changed = new Map(delta.agents.map((a) => [a.id, a]));
  const removed = new Set(delta.removedAgents);
  const agents = o.agents.filter((a) => !removed.has(a.id)).map((a) => {
    const c = changed.get(a.id);
    changed.delete(a.id);
    return c ?? a;
  });
  agents.push(...changed.values());
  return { at: delta.at, queues: delta.queues, groups: delta.groups, trends: delta.trends, agents };
}

/** The service level: answered within the target ÷ (answered + abandoned); null before any. */
export function serviceLevelOf(
  f: { answered: number; answeredInTarget: number; abandoned: number },
): number | null {
  const n = f.answered + f.abandoned;
  return n === 0 ? null : f.answeredInTarget / n;
}

/** How a service level compares with its target: met, within 10 points below, or below that. */
export function serviceLevelStatus(level: number | null, target: number): "none" | "ok" | "warn" | "bad" {
  if (level === null) return "none";
  if (level >= target) return "ok";
  return level >= target - 0.1 ? "warn" : "bad";
}

/** A duration in seconds as m:ss or h:mm:ss. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const p = (n: number) => String(n).padStart(2, "0");
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
  return h ? `${h}:${p(m)}:${p(s % 60)}` : `${m}:${p(s % 60)}`;
}

/** An open interaction as the supervisor lists show it (API.md `Interaction`, the fields used). */
export type OpenItem = {
  id: string;
  threadId: string;
  sourceId: string;
  state: "queued" | "offered" | "active" | "deferred" | "closing" | "completed";
  agentId: string | null;
  categories: string[];
  language: string;
  priority: number;
  createdAt: string;
  updatedAt: string;
  customer: { id: string; name: string };
  preview: { text: string; at: string; author: string };
};

/** An agent in a force-assign picker: `ineligible` is null when routing would pick it now. */
export type Candidate = {
  id: string;
  name: string;
  presence: Presence;
  load: Record<string, number>;
  capacity: Record<string, { capacity: number; maxCapacity: number }>;
  ineligible: string | null;
};

/** The filters of the open-interactions list (API.md query parameters). */
export type OpenFilter = {
  state?: string;
  sourceId?: string;
  agentId?: string;
  teamId?: string;
  category?: string;
  language?: string;
};

/** The query string of a filter (empty values left out). */
export function filterQuery(f: OpenFilter, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...f, ...extra })) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : "";
}
