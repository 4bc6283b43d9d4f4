/**
 * The routing core benchmark (issue 2), one part of `deno task bench`; alone:
 * `deno run -A scripts/bench/core.ts [--duration 15] [--rate 20] [--agents 200] [--burst 2000]
 * [--timers 250] [--sample 50] [--raw-seconds 2] [--kv :memory:|<new file>]`.
 *
 * A real server in this process (createApp + startDesk, Deno.serve on 127.0.0.1) over a Deno
 * KV file, N agents signed in and available, each with an open event stream. Phases: raw KV
 * commit rate (separate store of the same kind), paced webhook load, commits per interaction,
 * accept-timer lateness, and a queued burst. Prints its table, then one `BENCH_PART {...}` line.
 */
import { parseArgs } from "node:util";
import { burstPhase, commitPhase, loadPhase, rawKvPhase, timerPhase } from "./phases.ts";
import { type BenchServer, startBenchServer } from "./setup.ts";
import { LagMonitor, loadAverage, round } from "./stats.ts";
import { atSize, emitPart, msLine, type PartReport, partTable, type Row } from "./report.ts";

export type CoreOptions = {
  duration: number;
  rate: number;
  agents: number;
  burst: number;
  timers: number;
  sample: number;
  rawSeconds: number;
  kv: string | null;
};

export function coreOptions(args: string[]): CoreOptions {
  const { values } = parseArgs({
    args,
    options: {
      duration: { type: "string", default: "15" },
      rate: { type: "string", default: "20" },
      agents: { type: "string", default: "200" },
      burst: { type: "string", default: "2000" },
      timers: { type: "string", default: "250" },
      sample: { type: "string", default: "50" },
      "raw-seconds": { type: "string", default: "2" },
      kv: { type: "string" },
    },
  });
  const num = (name: keyof typeof values, min: number, max: number) => {
    const n = Number(values[name]);
    if (!Number.isFinite(n) || n < min || n > max) {
      throw new Error(`--${name} must be a number in [${min}, ${max}]`);
    }
    return n;
  };
  return {
    duration: num("duration", 1, 300),
    rate: num("rate", 1, 500),
    agents: Math.round(num("agents", 1, 2000)),
    burst: Math.round(num("burst", 1, 20_000)),
    timers: Math.round(num("timers", 1, 5_000)),
    sample: Math.round(num("sample", 1, 1_000)),
    rawSeconds: num("raw-seconds", 0.5, 30),
    kv: values.kv ?? null,
  };
}

const log = (s: string) => console.error(`bench core: ${s}`);

