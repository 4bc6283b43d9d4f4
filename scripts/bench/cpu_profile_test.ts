import assert from "node:assert/strict";
import { areaOf, summarizeProfile } from "./cpu_profile.ts";

Deno.test("cpu profile - frames are grouped by our module, npm package or Deno extension", () => {
  assert.equal(areaOf("file:///work/repo/desk/dispatch.ts", "route"), "desk/dispatch.ts");
  assert.equal(
    areaOf("file:///root/.cache/deno/npm/registry.npmjs.org/hono/4.1.0/dist/hono.js", "x"),
    "npm:hono",
  );
  assert.equal(areaOf("ext:deno_kv/01_db.ts", "get"), "ext:deno_kv");
  assert.equal(areaOf("", "(garbage collector)"), "(garbage collector)");
  assert.equal(areaOf("", "op_kv_atomic_write"), "(native)");
});

Deno.test("cpu profile - self time in a window, idle left out", () => {
  const frame = (functionName: string, url = "") => ({ functionName, url, lineNumber: 0 });
  const profile = {
    startTime: 0,
    nodes: [
      { id: 1, callFrame: frame("(root)") },
      { id: 2, callFrame: frame("(idle)") },
      { id: 3, callFrame: frame("route", "file:///r/desk/dispatch.ts") },
      { id: 4, callFrame: frame("op_kv_atomic_write") },
    ],
    // A sample every 100 ms from 0: 1 s of dispatch, 1 s of KV writes, 2 s idle.
    samples: [...Array(10).fill(3), ...Array(10).fill(4), ...Array(20).fill(2)],
    timeDeltas: [0, ...Array(39).fill(100_000)],
  };
  const out = summarizeProfile(profile, 0, 10, 5);
  assert.match(out, /busy % per second: 0:100 1:100 2:0 3:0$/m);
  assert.match(out, /2000 ms busy CPU/);
  assert.match(out, /50\.0 %\s+desk\/dispatch\.ts/);
  assert.match(out, /50\.0 %\s+\(native\)/);
});
