/**
 * The small pure helpers the supervisor pages share with the server, and the supervision wire
 * types (declared once, as zod schemas, in lib/shared/wire/supervision.ts; re-exported here as
 * types only, so the browser bundle never carries zod).
 */
export type {
  AgentRow,
  Candidate,
  Group,
  GroupRow,
  OpenItem,
  Overview,
  OverviewDelta,
  Presence,
  QueueRow,
  ReportRow,
  SourceFigures,
  SupervisorEventName,
} from "./wire/supervision.ts";
import type { Overview, OverviewDelta } from "./wire/supervision.ts";

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
