/**
 * Wire shapes of the administration API (API.md "Configuration at run time"), shared by the
 * server, the administration console and tests: one zod schema each, types by `z.infer`.
 */
import { z } from "zod";

/** Who made a configuration version: an agent, the configuration file, or the system. */
export const configActorSchema = z.object({
  type: z.enum(["agent", "file", "system"]),
  id: z.string().nullable(),
  name: z.string(),
});
export type ConfigActor = z.infer<typeof configActorSchema>;

/** One item of `GET /api/v1/admin/config/versions`. */
export const versionRecordSchema = z.object({
  version: z.number().int().positive(),
  at: z.string(),
  actor: configActorSchema,
  summary: z.string(),
  /** Extension: every change, one line each (the summary shows the first few). */
  changes: z.array(z.string()),
  /** Extension: the version this one restored, if any. */
  restoredFrom: z.number().int().nullable(),
});
export type VersionRecord = z.infer<typeof versionRecordSchema>;

/** One entry of the administration audit log (`GET /api/v1/admin/audit`, extension). */
export const adminAuditEntrySchema = z.object({
  id: z.string(),
  at: z.string(),
  actor: configActorSchema,
  action: z.string(),
  version: z.number().int().nullable(),
  summary: z.string(),
});
export type AdminAuditEntry = z.infer<typeof adminAuditEntrySchema>;

/** `?lang=` (extension): the language summaries and change lines are worded in (U7). */
export const adminLangQuerySchema = z.object({ lang: z.enum(["en", "fr"]).default("en") });

/** `?limit=&cursor=&lang=` of the administration listings. */
export const adminPageQuerySchema = adminLangQuerySchema.extend({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(2000).optional(),
});

/** The `{version}` path parameter. */
export const versionParamSchema = z.object({
  version: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER),
});

/**
 * Details of `412 version_conflict`: the current version, the one the client expected, and
 * what changed between them, one line each (null when the expected version does not exist).
 */
export const versionConflictSchema = z.object({
  version: z.number().int(),
  expected: z.number().int(),
  changes: z.array(z.string()).nullable(),
});
