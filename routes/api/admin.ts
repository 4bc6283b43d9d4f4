/** Administration: read and replace the configuration at run time (SPEC M1). */
import { z } from "zod";
import { describe } from "../../lib/openapi.ts";
import { configSchema } from "../../lib/config.ts";
import { requirePermission } from "../../desk/access.ts";
import { redactedConfig, replaceConfig } from "../../desk/admin.ts";
import type { Desk } from "../../desk/desk.ts";
import { type App, requireAgent } from "../auth.ts";
import { parseJson, rawBody } from "../http.ts";

describe({
  method: "get",
  path: "/api/v1/admin/config",
  summary: "Extension: the running configuration (secrets and passwords redacted); admin permission",
  tag: "admin",
  auth: "bearer",
  responses: { 200: { description: "The configuration", schema: z.looseObject({}) } },
});
describe({
  method: "put",
  path: "/api/v1/admin/config",
  summary:
    "Extension: replace the configuration at run time (validated whole; waiting work is dispatched); admin permission",
  tag: "admin",
  auth: "bearer",
  body: configSchema,
  responses: { 200: { description: "The new configuration, redacted", schema: z.looseObject({}) } },
});

export function adminRoutes(api: App, desk: Desk): void {
  const auth = requireAgent(desk);
  api.get("/api/v1/admin/config", auth, (c) => {
    requirePermission(desk.ctx, c.get("agent"), "admin");
    return c.json(redactedConfig(desk.config));
  });
  api.put("/api/v1/admin/config", auth, async (c) => {
    requirePermission(desk.ctx, c.get("agent"), "admin");
    const raw = parseJson(await rawBody(c, 1024 * 1024));
    return c.json(redactedConfig(await replaceConfig(desk, raw)));
  });
}
