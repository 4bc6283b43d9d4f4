import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
  throws,
} from "node:assert/strict";
import { combinedTable, parsePlan, type PartRun, PARTS, summarize, timeoutOf } from "./plan.ts";
import { atSize, chromium, emitPart, parsePart, PART_PREFIX, type PartReport } from "./report.ts";

const spec = (name: string) => PARTS.find((p) => p.name === name)!;

Deno.test("bench plan - runs every part with the issues' sizes by default", () => {
  const plan = parsePlan([]);
  assertEquals(plan.parts.map((p) => p.name), [
    "core",
    "large",
    "ui",
    "widget",
    "assistant",
    "supervision",
    "multi",
    "contention",
  ]);
  assert(plan.args.contention.includes("--clients=16"));
  assert(plan.args.core.includes("--agents=200") && plan.args.core.includes("--rate=20"));
  assert(plan.args.ui.includes("--interactions=200"));
  assert(plan.args.assistant.includes("--pairs=100000"));
  assert(!plan.args.core.some((a) => a.startsWith("--kv")), "no --kv unless given");
});

Deno.test("bench plan - --only and --skip select parts; unknown parts are refused", () => {
  assertEquals(parsePlan(["--only=core,ui"]).parts.map((p) => p.name), ["core", "ui"]);
  assertEquals(parsePlan(["--skip=widget,ui,large"]).parts.map((p) => p.name), [
    "core",
    "assistant",
    "supervision",
    "multi",
    "contention",
  ]);
  throws(() => parsePlan(["--only=core,gpu"]), /unknown part gpu/);
  throws(() => parsePlan(["--only=core", "--skip=core"]), /no part left/);
});

Deno.test("bench plan - --quick shrinks the sizes and explicit options win over it", () => {
  const plan = parsePlan(["--quick", "--duration=7", "--kv=:memory:"]);
  assert(plan.quick);
  assert(plan.args.core.includes("--duration=7"));
  assert(plan.args.core.includes("--kv=:memory:"));
  assert(plan.args.core.includes("--burst=400"));
  assert(plan.args.assistant.includes("--pairs=10000"));
});

Deno.test("bench plan - a part's own time limit holds unless --timeout is given", () => {
  const spec = (name: string) => PARTS.find((p) => p.name === name)!;
  const plan = parsePlan(["--only=core,large"]);
  assertEquals(timeoutOf(plan, spec("core")), 300);
  assertEquals(timeoutOf(plan, spec("large")), 600);
  assertEquals(timeoutOf(parsePlan(["--timeout=120"]), spec("large")), 120);
});

Deno.test("bench plan - unknown options and a bad time limit are refused", () => {
  throws(() => parsePlan(["--fast"]));
  throws(() => parsePlan(["--timeout=1"]), /--timeout/);
});

Deno.test("bench report - a part's line is read back; no line means no report", () => {
  const report: PartReport = {
    part: "core",
    rows: [{ metric: "m", value: "1 ms", target: "≤ 2 ms", pass: true }],
    figures: { x: 1 },
  };
  const lines: string[] = [];
  const log = console.log;
  console.log = (s: string) => lines.push(s);
  try {
    emitPart(report);
  } finally {
    console.log = log;
  }
  assert(lines[0].startsWith(PART_PREFIX));
  assertEquals(parsePart(`a table\n${lines[0]}\n`), report);
  assertEquals(parsePart("error: Uncaught\n"), null);
});

Deno.test("bench report - a size-bound target is judged only at the issue's size", () => {
  const row = { metric: "search", value: "p99 3 ms", target: "p99 ≤ 10 ms", pass: false };
  assertEquals(atSize(row, true, "100,000 pairs"), row);
  assertEquals(atSize(row, false, "100,000 pairs"), {
    ...row,
    target: "p99 ≤ 10 ms at 100,000 pairs (not judged)",
    pass: null,
  });
});

Deno.test("bench report - a missing Chromium is named, not thrown", () => {
  const before = Deno.env.get("CHROMIUM_PATH");
  Deno.env.set("CHROMIUM_PATH", "/nonexistent/chromium");
  try {
    assertMatch(chromium().missing!, /Chromium not found at \/nonexistent\/chromium/);
  } finally {
    if (before === undefined) Deno.env.delete("CHROMIUM_PATH");
    else Deno.env.set("CHROMIUM_PATH", before);
  }
});

