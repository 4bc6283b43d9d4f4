/**
 * Operators' endpoints (SPEC O3, API.md "Starting the server"): `/healthz` (the process
 * serves), `/readyz` (KV answers, the scheduler runs, not draining), `/metrics` (Prometheus
 * text, behind `METRICS_TOKEN` when set), and the middleware counting requests by route and
 * status and the event streams open.
 */
import type { App } from "./auth.ts";
import { routePath } from "hono/route";
import { z } from "zod";
import { timingSafeEqual } from "node:crypto";
import { toErrorResponse, Unauthorized } from "../lib/shared/errors.ts";
import { LabelledCounter, type Metric, onBodyClose, renderPrometheus } from "../lib/server/metrics.ts";
import { describe } from "../lib/server/openapi.ts";
import type { Desk } from "../desk/desk.ts";
import { deskMetrics, kvReachable } from "../desk/ops.ts";
import type { RuntimeStatus } from "../desk/runtime.ts";

const readySchema = z.object({
  ready: z.boolean(),
  kv: z.boolean(),
  scheduling: z.enum(["queues", "polling"]).nullable(),
  scheduler: z.boolean(),
  draining: z.boolean(),
  /** The scheduler's id of this process (the owner named in its shard leases), null with queues. */
  process: z.string().nullable(),
});

describe({
  method: "get",
  path: "/healthz",
  summary: "Liveness probe: 200 while the process runs",
  tag: "meta",
  auth: "none",
  responses: { 200: { description: "Serving", schema: z.object({ ok: z.literal(true) }) } },
});
describe({
  method: "get",
  path: "/readyz",
  summary: "Readiness probe: 200 once KV answers and the scheduler runs; 503 while draining (SIGTERM) " +
    "or when KV does not answer",
  tag: "meta",
  auth: "none",
  responses: {
    200: { description: "Ready", schema: readySchema },
    503: { description: "Not ready (the body says why)", schema: readySchema },
  },
});
describe({
  method: "get",
  path: "/metrics",
  summary: "Prometheus text: requests by route and status, commits and conflicts, due and late timers, " +
    "pending and failed deliveries, open event streams, scheduler leases held. With METRICS_TOKEN " +
    "set it requires `Authorization: Bearer <METRICS_TOKEN>`",
  tag: "meta",
  auth: "none",
  responses: { 200: { description: "Metrics", contentType: "text/plain; version=0.0.4" } },
});

export type OpsOptions = {
  /** The running desk's status (absent when the app runs without a runtime, e.g. some tests). */
  runtime?: { status(): RuntimeStatus };
  metricsToken?: string;
};

const sameSecret = (a: string, b: string) => {
  const x = new TextEncoder().encode(a), y = new TextEncoder().encode(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** Installs the request-counting middleware (before every other route) and the three endpoints. */
export function opsRoutes(app: App, desk: Desk, o: OpsOptions): void {
  const requests = new LabelledCounter();
  let openStreams = 0;

  app.use(async (c, next) => {
    try {
      await next();
    } catch (e) {
      // Only an unmatched path gets here (the app's not-found handler throws); the error mapper answers.
      requests.inc({ method: c.req.method, route: "unmatched", status: String(toErrorResponse(e).status) });
      throw e;
    }
    requests.inc({ method: c.req.method, route: routePath(c) || "unmatched", status: String(c.res.status) });
    if (c.res.body && c.res.headers.get("content-type")?.startsWith("text/event-stream")) {
      openStreams++;
      c.res = new Response(onBodyClose(c.res.body, () => openStreams--), c.res);
    }
  });

  app.get("/healthz", (c) => c.json({ ok: true as const }));

  app.get("/readyz", async (c) => {
    const status = o.runtime?.status();
    const kv = await kvReachable(desk);
    const body: z.infer<typeof readySchema> = {
      ready: false,
      kv,
      scheduling: status?.scheduling ?? null,
      scheduler: status ? status.schedulerRunning : true,
      draining: status?.stopping ?? false,
      process: status?.processId ?? null,
    };
    body.ready = body.kv && body.scheduler && !body.draining;
    return c.json(body, body.ready ? 200 : 503);
  });

  app.get("/metrics", async (c) => {
    if (o.metricsToken) {
      const h = c.req.header("authorization") ?? "";
      const given = h.toLowerCase().startsWith("bearer ") ? h.slice(7).trim() : "";
      if (!sameSecret(given, o.metricsToken)) throw new Unauthorized("Missing or bad metrics token.");
    }
    const status = o.runtime?.status();
    const metrics: Metric[] = [
      {
        name: "http_requests_total",
        help: "HTTP requests served by this process, by method, route and status",
        type: "counter",
        samples: requests.samples(),
      },
      {
        name: "desk_event_streams_open",
        help: "Event streams open on this process",
        type: "gauge",
        samples: [{ value: openStreams }],
      },
      {
        name: "desk_scheduler_leases_held",
        help: "Scheduler shard leases this process holds (KV_QUEUES=off)",
        type: "gauge",
        samples: [{ value: status?.leasesHeld ?? 0 }],
      },
      ...(await deskMetrics(desk)),
    ];
    return c.body(renderPrometheus(metrics), 200, {
      "content-type": "text/plain; version=0.0.4; charset=utf-8",
    });
  });
}
