/**
 * Run-time configuration changes (SPEC M1, M1a, R4): a new configuration is validated as a
 * whole, stored as a new version in KV (desk/config_store.ts), and applied here at once — every
 * other process applies it from the head key within the poll period (desk/config_follow.ts).
 */
import { type Config, type ConfigInput, parseConfig } from "../lib/shared/config.ts";
import { NotFound, PreconditionFailed } from "../lib/shared/errors.ts";
import { keys } from "../lib/server/keys.ts";
import type { AgentState } from "../actors/agent.ts";
import { checkExpected, type ConfigActor, type VersionRecord } from "../actors/config_version.ts";
import { describeChanges, renderChanges } from "../actors/config_diff.ts";
import type { Desk } from "./desk.ts";
import type { UiLanguage } from "../lib/shared/i18n/mod.ts";
import { applyVersion } from "./config_follow.ts";
import {
  type AdminAuditEntry,
  changeConfig,
  type ConfigChange,
  hashPasswords,
  publicAuditEntry,
  publicRecord,
  readVersion,
  type StoredAuditEntry,
  type StoredVersion,
} from "./config_store.ts";
import { type Page, page } from "./queries.ts";

export const REDACTED = "********";

/** The configuration without secrets and passwords (for admins' eyes and the API). */
export function redactedConfig(c: Config): ConfigInput {
  return {
    ...c,
    sources: c.sources.map((s) => ({ ...s, secret: REDACTED })),
    agents: c.agents.map(({ password: _p, passwordHash: _h, ...a }) => a),
    experts: c.experts.map((e) => ({ ...e, ...(e.secret ? { secret: REDACTED } : {}) })),
  };
}

/**
 * A configuration read back from `redactedConfig` can be sent again: redacted secrets and missing
 * passwords of agents that already exist keep their current values.
 */
function keepRedactedSecrets(current: Config, raw: unknown): unknown {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return raw;
  const r = raw as Record<string, unknown>;
  const keepSecret = <T extends { id: string; secret?: string }>(list: readonly T[]) => (x: unknown) => {
    const o = x as Record<string, unknown> | null;
    const old = list.find((y) => y.id === o?.id);
    return old?.secret && o && typeof o === "object" && o.secret === REDACTED
      ? { ...o, secret: old.secret }
      : x;
  };
  const sources = Array.isArray(r.sources) ? r.sources.map(keepSecret(current.sources)) : r.sources;
  const experts = Array.isArray(r.experts) ? r.experts.map(keepSecret(current.experts)) : r.experts;
  const agents = Array.isArray(r.agents)
    ? r.agents.map((x: unknown) => {
      const a = x as Record<string, unknown> | null;
      const old = current.agents.find((y) => y.id === a?.id);
      if (
        !old || !a || typeof a !== "object" || a.password !== undefined || a.passwordHash !== undefined
      ) return x;
      return {
        ...a,
        ...(old.passwordHash ? { passwordHash: old.passwordHash } : { password: old.password }),
      };
    })
    : r.agents;
  return {
    ...r,
    ...(sources ? { sources } : {}),
    ...(experts ? { experts } : {}),
    ...(agents ? { agents } : {}),
  };
}

export const actorOfAgent = (a: AgentState): ConfigActor => ({ type: "agent", id: a.id, name: a.name });

/**
 * Saves a whole configuration as a new version. A stale `expected` version throws
 * `PreconditionFailed` (412), an invalid configuration `Invalid` (400) with every bad path;
 * either way nothing is written. Resolves once this process runs the new version.
 */
export async function putConfig(
  desk: Desk,
  raw: unknown,
  actor: ConfigActor,
  expected: number | null,
): Promise<ConfigChange> {
  const change = await explainConflict(
    desk.kv,
    saveConfig(desk.kv, () => desk.ctx.now(), raw, actor, expected),
  );
  await applyHere(desk, change);
  return change;
}

/**
 * Runs a version this process just committed. The version is stored whatever happens here: if
 * its effects fail midway (a KV error), the follower finishes them at its next poll, and the
 * save still answers with its version.
 */
