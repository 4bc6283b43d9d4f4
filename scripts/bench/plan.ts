/**
 * What `deno task bench` runs: the parts, the options each one takes (with the sizes the issues
 * name as defaults, and smaller ones for `--quick`), and how their reports become one table and
 * one JSON line. Pure functions, so the command line and the summary are tested without
 * running a benchmark.
 *
 * Adding a part: write a script that prints its table and ends with `emitPart(report)` (one
 * `BENCH_PART {...}` line, see report.ts), then add ONE entry to `PARTS` below: its name, issue,
 * script path, options with their default sizes, smaller `quick` sizes, and `byDefault: false`
 * if it should run only when named (`--only=<name>`). An option name shared by several parts
 * (e.g. `--duration`) sets it for each of them.
 */
import { parseArgs } from "node:util";
import { type PartReport, type Row, table, verdict } from "./report.ts";
import { MULTI_PART } from "./multi_part.ts";

export type PartName = string;

export type PartSpec = {
  name: PartName;
  /** The issue it measures, for the table. */
  issue: number;
  title: string;
  /** Script path from the repository root. */
  script: string;
  /** Option → default value (the issue's sizes). */
  options: Record<string, string | undefined>;
  /** Smaller sizes for `--quick` (a smoke run; size-bound targets are then not judged). */
  quick: Record<string, string>;
  browser: boolean;
  /** V8 flags the part's process runs with (e.g. `--expose-gc`, to measure memory after a full GC). */
  v8Flags?: string[];
  /** Runs without `--only` (default true); long or special parts run only when named. */
  byDefault?: boolean;
  /** Its own time limit in seconds when `--timeout` is not given (default `DEFAULT_TIMEOUT_S`). */
  timeoutSeconds?: number;
};

/** A part's time limit when neither `--timeout` nor the part says otherwise. */
export const DEFAULT_TIMEOUT_S = 300;

/**
 * The time limit of `spec` in `plan`: `--timeout` when given, else the part's own (a soak's
 * follows its `--minutes`), else the default.
 */
export const timeoutOf = (plan: Plan, spec: PartSpec): number =>
  plan.timeoutSeconds ?? (spec.name === "soak" ? soakTimeout(plan.args.soak ?? []) : spec.timeoutSeconds) ??
    DEFAULT_TIMEOUT_S;

export const PARTS: readonly PartSpec[] = [
  {
    name: "core",
    issue: 2,
    title: "routing core",
    script: "scripts/bench/core.ts",
    options: {
      duration: "15",
      rate: "20",
      agents: "200",
      burst: "2000",
      bursts: "1",
      timers: "250",
      sample: "50",
      "raw-seconds": "2",
      "compare-agents": "0",
      cycle: "complete",
      kv: undefined,
      "cpu-prof": undefined,
    },
    quick: { duration: "4", burst: "400", timers: "40", sample: "10", "raw-seconds": "0.5" },
    browser: false,
  },
  {
    // Issue 15's named size: 2,000 agents streaming, 200 webhooks/s, routed/s against 200 agents.
    name: "large",
    issue: 15,
    title: "routing core at 2,000 agents",
    script: "scripts/bench/core.ts",
    options: {
      duration: "10",
      rate: "200",
      agents: "2000",
      burst: "2000",
      bursts: "3",
      timers: "0",
      sample: "10",
      "raw-seconds": "2",
      "compare-agents": "200",
      cycle: "both",
      kv: undefined,
      "cpu-prof": undefined,
    },
    quick: {
      duration: "3",
      rate: "50",
      agents: "300",
      burst: "300",
      bursts: "1",
      sample: "5",
      "raw-seconds": "0.5",
      "compare-agents": "30",
    },
    browser: false,
    // Signing in and streaming 2,000 agents alone takes minutes on a loaded machine.
    timeoutSeconds: 600,
  },
  {
    name: "ui",
    issue: 4,
    title: "routing view",
    script: "scripts/bench_ui.ts",
    options: { renders: "300", offers: "40", interactions: "200" },
    quick: { renders: "40", offers: "8" },
    browser: true,
  },
  {
    name: "widget",
    issue: 5,
    title: "web chat widget and co-browsing",
    script: "scripts/bench_widget.ts",
    options: { changes: "60", idle: "8" },
    quick: { changes: "15", idle: "2" },
    browser: true,
  },
  {
    name: "assistant",
    issue: 6,
    title: "reply assistant",
    script: "scripts/bench_assistant.ts",
    options: { pairs: "100000", queries: "2000" },
    quick: { pairs: "10000", queries: "300" },
    browser: false,
    v8Flags: ["--expose-gc"],
  },
  // Supervision (issue 14): overview latency, supervisor stream, /supervisor JavaScript.
  {
    name: "supervision",
    issue: 14,
    title: "supervision",
    script: "scripts/bench/supervision.ts",
    options: { open: "10000", samples: "200", "stream-changes": "40" },
    quick: { open: "1000", samples: "50", "stream-changes": "10" },
    browser: false,
  },
  MULTI_PART,
  {
    // Long: only when named (`--only=soak --minutes=30`).
    name: "soak",
    issue: 10,
    title: "soak: realistic mix, per minute",
    script: "scripts/bench/soak.ts",
    options: {
      minutes: "30",
      "soak-rate": "4",
      "soak-agents": "20",
      "soak-malloc-arenas": "2",
      "soak-reconnect-share": "0.1",
    },
    quick: { minutes: "1" },
    browser: false,
    byDefault: false,
  },
  // Contention (issue 10): many sessions acting at once for one agent, no action lost.
  {
    name: "contention",
    issue: 10,
    title: "no lost actions under contention",
    script: "scripts/bench/contention.ts",
    options: { clients: "16", "per-agent": "48", capacity: "12", "contention-agents": "4" },
    quick: { "per-agent": "16" },
    browser: false,
  },
];

