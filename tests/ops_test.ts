/**
 * Operators' endpoints over real HTTP (SPEC O3): liveness, readiness (draining, KV gone),
 * Prometheus metrics and their token, and `KV_QUEUES` parsing.
 */
import assert from "node:assert/strict";
import { queuesFromEnv } from "../main.ts";
import { SCHEDULE_SHARDS } from "../lib/server/scheduler.ts";
import { eventually, startServer } from "./harness.ts";

const metricValue = (text: string, line: RegExp) => {
  const m = text.split("\n").find((l) => line.test(l));
  return m === undefined ? null : Number(m.slice(m.lastIndexOf(" ") + 1));
};

Deno.test("ops - /healthz answers 200; /readyz answers 200 when ready, 503 while draining and when KV is gone", async () => {
  const kv = await Deno.openKv(":memory:");
  const s = await startServer({ kv, queues: false });
  try {
    assert.deepEqual((await s.request("GET", "/healthz")).body, { ok: true });
    const ready = await s.request("GET", "/readyz");
    assert.equal(ready.status, 200);
    const { process, ...rest } = ready.body;
    assert.deepEqual(rest, {
      ready: true,
      kv: true,
      scheduling: "polling",
      scheduler: true,
      draining: false,
    });
    assert.equal(process, s.runtime.status().processId);
    assert.match(String(process), /^[0-9A-Z]{26}$/);
    await s.runtime.stop();
    const draining = await s.request("GET", "/readyz");
    assert.equal(draining.status, 503);
    assert.equal(draining.body.draining, true);
    assert.equal((await s.request("GET", "/healthz")).status, 200, "alive while draining");
    kv.close();
    const gone = await s.request("GET", "/readyz");
    assert.equal(gone.status, 503);
    assert.equal(gone.body.kv, false);
  } finally {
    await s.close();
  }
});

Deno.test("ops - /metrics needs METRICS_TOKEN when set and serves Prometheus text", async () => {
  const s = await startServer({ queues: false, metricsToken: "metrics-secret-1" });
  try {
    assert.equal((await s.request("GET", "/metrics")).status, 401);
    assert.equal((await s.request("GET", "/metrics", { token: "wrong" })).status, 401);
    const alice = await s.agent("alice", { available: true });
    await alice.req("GET", "/api/v1/me");
    await alice.req("GET", "/api/v1/me");
    await s.request("GET", "/api/v1/no-such-thing");
    const events = alice.events();
    await events.ready;
    const scrape = async () => {
      const r = await fetch(`${s.url}/metrics`, { headers: { authorization: "Bearer metrics-secret-1" } });
      assert.equal(r.status, 200);
      assert.match(r.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
      return await r.text();
    };
    let text = await scrape();
    assert.match(text, /^# HELP http_requests_total /m);
    assert.match(text, /^# TYPE http_requests_total counter$/m);
    assert.equal(
      metricValue(text, /^http_requests_total\{method="GET",route="\/api\/v1\/me",status="200"\}/),
      2,
    );
    assert.equal(metricValue(text, /^http_requests_total\{method="GET",route="unmatched",status="404"\}/), 1);
    assert.equal(metricValue(text, /^http_requests_total\{method="GET",route="\/metrics",status="401"\}/), 2);
    assert.equal(metricValue(text, /^desk_event_streams_open /), 1);
    assert.equal(metricValue(text, /^desk_scheduler_leases_held /), SCHEDULE_SHARDS);
    for (
      const name of [
        "desk_kv_commits_total",
        "desk_kv_commit_conflicts_total",
        "desk_timers_due",
        "desk_timers_late",
      ]
    ) {
      assert.ok(metricValue(text, new RegExp(`^${name} `)) !== null, name);
    }
    assert.equal(metricValue(text, /^desk_deliveries_pending /), 0);
    assert.equal(metricValue(text, /^desk_deliveries_failed /), 0);
    events.close();
    await eventually(
      async () => metricValue(text = await scrape(), /^desk_event_streams_open /) === 0,
      5_000,
      "closed",
    );
  } finally {
    await s.close();
  }
});

Deno.test("ops - KV_QUEUES: auto is off for a KV Connect URL and on for a file; anything else is refused", () => {
  assert.equal(queuesFromEnv(undefined, "./data/routing.kv"), true);
  assert.equal(queuesFromEnv("auto", ":memory:"), true);
  assert.equal(queuesFromEnv(undefined, "https://api.deno.com/databases/x/connect"), false);
  assert.equal(queuesFromEnv("AUTO", "http://127.0.0.1:4512"), false);
  // A KV Connect client has no queues: `on` there is refused at start (tests/kv_connect_desk_test.ts).
  assert.throws(() => queuesFromEnv("on", "http://127.0.0.1:4512"), /KV_QUEUES=on needs Deno KV queues/);
  assert.equal(queuesFromEnv("off", "./data/routing.kv"), false);
  assert.throws(() => queuesFromEnv("yes", "./x.kv"), /KV_QUEUES must be auto, on or off/);
});
