/**
 * What operators' probes read from KV: whether the store answers, and the scheduling gauges
 * of `/metrics` (due and late timers, pending and failed deliveries, scheduled work waiting).
 * Each count reads one key range, bounded: a scrape never walks an unbounded history.
 */
import { stats } from "../lib/server/actor.ts";
import { keys } from "../lib/server/keys.ts";
import type { Metric } from "../lib/server/metrics.ts";
import type { Desk } from "./desk.ts";

/** Counts above this are reported as this (a scrape stays cheap whatever the backlog). */
export const COUNT_LIMIT = 10_000;
/** A timer this far past its due time is late. */
export const LATE_MS = 2_000;

/** Whether the store answers a read within `timeoutMs`. */
export async function kvReachable(desk: Desk, timeoutMs = 1_000): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((r) => (timer = setTimeout(() => r(false), timeoutMs)));
  try {
    return await Promise.race([desk.kv.get(keys.schedulerMode()).then(() => true, () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function count(kv: Deno.Kv, selector: Deno.KvListSelector): Promise<number> {
  let n = 0;
  for await (const _ of kv.list(selector, { limit: COUNT_LIMIT })) n++;
  return n;
}

/** KV-derived gauges and the commit counters of this process. */
export async function deskMetrics(desk: Desk): Promise<Metric[]> {
  const kv = desk.kv;
  const now = desk.ctx.now();
  const [due, late, pending, failed] = await Promise.all([
    count(kv, { start: keys.timers(), end: keys.timer(now + 1, "") }),
    count(kv, { start: keys.timers(), end: keys.timer(now - LATE_MS + 1, "") }),
    count(kv, { prefix: keys.deliveries() }),
    count(kv, { prefix: keys.undeliverables() }),
  ]);
  const gauge = (name: string, help: string, value: number): Metric => ({
    name,
    help,
    type: "gauge",
    samples: [{ value }],
  });
  return [
    {
      name: "desk_kv_commits_total",
      help: "KV commits by this process",
      type: "counter",
      samples: [{ value: stats.commits }],
    },
    {
      name: "desk_kv_commit_conflicts_total",
      help: "Failed versionstamp checks by this process (each one retries its transaction)",
      type: "counter",
      samples: [{ value: stats.conflicts }],
    },
    gauge("desk_timers_due", "Timer records due now and not yet fired (whole store)", due),
    gauge("desk_timers_late", `Timer records more than ${LATE_MS} ms past due (whole store)`, late),
    gauge(
      "desk_deliveries_pending",
      "Outbound deliveries waiting to be sent or retried (whole store)",
      pending,
    ),
    gauge("desk_deliveries_failed", "Outbound deliveries that ran out of retries (whole store)", failed),
  ];
}