export type Plan = {
  parts: PartSpec[];
  /** Part → the command-line arguments its script gets. */
  args: Record<PartName, string[]>;
  /** `--timeout`: every part is stopped after this many seconds (null: each part's own limit). */
  timeoutSeconds: number | null;
  quick: boolean;
};

export const USAGE =
  `deno task bench [--only=core,large,ui,widget,assistant,…] [--skip=…] [--quick] [--timeout=300 (large: 600; a soak: its minutes + 300)]
  core:      --duration=15 --rate=20 --agents=200 --burst=2000 --bursts=1 --timers=250 --sample=50 --raw-seconds=2 --kv=<path|:memory:>
             --compare-agents=0 --cpu-prof=<dir> (a V8 CPU profile of the server process)
             --cycle=complete (each offer accepted and completed) | offer (webhooks only) | both
  large:     the same options; defaults --agents=2000 --rate=200 --duration=10 --timers=0 --compare-agents=200 --cycle=both
             --bursts=3 (each burst kind three times, alternated; the median run counts)
  ui:        --renders=300 --offers=40 --interactions=200
  widget:    --changes=60 --idle=8
  assistant: --pairs=100000 --queries=2000
  supervision: --open=10000 --samples=200 --stream-changes=40 (2,000 agents)
  multi:     --multi-seconds=5 --multi-agents=30 --multi-offers=30 --multi-timers=20
  soak:      --minutes=30 --soak-rate=4 --soak-agents=20 --soak-malloc-arenas=2 ("" = glibc default)
             --soak-reconnect-share=0.1 (agents reconnecting each minute) (only with --only=soak)
  contention: --clients=16 --per-agent=48 --capacity=12 --contention-agents=4`;

function partList(value: string | undefined, flag: string): PartName[] | null {
  if (value === undefined) return null;
  const names = value.split(",").map((x) => x.trim()).filter(Boolean);
  const known = PARTS.map((p) => p.name as string);
  const bad = names.filter((n) => !known.includes(n));
  if (bad.length || names.length === 0) {
    throw new Error(`--${flag}: unknown part ${bad.join(", ") || "(none)"}; parts are ${known.join(", ")}`);
  }
  return names as PartName[];
}

