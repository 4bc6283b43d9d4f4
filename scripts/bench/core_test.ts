import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { type BurstResult, keptSchedule } from "./phases.ts";
import { medianRun } from "./core.ts";
import { parsePart } from "./report.ts";

const schedule = (sentRate: number, p99: number) => ({
  sentRate,
  targetRate: 200,
  slipMs: { n: 100, p50: 0, p99, max: p99 },
});

Deno.test("bench core - a generator that fell behind its rate or its slots makes the run invalid", () => {
  assert(keptSchedule(schedule(199, 3)));
  assert(!keptSchedule(schedule(180, 3)), "sent rate below target");
  assert(!keptSchedule(schedule(200, 40)), "sends left late");
});

Deno.test("bench core - the median burst stands for several (the lower middle one of an even count)", () => {
  const run = (routedPerSecond: number) => ({ routedPerSecond }) as BurstResult;
  assertEquals(medianRun([run(3), run(1), run(2)]).routedPerSecond, 2);
  assertEquals(medianRun([run(4), run(1), run(3), run(2)]).routedPerSecond, 2);
  assertEquals(medianRun([run(5)]).routedPerSecond, 5);
});

Deno.test({
  name: "bench core - the server runs in a process of its own and reports its CPU, lag and RSS per phase",
  sanitizeResources: false,
  async fn() {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("./core.ts", import.meta.url).pathname,
        "--duration=1",
        "--rate=10",
        "--agents=6",
        "--burst=30",
        "--bursts=2",
        "--timers=0",
        "--sample=2",
        "--raw-seconds=0.5",
        "--compare-agents=2",
        "--kv=:memory:",
        "--cycle=both",
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assertEquals(out.code, 0, new TextDecoder().decode(out.stderr).slice(-2000));
    const report = parsePart(new TextDecoder().decode(out.stdout))!;
    // deno-lint-ignore no-explicit-any
    const f = report.figures as any;
    assertEquals(f.load.notOffered, 0);
    // Both load phases ran: webhooks only (one commit each), then offer → accept → complete.
    assertEquals([f.loads.offer.notOffered, f.loads.complete.notOffered], [0, 0]);
    assertEquals(f.loads.offer.sent, 10);
    assert(
      f.loads.offer.server.kv.atomicCommits < f.loads.complete.server.kv.atomicCommits,
      JSON.stringify(f.loads),
    );
    assertEquals(f.kvWritesPerInteraction, 2);
    assert(f.load.server.cpuMs > 0 && f.load.server.rssMiB > 0, JSON.stringify(f.load.server));
    assert(f.load.generator.cpuMs > 0, "the generator measures itself apart");
    // The server's KV work is counted in its own process: none of it is the generator's.
    assert(f.load.server.kv.atomicCommits >= 2 * 10, JSON.stringify(f.load.server.kv));
    assertEquals(f.comparedBurst.agents, 2);
    assertEquals(f.burst.offered, 30);
    // Two bursts of each kind ran; the lower one stands for an even count.
    assertEquals([f.burstRuns.length, f.comparedBurstRuns.length], [2, 2]);
    assertEquals(f.burst.routedPerSecond, Math.min(...f.burstRuns));
    assertEquals(f.comparedBurst.routedPerSecond, Math.min(...f.comparedBurstRuns));
    assert(f.burst.generator.cpuMs >= 0 && f.burst.generator.wallMs > 0, "the generator's share of a burst");
    // The store's rate is taken at the start and the end; the ratio divides by the higher.
    assertEquals(f.rawKv.perSecond, Math.max(f.rawKvAtStart.perSecond, f.rawKvAtEnd.perSecond));
    // The store's ceiling for dispatch-shaped commits, 5 offers each, and the burst's share of it.
    assert(f.dispatchShapedKv.commits > 0, JSON.stringify(f.dispatchShapedKv));
    const shapedOffers = (f.dispatchShapedKv.commits * 5) / f.dispatchShapedKv.seconds;
    assert(
      Math.abs(f.dispatchShapedKv.offersPerSecond / shapedOffers - 1) < 0.01,
      JSON.stringify(f.dispatchShapedKv),
    );
    assert(f.routedVsDispatchShapedKv > 0);
    assertEquals(report.rows.filter((r) => /kept its schedule/.test(r.metric)).length, 2);
  },
});
