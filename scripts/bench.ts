/**
 * Every benchmark the issues ask for, in one run: `deno task bench [--only=core,ui] [--quick] …`
 * (`--help` lists the options; sizes default to the issues' own).
 *
 * Each part (routing core #2, routing view #4, widget and co-browsing #5, reply assistant #6)
 * runs as its own subprocess, one after the other, so parts neither share a heap nor compete
 * for the two cores; each prints one `BENCH_PART {...}` line that is read back here. Prints one
 * table (figure, target, PASS/FAIL), the machine's load average around each part, and ends with
 * ONE `BENCH_JSON {...}` line holding every figure. Progress goes to stderr. Exits 0 when every
 * part ran, even if a target is missed (it is a measurement); 1 when a part crashed or timed out;
 * 2 on a bad command line. Browser parts without Chromium report those figures as not measured.
 */
import {
  combinedTable,
  parsePlan,
  type PartRun,
  type PartSpec,
  type Plan,
  summarize,
  timeoutOf,
  USAGE,
} from "./bench/plan.ts";
import { chromium, parsePart } from "./bench/report.ts";
import { round } from "./bench/stats.ts";

const ROOT = new URL("../", import.meta.url);

function loadAverages(): number[] | null {
  try {
    return Deno.loadavg().map((x) => round(x));
  } catch {
    return null;
  }
}

/** Cumulative µs during which some task waited for a CPU (Linux PSI), or null. */
function cpuStallMicros(): number | null {
  try {
    const m = Deno.readTextFileSync("/proc/pressure/cpu").match(/^some .*total=(\d+)/m);
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

async function runPart(spec: PartSpec, args: string[], timeoutSeconds: number): Promise<PartRun> {
  const loadBefore = loadAverages()?.[0] ?? null;
  const stall0 = cpuStallMicros();
  const started = performance.now();
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutSeconds * 1000);
  let report = null, error: string | null = null;
  try {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--config",
        new URL("deno.json", ROOT).pathname,
        ...(spec.v8Flags?.length ? [`--v8-flags=${spec.v8Flags.join(",")}`] : []),
        new URL(spec.script, ROOT).pathname,
        ...args,
      ],
      cwd: ROOT.pathname,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: abort.signal,
    }).spawn();
    // The part's progress and errors pass through; the end is kept to explain a crash.
    let errTail = "";
    const forward = child.stderr.pipeTo(
      new WritableStream({
        async write(chunk) {
          await Deno.stderr.write(chunk);
          errTail = (errTail + new TextDecoder().decode(chunk)).slice(-4000);
        },
      }),
    );
    const [stdout, status] = await Promise.all([new Response(child.stdout).text(), child.status, forward]);
    report = parsePart(stdout);
    if (abort.signal.aborted) error = `stopped after the ${timeoutSeconds} s time limit`;
    else if (!report) {
      // deno-lint-ignore no-control-regex -- strips the colour codes of Deno's error output
      const plain = errTail.replace(/\x1b\[[0-9;]*m/g, "");
      const why = plain.split("\n").map((l) => l.trim()).findLast((l) => /error/i.test(l)) ?? "";
      error = `exit code ${status.code}, no report${why ? `: ${why.slice(0, 300)}` : ""}`;
    }
  } catch (e) {
    error = String(e);
  } finally {
    clearTimeout(timer);
  }
  const wallMs = performance.now() - started;
  const stall1 = cpuStallMicros();
  return {
    spec,
    seconds: round(wallMs / 1000, 1),
    cpuPressure: stall0 === null || stall1 === null
      ? null
      : round(Math.min(100, (stall1 - stall0) / 10 / wallMs), 1),
    loadBefore,
    loadAfter: loadAverages()?.[0] ?? null,
    report: error ? null : report,
    error,
  };
}

async function main(plan: Plan): Promise<number> {
  const startedAt = new Date();
  const loadStart = loadAverages();
  const browser = chromium();
  const cpus = navigator.hardwareConcurrency;
  console.error(
    `bench: parts ${plan.parts.map((p) => p.name).join(", ")}${plan.quick ? " (quick sizes)" : ""}; ` +
      `${cpus} CPUs, load average ${loadStart?.join(" ") ?? "?"}; ` +
      `Chromium ${browser.missing ? `MISSING (${browser.missing})` : browser.path}`,
  );
  const runs: PartRun[] = [];
  for (const spec of plan.parts) {
    console.error(
      `bench: ── ${spec.name} (issue ${spec.issue}, ${spec.title}) ${plan.args[spec.name].join(" ")}`,
    );
    const run = await runPart(spec, plan.args[spec.name], timeoutOf(plan, spec));
    if (run.error) console.error(`bench: ${spec.name} did not finish: ${run.error}`);
    runs.push(run);
  }
  const loadEnd = loadAverages();
  const summary = summarize(runs);
  const seconds = round((Date.now() - startedAt.getTime()) / 1000, 1);

  console.log(
    `Benchmarks, ${startedAt.toISOString()}: ${cpus} CPUs, ${Deno.build.os}/${Deno.build.arch}, ` +
      `Deno ${Deno.version.deno}; load average (1/5/15 min) ${loadStart?.join(" ") ?? "?"} at start, ` +
      `${loadEnd?.join(" ") ?? "?"} at end; ${seconds} s`,
  );
  if (browser.missing) {
    console.log(`BROWSER FIGURES NOT MEASURED: ${browser.missing}`);
  }
  console.log(combinedTable(runs));
  console.log(
    `${summary.passed.length} targets met, ${summary.failed.length} missed` +
      (summary.notMeasured.length ? `, ${summary.notMeasured.length} not measured` : "") +
      (summary.notJudged ? `, ${summary.notJudged} not judged at reduced sizes` : "") + ".",
  );
  if (summary.failed.length) console.log(`MISSED: ${summary.failed.join("; ")}`);
  console.log(
    "BENCH_JSON " + JSON.stringify({
      date: startedAt.toISOString(),
      command: ["deno task bench", ...Deno.args].join(" "),
      seconds,
      machine: {
        cpus,
        os: Deno.build.os,
        arch: Deno.build.arch,
        deno: Deno.version.deno,
        loadAverage: { start: loadStart, end: loadEnd },
        chromium: browser.missing ? null : browser.path,
      },
      quick: plan.quick,
      parts: Object.fromEntries(runs.map((r) => [r.spec.name, {
        issue: r.spec.issue,
        args: plan.args[r.spec.name],
        seconds: r.seconds,
        loadAverage: { before: r.loadBefore, after: r.loadAfter },
        cpuPressurePercent: r.cpuPressure,
        error: r.error,
        notMeasured: r.report?.skipped ?? null,
        results: r.report?.rows.map((x) => ({
          metric: x.metric.trim(),
          value: x.value,
          target: x.target,
          pass: x.pass,
        })) ??
          null,
        figures: r.report?.figures ?? null,
      }])),
      targets: summary,
    }),
  );
  return runs.some((r) => r.error) ? 1 : 0;
}

if (import.meta.main) {
  if (Deno.args.includes("--help")) {
    console.log(USAGE);
    Deno.exit(0);
  }
  let plan: Plan;
  try {
    plan = parsePlan(Deno.args);
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    Deno.exit(2);
  }
  Deno.exit(await main(plan));
}