/** The plan for a command line; throws with the usage on unknown options or parts. */
export function parsePlan(argv: string[]): Plan {
  const partOptions = new Map<string, string | undefined>();
  for (const p of PARTS) for (const [k, v] of Object.entries(p.options)) partOptions.set(k, v);
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      only: { type: "string" },
      skip: { type: "string" },
      quick: { type: "boolean", default: false },
      timeout: { type: "string" },
      help: { type: "boolean", default: false },
      ...Object.fromEntries([...partOptions.keys()].map((k) => [k, { type: "string" as const }])),
    },
  });
  if (values.help) throw new Error(USAGE);
  const only = partList(values.only as string | undefined, "only");
  const skip = partList(values.skip as string | undefined, "skip") ?? [];
  const parts = PARTS.filter((p) =>
    (only ?? PARTS.filter((x) => x.byDefault !== false).map((x) => x.name)).includes(p.name) &&
    !skip.includes(p.name)
  );
  if (parts.length === 0) throw new Error("no part left to run");
  const timeoutSeconds = values.timeout === undefined ? null : Number(values.timeout);
  if (timeoutSeconds !== null && !(timeoutSeconds >= 10 && timeoutSeconds <= 3600 * 24)) {
    throw new Error("--timeout must be in [10, 86400] s");
  }
  const given = values as Record<string, string | boolean | undefined>;
  const args = {} as Record<PartName, string[]>;
  for (const p of PARTS) {
    args[p.name] = [];
    for (const [k, def] of Object.entries(p.options)) {
      const v = (given[k] as string | undefined) ?? (values.quick ? p.quick[k] : undefined) ?? def;
      if (v !== undefined) args[p.name].push(`--${k}=${v}`);
    }
  }
  return { parts, args, timeoutSeconds, quick: values.quick as boolean };
}

/** A soak runs for its `--minutes`, so its limit is that plus 5 minutes (start, drain). */
function soakTimeout(args: string[]): number {
  const minutes = Number(args.find((a) => a.startsWith("--minutes="))?.slice("--minutes=".length));
  return Math.max(DEFAULT_TIMEOUT_S, Math.ceil((Number.isFinite(minutes) ? minutes : 30) * 60) + 300);
}

/** What became of one part: its report, or why there is none. */
export type PartRun = {
  spec: PartSpec;
  seconds: number;
  /** 1-minute load average just before and just after the part. */
  loadBefore: number | null;
  loadAfter: number | null;
  /**
   * Share of the part's wall time during which some runnable task on the machine waited for a
   * CPU (Linux PSI, /proc/pressure/cpu "some"), in %; null where the kernel does not report it.
   */
  cpuPressure: number | null;
  report: PartReport | null;
  /** Set when the part crashed or timed out (then `report` is null). */
  error: string | null;
};

export type Summary = { passed: string[]; failed: string[]; notJudged: number; notMeasured: string[] };

const label = (part: string, r: Row) => `${part}: ${r.metric.trim()}`;

/** Every judged row sorted into passed / failed, plus what could not be measured. */
export function summarize(runs: PartRun[]): Summary {
  const s: Summary = { passed: [], failed: [], notJudged: 0, notMeasured: [] };
  for (const run of runs) {
    if (!run.report) {
      s.failed.push(`${run.spec.name}: did not finish (${run.error})`);
      continue;
    }
    for (const r of run.report.rows) {
      if (r.value.startsWith("NOT MEASURED")) s.notMeasured.push(label(run.spec.name, r));
      else if (r.pass === true) s.passed.push(label(run.spec.name, r));
      else if (r.pass === false) s.failed.push(label(run.spec.name, r));
      else if (r.target) s.notJudged++;
    }
  }
  return s;
}

/** The one table: every part's rows, then its load average and run time. */
export function combinedTable(runs: PartRun[]): string {
  const cells: string[][] = [];
  for (const run of runs) {
    const part = `${run.spec.name} (#${run.spec.issue})`;
    const rows: Row[] = run.report?.rows ??
      [{ metric: "part did not finish", value: run.error ?? "?", target: "", pass: false }];
    for (const r of rows) cells.push([part, r.metric, r.value, r.target, verdict(r.pass)]);
    cells.push([
      part,
      "run time; load average (1 min) before → after; CPU pressure (time tasks waited for a CPU)",
      `${run.seconds} s; ${run.loadBefore ?? "?"} → ${run.loadAfter ?? "?"}; ` +
      (run.cpuPressure === null ? "CPU pressure not reported" : `${run.cpuPressure}%`),
      "",
      "",
    ]);
  }
  return table(["part", "metric", "value", "target", "result"], cells);
}
