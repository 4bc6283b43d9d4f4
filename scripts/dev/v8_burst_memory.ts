/**
 * What a busy moment leaves in a V8 process's RSS after a forced GC (README, Soak): a steady
 * trickle of allocations, then 3 s of many objects alive at once (work in flight), then idle;
 * RSS, V8's committed heap and the heap used, each after a full GC.
 * `deno run --v8-flags=--expose-gc scripts/dev/v8_burst_memory.ts [--last-resort]`: with a plain
 * gc() RSS stays at ~350 MiB after the burst until ~20 s idle; with `--last-resort` it is ~50.
 */
const gc = (globalThis as { gc?: (o?: unknown) => void }).gc;
if (!gc) throw new Error("run with --v8-flags=--expose-gc");
// `--last-resort`: V8's most thorough collection (what it runs under memory pressure), as the
// soak's `POST /__bench/gc` does; without it a plain gc().
const lastResort = Deno.args.includes("--last-resort");
const mib = (b: number) => (b / 2 ** 20).toFixed(1);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const show = (label: string) => {
  gc(lastResort ? { type: "major", execution: "sync", flavor: "last-resort" } : undefined);
  const m = Deno.memoryUsage();
  console.log(`${label}: RSS ${mib(m.rss)} MiB, committed heap ${mib(m.heapTotal)}, used ${mib(m.heapUsed)}`);
};

show("start");
let kept: unknown[] = [];
for (let i = 0; i < 200; i++) {
  kept.push(JSON.parse(JSON.stringify({ a: "x".repeat(200), i })));
  if (kept.length > 50) kept = [];
  await sleep(1);
}
show("after a trickle");
const inFlight: unknown[][] = [];
const started = performance.now();
while (performance.now() - started < 3_000) {
  inFlight.push(Array.from({ length: 200 }, (_, i) => ({ s: "y".repeat(100) + i })));
  if (inFlight.length > 300) inFlight.splice(0, 100);
  if (inFlight.length % 50 === 0) await Promise.resolve();
}
inFlight.length = 0;
show("just after a 3 s burst");
await sleep(10_000);
show("10 s idle");
await sleep(10_000);
show("20 s idle");
