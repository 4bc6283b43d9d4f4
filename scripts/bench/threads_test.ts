import assert from "node:assert/strict";
import { threadLine, threadShares, threadTicks } from "./threads.ts";

Deno.test("threads - ticks are grouped by what the threads do, in % of one core", () => {
  const main = String(Deno.pid);
  const before = new Map([
    [main, { name: "deno", ticks: 100 }],
    ["2", { name: "sw-0", ticks: 10 }],
    ["3", { name: "sw-0", ticks: 10 }],
    ["4", { name: "worker-1", ticks: 0 }],
  ]);
  const after = new Map([
    [main, { name: "deno", ticks: 160 }],
    ["2", { name: "sw-0", ticks: 50 }],
    ["3", { name: "sw-0", ticks: 20 }],
    ["4", { name: "worker-1", ticks: 15 }],
    // A thread started during the window counts from zero.
    ["5", { name: "V8 DefaultWorker", ticks: 8 }],
    ["6", { name: "tokio-runtime-w", ticks: 2 }],
  ]);
  // 100 ticks a second: over 1 s, 60 ticks are 60 % of a core.
  const s = threadShares(before, after, 1_000);
  assert.deepEqual(s, { main: 60, kvSqlite: 50, kvSqliteBusiest: 40, workers: 15, v8Helpers: 8, other: 2 });
  assert.equal(
    threadLine(s),
    "main 60%, KV SQLite 50% (busiest thread 40%), workers 15%, V8 helpers 8%, other 2%",
  );
});

Deno.test({
  name: "threads - this process's threads are read from /proc, the main one among them",
  ignore: Deno.build.os !== "linux",
  fn: () => {
    const t = threadTicks();
    assert.ok(t, "/proc/self/task is readable");
    assert.ok(t.has(String(Deno.pid)), "the main thread's id is the process id");
    for (const v of t.values()) assert.ok(Number.isFinite(v.ticks) && v.ticks >= 0);
  },
});
