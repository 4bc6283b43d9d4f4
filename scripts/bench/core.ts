/**
 * The routing core benchmark (issues 2 and 15), parts `core` and `large` of `deno task bench`;
 * alone: `deno run -A scripts/bench/core.ts [--duration 15] [--rate 20] [--agents 200]
 * [--burst 2000] [--bursts 1] [--timers 250] [--sample 50] [--raw-seconds 2] [--compare-agents 0]
 * [--cycle complete|offer|both] [--kv <new file>|:memory:] [--cpu-prof <dir>]`.
 *
 * The server runs in a process of its own (scripts/bench/server.ts over a Deno KV file); this
 * process is the load generator and holds every agent's event stream. Each phase reports the
 * server's own CPU share, event-loop lag and RSS beside its figures, and the generator's: a
 * phase whose generator fell behind its schedule is marked INVALID (it measured the generator).
 * Phases: raw KV commit rate (separate store of the same kind; again at the end), the store's
 * rate for dispatch-shaped commits (its ceiling for placing a burst), paced webhook load (`--cycle`:
 * agents accept and complete each offer, leave it pending, or one phase of each), commits per
 * interaction, accept-timer lateness, and queued bursts (with `--compare-agents=N`, first with
 * only N agents available, then with all; `--bursts=3`: three of each, alternated, the median
 * run stands for them). Prints its table, then one `BENCH_PART {...}` line.
 */
import { parseArgs } from "node:util";
import {
  burstPhase,
  type BurstResult,
  commitPhase,
  type Cycle,
  dispatchShapedKvPhase,
  keptSchedule,
  KEYS_PER_OFFER,
  loadPhase,
  type LoadResult,
  rawKvPhase,
  type Schedule,
  SHARED_SUMS_PER_COMMIT,
  timerPhase,
} from "./phases.ts";
import { COMMITS_IN_FLIGHT, OFFERS_PER_COMMIT } from "../../desk/dispatch.ts";
import { ProcessProbe, type ProcessWindow, type ServerWindow } from "./probe.ts";
import { agentLogins, type BenchServer, spawnBenchServer } from "./setup.ts";
import { loadAverage, round, type Summary } from "./stats.ts";
import { threadLine } from "./threads.ts";
import { atSize, emitPart, msLine, type PartReport, partTable, type Row } from "./report.ts";

export type CoreOptions = {
  duration: number;
  rate: number;
  agents: number;
  burst: number;
  /**
   * Bursts of each kind, alternated (compared, all, compared, all…): one burst is placed in about
   * a second, where one collection of the server's heap moves routed/s by a fifth, so the median
   * run stands for them and every run is listed.
   */
  bursts: number;
  timers: number;
  sample: number;
  rawSeconds: number;
  /** A first burst with only this many agents available (0: none), to compare routed/s. */
  compareAgents: number;
  /** The load phases to run, in this order (see `Cycle`). */
  cycles: Cycle[];
  kv: string | null;
  cpuProf: string | null;
};

export function coreOptions(args: string[]): CoreOptions {
  const { values } = parseArgs({
    args,
    options: {
      duration: { type: "string", default: "15" },
      rate: { type: "string", default: "20" },
      agents: { type: "string", default: "200" },
      burst: { type: "string", default: "2000" },
      bursts: { type: "string", default: "1" },
      timers: { type: "string", default: "250" },
      sample: { type: "string", default: "50" },
      "raw-seconds": { type: "string", default: "2" },
      "compare-agents": { type: "string", default: "0" },
      cycle: { type: "string", default: "complete" },
      kv: { type: "string" },
      "cpu-prof": { type: "string" },
    },
  });
  const num = (name: keyof typeof values, min: number, max: number) => {
    const n = Number(values[name]);
    if (!Number.isFinite(n) || n < min || n > max) {
      throw new Error(`--${name} must be a number in [${min}, ${max}]`);
    }
    return n;
  };
  const cycles: Record<string, Cycle[]> = {
    complete: ["complete"],
    offer: ["offer"],
    both: ["offer", "complete"],
  };
  if (!cycles[values.cycle!]) throw new Error("--cycle must be complete, offer or both");
  const o: CoreOptions = {
    duration: num("duration", 1, 300),
    rate: num("rate", 1, 1000),
    agents: Math.round(num("agents", 1, 5000)),
    burst: Math.round(num("burst", 1, 20_000)),
    bursts: Math.round(num("bursts", 1, 9)),
    timers: Math.round(num("timers", 0, 5_000)),
    sample: Math.round(num("sample", 1, 1_000)),
    rawSeconds: num("raw-seconds", 0.5, 30),
    compareAgents: Math.round(num("compare-agents", 0, 5000)),
    cycles: cycles[values.cycle!],
    kv: values.kv ?? null,
    cpuProf: values["cpu-prof"] ?? null,
  };
  if (o.compareAgents >= o.agents) throw new Error("--compare-agents must be below --agents");
  return o;
}

