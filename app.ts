/**
 * Builds the Hono app from routes/ (importable by tests without a port). Every error goes
 * through one mapper producing the API.md error body.
 */
import { Hono } from "hono";
import { NotFound, toErrorResponse } from "./lib/shared/errors.ts";
import { describe, openApiDocument } from "./lib/server/openapi.ts";
import { z } from "zod";
import type { Desk } from "./desk/desk.ts";
import type { App, AuthEnv } from "./routes/auth.ts";
import { adminRoutes } from "./routes/api/admin.ts";
import { connectorRoutes } from "./routes/api/connectors.ts";
import { interactionRoutes } from "./routes/api/interactions.ts";
import { meRoutes } from "./routes/api/me.ts";
import { sessionRoutes } from "./routes/api/session.ts";
import { threadRoutes } from "./routes/api/threads.ts";
import { eventRoutes } from "./routes/events.ts";
import { viewRoutes } from "./routes/api/views.ts";
import { pageRoutes } from "./routes/pages/mod.ts";
import { limitPathParams, noStoreJson } from "./routes/http.ts";
import { webchatRoutes } from "./routes/api/webchat.ts";
import { cobrowseRoutes } from "./routes/api/cobrowse.ts";
import { widgetRoutes } from "./routes/widget.ts";
import { assistantRoutes } from "./routes/api/assistant.ts";
import { expertRoutes } from "./routes/api/experts.ts";
import { printRoutes } from "./routes/api/print.ts";
import { anonymizeRoutes } from "./routes/api/anonymize.ts";
import { supervisorRoutes } from "./routes/api/supervisor.ts";
import { reportRoutes } from "./routes/api/reports.ts";
import { type OpsOptions, opsRoutes } from "./routes/ops.ts";

describe({
  method: "get",
  path: "/api/v1/openapi.json",
  summary: "This API reference (OpenAPI 3.1): every endpoint the app serves",
  tag: "meta",
  auth: "none",
  responses: { 200: { description: "The OpenAPI document", schema: z.looseObject({ openapi: z.string() }) } },
});
export type AppOptions = { keepAliveMs?: number } & OpsOptions;

export function createApp(desk: Desk, options: AppOptions = {}): App {
  const app: App = new Hono<AuthEnv>();
  app.onError((err, c) => {
    const { status, body, headers } = toErrorResponse(err);
    // An error is about this request only: never cached (unknown routes skip the middlewares).
    return c.json(body, status as 400, { ...headers, "cache-control": "no-store" });
  });
  app.notFound(() => {
    throw new NotFound("No such endpoint.", "no_route");
  });
  app.use("*", limitPathParams);
  app.use("/api/*", noStoreJson);
  app.get("/api/v1/openapi.json", (c) => c.json(openApiDocument()));
  // First: its middleware counts every request below.
  opsRoutes(app, desk, options);
  connectorRoutes(app, desk);
  sessionRoutes(app, desk);
  meRoutes(app, desk);
  eventRoutes(app, desk, options.keepAliveMs);
  interactionRoutes(app, desk);
  threadRoutes(app, desk);
  adminRoutes(app, desk);
  viewRoutes(app, desk);
  pageRoutes(app, desk);
  webchatRoutes(app, desk);
  cobrowseRoutes(app, desk);
  widgetRoutes(app, desk);
  assistantRoutes(app, desk);
  expertRoutes(app, desk);
  printRoutes(app, desk);
  anonymizeRoutes(app, desk);
  supervisorRoutes(app, desk, options.keepAliveMs);
  reportRoutes(app, desk);
  return app;
}