async function applyHere(desk: Desk, change: ConfigChange): Promise<void> {
  await applyVersion(desk, change.version, change.payload).catch((e) =>
    console.error(`configuration version ${change.version}: effects left for the next refresh:`, e)
  );
}

/**
 * A stale save is shown the difference (SPEC M1a): the 412's `details` gain `changes`, what
 * happened between the version the admin started from and the current one, one line each.
 */
async function explainConflict<T>(kv: Deno.Kv, attempt: Promise<T>): Promise<T> {
  try {
    return await attempt;
  } catch (e) {
    if (!(e instanceof PreconditionFailed) || e.code !== "version_conflict") throw e;
    const { version, expected } = e.details as { version: number; expected: number };
    const [was, now] = await Promise.all([readVersion(kv, expected), readVersion(kv, version)]);
    const changes = was && now
      ? renderChanges(describeChanges(was.payload.config, now.payload.config))
      : null;
    throw new PreconditionFailed(e.message, e.code, { version, expected, changes });
  }
}

/**
 * Stores a whole configuration as a new version, with no desk running here (the operator
 * script): running processes apply it from the head key. Same rules as `putConfig`.
 */
export function saveConfig(
  kv: Deno.Kv,
  now: () => number,
  raw: unknown,
  actor: ConfigActor,
  expected: number | null,
): Promise<ConfigChange> {
  return changeConfig(kv, now, async (head) => {
    checkExpected(head, expected);
    const config = await prepareConfig(head?.payload.config ?? null, raw);
    return { type: "put", config, actor, expected };
  });
}

/**
 * What would be stored for `raw` on top of `current`: validated (throws `Invalid` with every bad
 * path), redacted secrets and missing passwords kept, plain passwords hashed.
 */
export async function prepareConfig(current: Config | null, raw: unknown): Promise<Config> {
  return await hashPasswords(current, parseConfig(current ? keepRedactedSecrets(current, raw) : raw));
}

/** Makes a new version equal to `version` (validated again against today's rules). */
export async function restoreVersion(
  desk: Desk,
  version: number,
  actor: ConfigActor,
  expected: number | null,
): Promise<ConfigChange> {
  const target = await readVersion(desk.kv, version);
  if (!target) throw new NotFound(`No configuration version ${version}.`, "unknown_version");
  const config = parseConfig(target.payload.config);
  const change = await explainConflict(
    desk.kv,
    changeConfig(desk.kv, () => desk.ctx.now(), (head) => {
      checkExpected(head, expected);
      return Promise.resolve({ type: "restore", from: version, config, actor, expected });
    }),
  );
  await applyHere(desk, change);
  return change;
}

/** Versions, newest first, summaries in `lang`. */
export function listVersions(
  desk: Desk,
  limit: number,
  cursor?: string,
  lang: UiLanguage = "en",
): Promise<Page<VersionRecord>> {
  return page<StoredVersion, VersionRecord>(
    desk.kv,
    keys.configVersions(),
    limit,
    cursor,
    (r) => publicRecord(r, lang),
    true,
  );
}

/** One version with its configuration, redacted. */
export async function versionDetail(
  desk: Desk,
  version: number,
  lang: UiLanguage = "en",
): Promise<VersionRecord & { config: Record<string, unknown> }> {
  const v = await readVersion(desk.kv, version);
  if (!v) throw new NotFound(`No configuration version ${version}.`, "unknown_version");
  return { ...publicRecord(v.record, lang), config: redactedConfig(v.payload.config) };
}

/** The administration audit log, newest first, summaries in `lang`. */
export function listAdminAudit(
  desk: Desk,
  limit: number,
  cursor?: string,
  lang: UiLanguage = "en",
): Promise<Page<AdminAuditEntry>> {
  return page<StoredAuditEntry, AdminAuditEntry>(
    desk.kv,
    keys.adminAudits(),
    limit,
    cursor,
    (e) => publicAuditEntry(e, lang),
    true,
  );
}