export async function benchCore(o: CoreOptions): Promise<PartReport> {
  const tmp = await Deno.makeTempDir({ prefix: "desk-bench-" });
  const memory = o.kv === ":memory:";
  const kvPath = memory ? ":memory:" : o.kv ?? `${tmp}/desk.sqlite3`;
  const store = memory ? "Deno KV :memory: (SQLite)" : "Deno KV file (SQLite)";
  let server: BenchServer | null = null;
  let kv: Deno.Kv | null = null;
  try {
    log(`raw KV commit loops (2 × ${o.rawSeconds} s) on ${store}`);
    const raw = await rawKvPhase(memory ? ":memory:" : `${tmp}/raw.sqlite3`, o.rawSeconds);

    log(`starting server with ${o.agents} agents`);
    kv = await Deno.openKv(kvPath);
    const capacity = Math.max(20, Math.ceil((o.burst * 2) / o.agents));
    server = await startBenchServer(kv, o.agents, capacity);
    await server.connectAgents();
    await server.presence("available");
    await server.desk.dispatcher.settle();

    const lag = new LagMonitor();
    const loadAverageAtStart = loadAverage();
    log(`load: ${o.rate}/s for ${o.duration} s`);
    lag.take();
    const load = await loadPhase(server, o.rate, o.duration);
    const loadLag = lag.take();
    log(`commits per interaction (${o.sample} sequential)`);
    const commits = await commitPhase(server, o.sample);
    log(`timers: ${o.timers} accept time limits of 1 s at ${o.rate}/s`);
    lag.take();
    const timers = await timerPhase(server, o.timers, o.rate);
    const timerLag = lag.take();
    log(`burst: ${o.burst} queued, then ${o.agents} agents available`);
    const burst = await burstPhase(server, o.burst);
    lag.stop();
    const loadAverageAtEnd = loadAverage();

    const writes = round(commits.kvAtomicCommits + commits.kvSets + commits.kvDeletes, 3);
    const offeredOk = load.notOffered === 0;
    const full = o.agents >= 200 && o.rate >= 20;
    const size = "20 inbound/s with 200 agents";
    const rows: Row[] = [
      atSize(
        {
          metric:
            `webhook 202 answered → interaction.offered on the agent's stream (n=${load.responseToOffered.n})`,
          value: msLine(load.responseToOffered),
          target: "p99 ≤ 25 ms",
          pass: load.responseToOffered.p99 <= 25 && offeredOk,
        },
        full,
        size,
      ),
      atSize(
        {
          metric: "webhook POST sent → interaction.offered on the agent's stream",
          value: msLine(load.sendToOffered),
          target: "p99 ≤ 25 ms",
          pass: load.sendToOffered.p99 <= 25 && offeredOk,
        },
        full,
        size,
      ),
      { metric: "webhook POST round trip", value: msLine(load.postRoundTrip), target: "", pass: null },
      {
        metric: "inbound rate achieved, agents streaming / offers missing / commit conflicts",
        value: `${load.achievedRate}/s, ${o.agents} agents / ${load.notOffered} / ${load.conflicts}`,
        target: `${o.rate}/s, ${o.agents} agents`,
        pass: load.achievedRate >= o.rate * 0.95 && server.agents.every((a) => !a.stream.closed) && offeredOk,
      },
      {
        metric:
          `KV writes per interaction, inbound → accepted (atomic commits + sets + deletes, n=${commits.sample})`,
        value: `${writes} (${commits.kvAtomicCommits} + ${commits.kvSets} + ${commits.kvDeletes}; ` +
          `transact commits ${commits.transactCommits})`,
        target: "≤ 3",
        pass: writes <= 3,
      },
      {
        metric: "KV reads on that path: keys read + list entries read",
        value: `${commits.kvKeysRead} + ${commits.kvListEntries}`,
        target: "",
        pass: null,
      },
      {
        metric: `routed interactions per second (burst of ${burst.queued} queued, ${o.agents} agents)`,
        value: `${burst.routedPerSecond}/s (${burst.offered} offered in ${burst.seconds} s)`,
        target: "",
        pass: burst.offered === burst.queued ? null : false,
      },
      {
        metric: `raw KV atomic commits per second, ${store}: sequential on one key`,
        value: `${raw.perSecond}/s (commit ${msLine(raw.commitMs)})`,
        target: "",
        pass: null,
      },
      {
        metric: `raw KV atomic commits per second, ${store}: ${raw.concurrent.concurrency} writers`,
        value: `${raw.concurrent.perSecond}/s (commit ${msLine(raw.concurrent.commitMs)})`,
        target: "",
        pass: null,
      },
      {
        metric: "routed per second / raw concurrent commits per second",
        value: String(round(burst.routedPerSecond / raw.concurrent.perSecond, 3)),
        target: "",
        pass: null,
      },
      {
        metric: "KV commit time during the load phase",
        value: msLine(load.kvCommitMs),
        target: "",
        pass: null,
      },
      {
        metric:
          `timer lateness (${timers.timers} accept timers of 1 s, ${timers.conflicts} commit conflicts)`,
        value: msLine(timers.lateness),
        target: `p99 ≤ 250 ms, n ≥ ${Math.min(200, o.timers)}`,
        pass: timers.lateness.p99 <= 250 && timers.timers >= Math.min(200, o.timers),
      },
      {
        metric: "event-loop lag of this process, load / timer phases (CPU starvation)",
        value:
          `p99 ${loadLag.p99} ms, max ${loadLag.max} ms / p99 ${timerLag.p99} ms, max ${timerLag.max} ms`,
        target: "",
        pass: null,
      },
    ];
    const errors = [...load.errors, ...timers.errors];
    if (errors.length) {
      rows.push({
        metric: "request errors",
        value: `${errors.length}, first: ${errors.slice(0, 2).join(" | ")}`,
        target: "0",
        pass: false,
      });
    }
    return {
      part: "core",
      rows,
      figures: {
        store,
        agents: o.agents,
        rate: o.rate,
        durationSeconds: o.duration,
        offeredLatencyMs: { fromResponse: load.responseToOffered, fromSend: load.sendToOffered },
        webhookRoundTripMs: load.postRoundTrip,
        load: {
          sent: load.sent,
          achievedRate: load.achievedRate,
          notOffered: load.notOffered,
          completed: load.completed,
          conflicts: load.conflicts,
          kvCommitMs: load.kvCommitMs,
        },
        kvWritesPerInteraction: writes,
        commitsPerInteraction: commits,
        routedPerSecond: burst.routedPerSecond,
        burst,
        rawKv: raw,
        routedVsRawKvConcurrent: round(burst.routedPerSecond / raw.concurrent.perSecond, 3),
        timerLatenessMs: {
          ...timers.lateness,
          timers: timers.timers,
          completed: timers.completed,
          conflicts: timers.conflicts,
        },
        eventLoopLagMs: { load: loadLag, timers: timerLag },
        loadAverage: { atLoadStart: loadAverageAtStart, atEnd: loadAverageAtEnd },
        errors: errors.length,
      },
    };
  } finally {
    await server?.close().catch((e) => console.error("bench core: close failed:", e));
    kv?.close();
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) {
  const report = await benchCore(coreOptions(Deno.args));
  console.log(partTable(report.rows));
  emitPart(report);
  // The desk's queue listener and interval end with the KV; exit explicitly all the same.
  Deno.exit(0);
}
