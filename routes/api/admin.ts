/**
 * Administration: the configuration as versioned data (SPEC M1, M1a; API.md "Configuration at
 * run time") and the administration audit log. Everything needs the `admin` permission.
 */
import type { Context } from "hono";
import { z } from "zod";
import { describe } from "../../lib/server/openapi.ts";
import { configSchema } from "../../lib/shared/config.ts";
import {
  adminAuditEntrySchema,
  adminLangQuerySchema,
  adminPageQuerySchema,
  versionParamSchema,
  versionRecordSchema,
} from "../../lib/shared/wire/admin.ts";
import { requirePermission } from "../../desk/access.ts";
import {
  actorOfAgent,
  listAdminAudit,
  listVersions,
  putConfig,
  redactedConfig,
  restoreVersion,
  versionDetail,
} from "../../desk/admin.ts";
import type { ConfigChange } from "../../desk/config_store.ts";
import type { Desk } from "../../desk/desk.ts";
import { type App, type AuthEnv, requireAgent } from "../auth.ts";
import { parseJson, query, rawBody, validate } from "../http.ts";

const configResponse = z.looseObject({});
const page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), cursor: z.string().nullable() });
const ifMatch = 'Optional header `If-Match: "<version>"`: a stale version answers `412 version_conflict` ' +
  "with `details: {version, expected, changes}` (the current version, and what changed since the expected " +
  "one, one line each) and changes nothing.";
const conflict = { 412: { description: "`version_conflict`: `If-Match` names an older version" } };

describe({
  method: "get",
  path: "/api/v1/admin/config",
  summary: 'The running configuration, secrets and passwords redacted; header `ETag: "<version>"`',
  tag: "admin",
  auth: "bearer",
  responses: { 200: { description: "The configuration", schema: configResponse } },
});
describe({
  method: "put",
  path: "/api/v1/admin/config",
  summary: "Saves a whole configuration as a new version (validated whole, applied in every process within " +
    "2 s; waiting work is dispatched). A redacted secret or a missing password keeps the stored one; a changed " +
    "source or expert secret leaves the previous one verifying for `secretGracePeriod` seconds (extension, " +
    "default 86400). Saving the current configuration again makes no version. " + ifMatch,
  tag: "admin",
  auth: "bearer",
  body: configSchema,
  responses: {
    200: { description: "The new configuration, redacted, with its ETag", schema: configResponse },
    ...conflict,
  },
});
describe({
  method: "get",
  path: "/api/v1/admin/config/versions",
  summary:
    "Configuration versions, newest first (`changes`: extension, every change one line each; `lang`: " +
    "extension, en or fr, the language of `summary` and `changes`)",
  tag: "admin",
  auth: "bearer",
  query: adminPageQuerySchema,
  responses: { 200: { description: "A page of versions", schema: page(versionRecordSchema) } },
});
describe({
  method: "get",
  path: "/api/v1/admin/config/versions/:version",
  summary: "One configuration version with its configuration, redacted (`lang` as for the list)",
  tag: "admin",
  auth: "bearer",
  query: adminLangQuerySchema,
  responses: {
    200: { description: "The version", schema: versionRecordSchema.extend({ config: configResponse }) },
  },
});
describe({
  method: "post",
  path: "/api/v1/admin/config/versions/:version/restore",
  summary: "Makes a new version equal to that one (validated again). " + ifMatch,
  tag: "admin",
  auth: "bearer",
  responses: { 200: { description: "As PUT /api/v1/admin/config", schema: configResponse }, ...conflict },
});
describe({
  method: "get",
  path: "/api/v1/admin/audit",
  summary:
    "Extension: the administration audit log (every configuration change: who, when, what), newest first",
  tag: "admin",
  auth: "bearer",
  query: adminPageQuerySchema,
  responses: { 200: { description: "A page of audit entries", schema: page(adminAuditEntrySchema) } },
});

/**
 * The version an `If-Match` header names: null when absent or `*`; a value that names no
 * version (garbage, a list) is -1, which never matches, so the save is refused as stale.
 */
export function ifMatchVersion(header: string | undefined): number | null {
  if (header === undefined || header.trim() === "*") return null;
  const m = header.trim().match(/^(?:W\/)?"?(\d{1,15})"?$/);
  return m ? Number(m[1]) : -1;
}

const etag = (version: number) => `"${version}"`;

function changed(c: Context, change: ConfigChange) {
  c.header("ETag", etag(change.version));
  return c.json(redactedConfig(change.payload.config));
}

export function adminRoutes(api: App, desk: Desk): void {
  const auth = requireAgent(desk);
  const admin = (c: Context<AuthEnv>) => {
    requirePermission(desk.ctx, c.get("agent"), "admin");
    return c.get("agent");
  };
  api.get("/api/v1/admin/config", auth, (c) => {
    admin(c);
    // Version and configuration come from one cache swap: the ETag names what is returned.
    const version = desk.ctx.configVersion;
    const body = redactedConfig(desk.config);
    c.header("ETag", etag(version));
    return c.json(body);
  });
  api.put("/api/v1/admin/config", auth, async (c) => {
    const agent = admin(c);
    const expected = ifMatchVersion(c.req.header("if-match"));
    const raw = parseJson(await rawBody(c, 1024 * 1024));
    return changed(c, await putConfig(desk, raw, actorOfAgent(agent), expected));
  });
  api.get("/api/v1/admin/config/versions", auth, async (c) => {
    admin(c);
    const { limit, cursor, lang } = query(c, adminPageQuerySchema, { emptyIsAbsent: true });
    return c.json(await listVersions(desk, limit, cursor, lang));
  });
  api.get("/api/v1/admin/config/versions/:version", auth, async (c) => {
    admin(c);
    const { version } = validate(versionParamSchema, { version: c.req.param("version") });
    const { lang } = query(c, adminLangQuerySchema, { emptyIsAbsent: true });
    return c.json(await versionDetail(desk, version, lang));
  });
  api.post("/api/v1/admin/config/versions/:version/restore", auth, async (c) => {
    const agent = admin(c);
    const { version } = validate(versionParamSchema, { version: c.req.param("version") });
    const expected = ifMatchVersion(c.req.header("if-match"));
    return changed(c, await restoreVersion(desk, version, actorOfAgent(agent), expected));
  });
  api.get("/api/v1/admin/audit", auth, async (c) => {
    admin(c);
    const { limit, cursor, lang } = query(c, adminPageQuerySchema, { emptyIsAbsent: true });
    return c.json(await listAdminAudit(desk, limit, cursor, lang));
  });
}
