/**
 * The productivity report (SPEC M3, API.md `GET /api/v1/reports/productivity`): per agent and
 * day, from the per-agent day counters and histograms — one short listing per day, never the
 * interactions. A row is listed for each visible agent with any figure that day.
 */
import { Invalid } from "../lib/shared/errors.ts";
import { keys } from "../lib/server/keys.ts";
import { AGENT_METRICS, type AgentMetric, quantileOf } from "../actors/counters.ts";
import type { AgentState } from "../actors/agent.ts";
import type { Desk } from "./desk.ts";
import type { ReportRow } from "../lib/shared/wire/supervision.ts";
import { scopeOf, seesAgent } from "./supervisor_scope.ts";
import { dayOf } from "./supervisor_counters.ts";

/** The CSV columns, exactly as API.md names them. */
export const REPORT_COLUMNS = [
  "agentId",
  "date",
  "offered",
  "accepted",
  "missed",
  "completed",
  "transferredIn",
  "transferredOut",
  "forcedAssignments",
  "firstResponseAvgSeconds",
  "handleAvgSeconds",
] as const;
/** Extension columns (`extended=true`): p90s and the agent's name. */
export const EXTENDED_COLUMNS = ["agentName", "firstResponseP90Seconds", "handleP90Seconds"] as const;

export type { ReportRow };

export type ReportQuery = { from?: string; to?: string; agentId?: string; teamId?: string };

/** Longest range one report covers (days). */
export const MAX_REPORT_DAYS = 366;
const DAY_MS = 86_400_000;

const num = (v: unknown) => v instanceof Deno.KvU64 ? Number(v.value) : 0;
const round = (x: number) => Math.round(x * 1000) / 1000;
const avg = (sumMs: number, n: number) => (n > 0 ? round(sumMs / n / 1000) : null);

/** The days from `from` to `to` (both included); 400 for an empty or too long range. */
export function daysOf(from: string, to: string): string[] {
  const a = Date.parse(`${from}T00:00:00Z`), b = Date.parse(`${to}T00:00:00Z`);
  if (b < a) {
    throw new Invalid("`to` is before `from`.", [{ path: "to", message: "must not be before from" }]);
  }
  if ((b - a) / DAY_MS + 1 > MAX_REPORT_DAYS) {
    throw new Invalid("The range is too long.", [{ path: "to", message: `at most ${MAX_REPORT_DAYS} days` }]);
  }
  const out: string[] = [];
  for (let t = a; t <= b; t += DAY_MS) out.push(dayOf(t));
  return out;
}

/** The report rows `supervisor` may see, by date then agent. */
export async function productivity(desk: Desk, supervisor: AgentState, q: ReportQuery): Promise<ReportRow[]> {
  const scope = scopeOf(desk.ctx, supervisor);
  const today = dayOf(desk.ctx.now());
  const days = daysOf(q.from ?? today, q.to ?? q.from ?? today);
  const visible = (agentId: string) => {
    const a = desk.ctx.agentConfig(agentId);
    if (!a || !seesAgent(scope, a)) return false;
    if (q.agentId && agentId !== q.agentId) return false;
    return !q.teamId || a.teams.includes(q.teamId);
  };
  const rows: ReportRow[] = [];
  for (const day of days) {
    const figures = new Map<string, Record<AgentMetric, number>>();
    const histograms = new Map<string, { firstResponse: number[]; handle: number[] }>();
    const prefix = (id: string | undefined, base: Deno.KvKey) => (id ? [...base, id] : base);
    for await (
      const e of desk.kv.list({ prefix: prefix(q.agentId, keys.statAgentDays(day)) }, { batchSize: 1000 })
    ) {
      const [, , agentId, metric] = e.key as [string, string, string, AgentMetric];
      if (!visible(agentId)) continue;
      const f = figures.get(agentId) ??
        Object.fromEntries(AGENT_METRICS.map((m) => [m, 0])) as Record<AgentMetric, number>;
      f[metric] = num(e.value);
      figures.set(agentId, f);
    }
    for await (
      const e of desk.kv.list({ prefix: prefix(q.agentId, keys.statHistograms(day, "agent")) }, {
        batchSize: 1000,
      })
    ) {
      const [, , , agentId, histogram, bucket] = e.key as [string, string, string, string, string, number];
      if (!figures.has(agentId) || (histogram !== "firstResponse" && histogram !== "handle")) continue;
      const h = histograms.get(agentId) ?? { firstResponse: [], handle: [] };
      h[histogram][bucket] = num(e.value);
      histograms.set(agentId, h);
    }
    for (const [agentId, f] of [...figures].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const h = histograms.get(agentId);
      const p90 = (counts: number[] | undefined) =>
        counts ? quantileOf(Array.from(counts, (n) => n ?? 0), 0.9) : null;
      rows.push({
        agentId,
        agentName: desk.ctx.agentConfig(agentId)?.name ?? agentId,
        date: day,
        offered: f.offered,
        accepted: f.accepted,
        missed: f.missed,
        completed: f.completed,
        transferredIn: f.transferredIn,
        transferredOut: f.transferredOut,
        forcedAssignments: f.forcedAssignments,
        firstResponseAvgSeconds: avg(f.firstResponseMs, f.firstResponseCount),
        firstResponseP90Seconds: p90(h?.firstResponse),
        handleAvgSeconds: avg(f.handleMs, f.handleCount),
        handleP90Seconds: p90(h?.handle),
      });
    }
  }
  return rows;
}

/** A CSV field: quoted when it holds a separator, a quote or a line break; formula-looking text is defused. */
function field(v: unknown): string {
  if (v === null || v === undefined) return "";
  let s = String(v);
  if (/^[=+\-@\t\r]/.test(s) && typeof v === "string") s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** The report as CSV (RFC 4180, CRLF): a header row with the API.md names, then one row each. */
export function reportCsv(rows: ReportRow[], extended = false): string {
  const columns: readonly (keyof ReportRow)[] = extended
    ? [...REPORT_COLUMNS, ...EXTENDED_COLUMNS]
    : REPORT_COLUMNS;
  return [columns.join(","), ...rows.map((r) => columns.map((c) => field(r[c])).join(","))].join("\r\n") +
    "\r\n";
}