Deno.test("bench summary - rows sort into met, missed and not measured; a crashed part is missed", () => {
  const runs: PartRun[] = [
    {
      spec: spec("ui"),
      seconds: 3,
      loadBefore: 1.5,
      loadAfter: 2,
      cpuPressure: 42,
      error: null,
      report: {
        part: "ui",
        rows: [
          { metric: "js", value: "34 KiB", target: "≤ 60 KB", pass: true },
          { metric: "ssr", value: "p99 40 ms", target: "p99 ≤ 30 ms", pass: false },
          { metric: "offer", value: "NOT MEASURED: Chromium not found", target: "≤ 100 ms", pass: null },
          { metric: "info", value: "3", target: "", pass: null },
        ],
        figures: {},
      },
    },
    {
      spec: spec("core"),
      seconds: 1,
      loadBefore: null,
      loadAfter: null,
      cpuPressure: null,
      error: "exit code 1",
      report: null,
    },
  ];
  const s = summarize(runs);
  assertEquals(s.passed, ["ui: js"]);
  assertEquals(s.failed, ["ui: ssr", "core: did not finish (exit code 1)"]);
  assertEquals(s.notMeasured, ["ui: offer"]);
  const text = combinedTable(runs);
  assertMatch(text, /ui \(#4\)\s+ssr\s+p99 40 ms\s+p99 ≤ 30 ms\s+FAIL/);
  assertMatch(text, /core \(#2\)\s+part did not finish\s+exit code 1\s+FAIL/);
  assertMatch(text, /3 s; 1\.5 → 2; 42%/);
  assertMatch(text, /1 s; \? → \?; CPU pressure not reported/);
});

Deno.test({
  name: "bench - one run without Chromium reports the browser figures as not measured and ends with the JSON",
  // A real run of two small parts as subprocesses (the widget part builds its bundle).
  sanitizeResources: false,
  async fn() {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("../bench.ts", import.meta.url).pathname,
        "--only=widget,assistant",
        "--pairs=500",
        "--queries=20",
      ],
      env: { CHROMIUM_PATH: "/nonexistent/chromium" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    assertEquals(out.code, 0, new TextDecoder().decode(out.stderr).slice(-2000));
    assertMatch(stdout, /BROWSER FIGURES NOT MEASURED: Chromium not found at \/nonexistent\/chromium/);
    assertMatch(stdout, /widget \(#5\)\s+mirror latency.*NOT MEASURED/);
    const last = stdout.trim().split("\n").at(-1)!;
    assert(last.startsWith("BENCH_JSON "), last);
    const json = JSON.parse(last.slice("BENCH_JSON ".length));
    assert(json.parts.widget.figures.widgetGzipBytes > 0);
    assertEquals(json.parts.widget.figures.mirrorLatencyMs, null);
    assertEquals(json.parts.assistant.figures.pairs, 500);
    assertEquals(json.machine.chromium, null);
    assertEquals(json.machine.cpus, navigator.hardwareConcurrency);
    assertEquals(typeof json.machine.loadAverage.start[0], "number");
  },
});

Deno.test("bench plan - a soak's time limit follows its minutes unless --timeout is given", () => {
  const limit = (argv: string[], name: string) =>
    timeoutOf(parsePlan(argv), PARTS.find((p) => p.name === name)!);
  assertEquals(limit(["--only=core"], "core"), 300);
  assertEquals(limit(["--only=soak", "--minutes=30"], "soak"), 30 * 60 + 300);
  assertEquals(limit(["--only=soak", "--minutes=30", "--timeout=100"], "soak"), 100);
  assertEquals(limit(["--only=soak", "--quick"], "soak"), 360);
});

Deno.test("bench soak - RSS is judged after 5 minutes of warm-up, or a third of a short run", async () => {
  const { judgedMinutes } = await import("./soak.ts");
  assertEquals(judgedMinutes(30), { from: 6, to: 30 });
  assertEquals(judgedMinutes(15), { from: 6, to: 15 });
  assertEquals(judgedMinutes(5), { from: 3, to: 5 });
  assertEquals(judgedMinutes(1), { from: 2, to: 1 });
});