/** The run with the median routed/s (the lower middle one of an even count). */
export function medianRun(runs: BurstResult[]): BurstResult {
  const sorted = [...runs].sort((a, b) => a.routedPerSecond - b.routedPerSecond);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

const started = performance.now();
/** Progress with the seconds since the part started (where a slow run spends its time). */
const log = (s: string) =>
  console.error(`bench core: [${((performance.now() - started) / 1000).toFixed(1)} s] ${s}`);

/** "CPU 41% of a core, lag p99 3 ms, RSS 120 MiB (max 131)": a process's share of a phase. */
export function processLine(w: ProcessWindow): string {
  return `CPU ${w.cpuPercent}% of a core${w.threads ? ` (${threadLine(w.threads)})` : ""}, ` +
    `event-loop lag p99 ${w.lagMs.p99} ms (max ${w.lagMs.max}), RSS ${w.rssMiB} MiB (max ${w.rssMaxMiB})`;
}

/** "interaction 1, queue 1, feed 2": reads per unit of work by key family, most first. */
function perFamily(families: Record<string, number>, per: number): string {
  return Object.entries(families).sort((a, b) => b[1] - a[1]).map(([f, c]) => `${f} ${round(c / per, 2)}`)
    .join(", ");
}

const INVALID = "INVALID (the load generator fell behind its schedule): ";

/** A latency row judged only when the generator kept its schedule. */
function validated(row: Row, schedule: Schedule): Row {
  return keptSchedule(schedule)
    ? row
    : { ...row, value: INVALID + row.value, target: `${row.target} (not judged)`, pass: null };
}

function scheduleRow(phase: string, s: Schedule, generator: ProcessWindow): Row {
  return {
    metric: `${phase}: load generator (own process) kept its schedule: sent rate / send slip / its own load`,
    value: `${s.sentRate}/s of ${s.targetRate}/s / slip ${msLine(s.slipMs)} / ${processLine(generator)}`,
    target: "sent ≥ 98 % of target, slip p99 ≤ 10 ms",
    pass: keptSchedule(s),
  };
}

const serverRow = (phase: string, w: ServerWindow): Row => ({
  metric: `${phase}: the server's process meanwhile`,
  value: `${processLine(w)}; ${w.commits} commits, ${w.conflicts} conflicts; ` +
    `${w.kv.reads} KV reads (${round(w.kv.readMs / Math.max(1, w.kv.reads), 2)} ms awaited each); ` +
    `pool ${w.pool.loads} full loads, ${w.pool.refreshes} agents refreshed; keys + list entries read by ` +
    `family: ${perFamily(w.kv.readsByFamily, 1)}`,
  target: "",
  pass: null,
});

const CYCLE_LABEL: Record<Cycle, string> = {
  complete: "each offer accepted and completed",
  offer: "webhooks only, offers left pending",
};

/** A load phase's rows: offered latency (judged at the full size, when the schedule held), rate, both processes. */
function loadRows(
  load: LoadResult,
  generator: ProcessWindow,
  cycle: Cycle,
  o: CoreOptions,
  streamsOpen: boolean,
  full: boolean,
  size: string,
): Row[] {
  const offeredOk = load.notOffered === 0;
  const phase = `load ${o.rate}/s, ${o.agents} agents, ${CYCLE_LABEL[cycle]}`;
  const latency = (metric: string, s: Summary): Row =>
    validated(
      atSize(
        {
          metric: `${metric} (${phase}, n=${s.n})`,
          value: msLine(s),
          target: "p99 ≤ 25 ms",
          pass: s.p99 <= 25 && offeredOk,
        },
        full,
        size,
      ),
      load.schedule,
    );
  return [
    latency("webhook 202 answered → interaction.offered on the agent's stream", load.responseToOffered),
    latency("webhook POST sent → interaction.offered on the agent's stream", load.sendToOffered),
    {
      metric: `webhook POST round trip (${phase})`,
      value: msLine(load.postRoundTrip),
      target: "",
      pass: null,
    },
    {
      metric:
        `${phase}: inbound rate achieved, agents streaming / offers missing (backlog) / commit conflicts`,
      value: `${load.achievedRate}/s, ${o.agents} agents / ${load.notOffered} / ${load.conflicts}`,
      target: `${o.rate}/s, ${o.agents} agents, 0 missing`,
      pass: load.achievedRate >= o.rate * 0.95 && streamsOpen && offeredOk,
    },
    scheduleRow(phase, load.schedule, generator),
    serverRow(phase, load.server),
  ];
}

export async function benchCore(o: CoreOptions): Promise<PartReport> {
  const tmp = await Deno.makeTempDir({ prefix: "desk-bench-" });
  const memory = o.kv === ":memory:";
  const kvPath = memory ? ":memory:" : o.kv ?? `${tmp}/desk.sqlite3`;
  const store = memory ? "Deno KV :memory: (SQLite)" : "Deno KV file (SQLite)";
  const generator = new ProcessProbe();
  let server: BenchServer | null = null;
  try {
    log(`raw KV commit loops (2 × ${o.rawSeconds} s) on ${store}`);
    const rawAtStart = await rawKvPhase(memory ? ":memory:" : `${tmp}/raw.sqlite3`, o.rawSeconds);
    log(`dispatch-shaped KV commits (${o.rawSeconds} s, ${COMMITS_IN_FLIGHT} writers) on ${store}`);
    const shaped = await dispatchShapedKvPhase(
      memory ? ":memory:" : `${tmp}/shaped.sqlite3`,
      o.rawSeconds,
      OFFERS_PER_COMMIT,
      COMMITS_IN_FLIGHT,
    );

    const bursts = (o.compareAgents ? 2 : 1) * o.bursts;
    // Room for every burst (each leaves its offers pending) and for the load phase.
    const capacity = Math.max(
      20,
      Math.ceil((o.burst * 2 * bursts) / Math.min(o.agents, o.compareAgents || o.agents)),
    );
    log(`starting the server process with ${o.agents} agents (capacity ${capacity})`);
    server = await spawnBenchServer({ agents: o.agents, capacity, kvPath, cpuProfDir: o.cpuProf });
    log(`signing in ${o.agents} agents and opening their event streams`);
    await server.connectAgents(agentLogins(o.agents));
    await server.presence("available");
    await server.settle();

    const loadAverageAtStart = loadAverage();
    const loads: { cycle: Cycle; load: LoadResult; generator: ProcessWindow }[] = [];
    for (const cycle of o.cycles) {
      log(`load: ${o.rate}/s for ${o.duration} s, ${CYCLE_LABEL[cycle]}`);
      const g = generator.mark();
      const load = await loadPhase(server, o.rate, o.duration, cycle);
      loads.push({ cycle, load, generator: generator.since(g) });
    }
    // The last phase stands for the load in the figures other parts and tests read.
    const { load, generator: loadGenerator } = loads[loads.length - 1];
    log(`commits per interaction (${o.sample} sequential)`);
    const commits = await commitPhase(server, o.sample);
    let timers = null, timerGenerator = null;
    if (o.timers > 0) {
      log(`timers: ${o.timers} accept time limits of 1 s at ${o.rate}/s`);
      const g = generator.mark();
      timers = await timerPhase(server, o.timers, Math.min(o.rate, 50));
      timerGenerator = generator.since(g);
    }
    const comparedRuns: BurstResult[] = [], burstRuns: BurstResult[] = [];
    for (let i = 1; i <= o.bursts; i++) {
      const nth = o.bursts > 1 ? ` (${i} of ${o.bursts})` : "";
      if (o.compareAgents) {
        log(`burst${nth}: ${o.burst} queued, then ${o.compareAgents} agents available`);
        comparedRuns.push(
          await burstPhase(server, o.burst, server.agents.slice(0, o.compareAgents), generator),
        );
      }
      log(`burst${nth}: ${o.burst} queued, then ${o.agents} agents available`);
      burstRuns.push(await burstPhase(server, o.burst, server.agents, generator));
    }
    const compared = comparedRuns.length ? medianRun(comparedRuns) : null;
    const burst = medianRun(burstRuns);
    const loadAverageAtEnd = loadAverage();
    // The store's rate again, now: it moves between runs on a shared machine (1,453–2,976/s in
    // one afternoon), so the ratio divides by the higher of the two, never a slow moment's.
    log(`raw KV commit loops again (2 × ${o.rawSeconds} s)`);
    const rawAtEnd = await rawKvPhase(memory ? ":memory:" : `${tmp}/raw-end.sqlite3`, o.rawSeconds);
    const raw = rawAtEnd.perSecond > rawAtStart.perSecond ? rawAtEnd : rawAtStart;

    const writes = round(commits.kvAtomicCommits + commits.kvSets + commits.kvDeletes, 3);
    const large = o.agents >= 2000 && o.rate >= 200;
    const full = o.agents >= 200 && o.rate >= 20;
    const size = large ? "200 inbound/s with 2,000 agents" : "20 inbound/s with 200 agents";
    const rows: Row[] = [
      ...loads.flatMap(({ cycle, load, generator }) =>
        loadRows(load, generator, cycle, o, server!.agents.every((a) => !a.stream.closed), full, size)
      ),
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
    ];
    const burstRow = (b: BurstResult, runs: BurstResult[]): Row => ({
      metric: `routed interactions per second (burst of ${b.queued} queued, ${b.agents} agents available)` +
        (runs.length > 1 ? `, the median of ${runs.length} bursts` : ""),
      value: (runs.length > 1 ? `${runs.map((r) => r.routedPerSecond).join(" / ")}/s; the median: ` : "") +
        `${b.routedPerSecond}/s (${b.offered} offered in ${b.seconds} s; ${b.conflicts} conflicts; ` +
        `pool ${b.server.pool.loads} full loads); server ${processLine(b.server)}` +
        (b.generator
          ? `; load generator (every agent's stream) CPU ${b.generator.cpuPercent}% of a core`
          : ""),
      target: "",
      pass: runs.every((r) => r.offered === r.queued) ? null : false,
    });
    /** Where an offer's time goes, from the server's own counts over the burst. */
    const costRow = (b: BurstResult): Row => {
      const n = Math.max(1, b.offered), w = b.server;
      return {
        metric:
          `cost per offer (${b.agents} agents): wall / server CPU / KV commits (p50 each) / point reads`,
        value: `${round((b.seconds * 1000) / n, 3)} ms / ${round(w.cpuMs / n, 3)} ms / ` +
          `${round(w.kv.atomicCommits / n, 3)} (p50 ${w.kv.commitMs.p50} ms) / ` +
          `${round(w.kv.reads / n, 3)} (${round(w.kv.readMs / n, 3)} ms awaited); keys + list entries read ` +
          `per offer by family: ${perFamily(w.kv.readsByFamily, n)}`,
        target: "",
        pass: null,
      };
    };
    if (compared) rows.push(burstRow(compared, comparedRuns), costRow(compared));
    rows.push(burstRow(burst, burstRuns), costRow(burst));
    if (compared) {
      const ratio = round(burst.routedPerSecond / compared.routedPerSecond, 3);
      rows.push({
        metric: `routed/s with ${burst.agents} agents ÷ routed/s with ${compared.agents} agents`,
        value: String(ratio),
        target: "≥ 0.8",
        pass: ratio >= 0.8,
      });
    }
    const vsSequential = round(burst.routedPerSecond / raw.perSecond, 3);
    const vsShaped = round(burst.routedPerSecond / Math.max(1, shaped.offersPerSecond), 3);
    rows.push(
      {
        metric:
          `raw KV atomic commits per second, ${store}: sequential check+set on one key (at start / at end)`,
        value:
          `${rawAtStart.perSecond}/s (commit ${msLine(rawAtStart.commitMs)}) / ${rawAtEnd.perSecond}/s ` +
          `(commit ${msLine(rawAtEnd.commitMs)})`,
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
        metric:
          "routed per second ÷ raw sequential check+set commits per second (same store kind; the higher of start and end)",
        value: `${vsSequential} (÷ ${raw.concurrent.concurrency} concurrent writers: ${
          round(burst.routedPerSecond / raw.concurrent.perSecond, 3)
        })`,
        target: "≥ 0.5",
        pass: vsSequential >= 0.5,
      },
      {
        metric:
          `the store's ceiling for dispatch: commits shaped like a ${OFFERS_PER_COMMIT}-offer dispatch commit ` +
          `(${2 * OFFERS_PER_COMMIT} checks, ${
            KEYS_PER_OFFER * OFFERS_PER_COMMIT + SHARED_SUMS_PER_COMMIT
          } mutations), ${shaped.writers} writers, ` +
          `separate store of the same kind; routed/s ÷ that ceiling`,
        value: `${shaped.perSecond} commits/s = ${shaped.offersPerSecond} offers/s (commit ${
          msLine(shaped.commitMs)
        }); ${vsShaped}`,
        target: "",
        pass: null,
      },
      {
        metric: "KV commit time in the server during the load phase",
        value: msLine(load.kvCommitMs),
        target: "",
        pass: null,
      },
    );
    if (timers && timerGenerator) {
      rows.push(
        validated(
          {
            metric:
              `timer lateness (${timers.timers} accept timers of 1 s, ${timers.conflicts} commit conflicts)`,
            value: msLine(timers.lateness),
            target: `p99 ≤ 250 ms, n ≥ ${Math.min(200, o.timers)}`,
            pass: timers.lateness.p99 <= 250 && timers.timers >= Math.min(200, o.timers),
          },
          timers.schedule,
        ),
        scheduleRow("timers", timers.schedule, timerGenerator),
        serverRow("timers", timers.server),
      );
    }
    const errors = [...load.errors, ...(timers?.errors ?? [])];
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
          schedule: load.schedule,
          valid: keptSchedule(load.schedule),
          server: load.server,
          generator: loadGenerator,
        },
        loads: Object.fromEntries(loads.map(({ cycle, load, generator }) => [cycle, { ...load, generator }])),
        kvWritesPerInteraction: writes,
        commitsPerInteraction: commits,
        routedPerSecond: burst.routedPerSecond,
        burst,
        comparedBurst: compared,
        /** Every burst's routed/s, in the order they ran (`burst` and `comparedBurst` are the medians). */
        burstRuns: burstRuns.map((r) => r.routedPerSecond),
        comparedBurstRuns: comparedRuns.map((r) => r.routedPerSecond),
        rawKv: raw,
        rawKvAtStart: rawAtStart,
        rawKvAtEnd: rawAtEnd,
        dispatchShapedKv: shaped,
        routedVsDispatchShapedKv: vsShaped,
        routedVsRawKvSequential: vsSequential,
        routedVsRawKvConcurrent: round(burst.routedPerSecond / raw.concurrent.perSecond, 3),
        timerLatenessMs: timers
          ? {
            ...timers.lateness,
            timers: timers.timers,
            completed: timers.completed,
            conflicts: timers.conflicts,
          }
          : null,
        timers: timers
          ? { schedule: timers.schedule, server: timers.server, generator: timerGenerator }
          : null,
        loadAverage: { atLoadStart: loadAverageAtStart, atEnd: loadAverageAtEnd },
        errors: errors.length,
      },
    };
  } finally {
    generator.stop();
    await server?.close().catch((e) => console.error("bench core: close failed:", e));
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) {
  const report = await benchCore(coreOptions(Deno.args));
  console.log(partTable(report.rows));
  emitPart(report);
  Deno.exit(0);
}
