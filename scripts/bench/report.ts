/**
 * What every benchmark part reports and how: rows of (metric, value, target, pass) for the
 * table, plus raw figures for the JSON line. A part run as a subprocess prints its report as
 * one `BENCH_PART {...}` line on stdout; `scripts/bench.ts` reads it back with `parsePart`.
 */
import { round } from "./stats.ts";

/** One table line. `pass` is null for a figure without a target (reported, not judged). */
export type Row = { metric: string; value: string; target: string; pass: boolean | null };

export type PartReport = {
  part: string;
  rows: Row[];
  /** The raw figures, for the JSON line. */
  figures: Record<string, unknown>;
  /** Why a figure could not be measured (e.g. no Chromium); null when everything ran. */
  skipped?: string | null;
};

export const PART_PREFIX = "BENCH_PART ";

/** Prints the part's report as the one line `scripts/bench.ts` reads back. */
export function emitPart(report: PartReport): void {
  console.log(PART_PREFIX + JSON.stringify(report));
}

/** The last `BENCH_PART` line of a part's stdout, or null when it printed none (it crashed). */
export function parsePart(stdout: string): PartReport | null {
  const line = stdout.split("\n").findLast((l) => l.startsWith(PART_PREFIX));
  if (!line) return null;
  const r = JSON.parse(line.slice(PART_PREFIX.length));
  return r && typeof r.part === "string" && Array.isArray(r.rows) ? r as PartReport : null;
}

export const verdict = (pass: boolean | null): string => pass === null ? "" : pass ? "PASS" : "FAIL";

/** A plain-text table, columns padded to their widest cell. */
export function table(head: string[], cells: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? "").length)));
  const line = (c: string[]) => c.map((x, i) => (x ?? "").padEnd(widths[i])).join("  ").trimEnd();
  return [line(head), widths.map((w) => "-".repeat(w)).join("  "), ...cells.map(line)].join("\n");
}

/** A part's own table (when it runs alone). */
export function partTable(rows: Row[]): string {
  return table(
    ["metric", "value", "target", "result"],
    rows.map((r) => [r.metric, r.value, r.target, verdict(r.pass)]),
  );
}

/** "p50 1.2 ms, p99 3.4 ms, max 5 ms" from whichever of those a summary has. */
export function msLine(s: { p50?: number; p95?: number; p99?: number; max?: number }): string {
  const parts: string[] = [];
  for (const k of ["p50", "p95", "p99", "max"] as const) {
    if (s[k] !== undefined) parts.push(`${k} ${round(s[k]!)} ms`);
  }
  return parts.join(", ");
}

/**
 * A target judged only at the size the issue names: at a smaller size (a quick run) the row
 * keeps its figure, says so in the target, and counts neither as pass nor as fail.
 */
export function atSize(row: Row, fullSize: boolean, size: string): Row {
  return fullSize ? row : { ...row, target: `${row.target} at ${size} (not judged)`, pass: null };
}

/** A row for a figure that could not be measured: shown, never counted as a pass. */
export function skippedRow(metric: string, target: string, why: string): Row {
  return { metric, value: `NOT MEASURED: ${why}`, target, pass: null };
}

/**
 * Where Chromium is (`CHROMIUM_PATH` or Debian's `/usr/bin/chromium`), and a reason when it is
 * not there: browser figures are then reported as not measured instead of crashing the run.
 */
export function chromium(): { path: string; missing: string | null } {
  const path = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";
  try {
    const info = Deno.statSync(path);
    return { path, missing: info.isFile ? null : `${path} is not a file` };
  } catch {
    return { path, missing: `Chromium not found at ${path} (apt-get install -y chromium)` };
  }
}

/** The launch flags every browser part uses (headless, no sandbox as root, no background traffic). */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A whole number of bytes → "40.4 KiB (41,371 B)". */
export function bytes(n: number): string {
  return `${(n / 1024).toFixed(1)} KiB (${n.toLocaleString("en-US")} B)`;
}
