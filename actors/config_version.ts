/**
 * The configuration as a versioned actor (SPEC M1, M1a): every accepted change is a new numbered
 * version with who, when and what changed. `decideConfig` is pure: the current head and the
 * already validated new configuration in, the new version (or "unchanged", or a 412 refusal) out.
 *
 * Secret rotation lives here too: a source or expert secret replaced by a version keeps
 * verifying until `secretGracePeriod` after that version (`GraceSecret`), then only the new one.
 */
import type { Config } from "../lib/shared/config.ts";
import { PreconditionFailed } from "../lib/shared/errors.ts";
import { iso } from "../lib/shared/time.ts";
import type { ConfigActor, VersionRecord } from "../lib/shared/wire/admin.ts";
import { type Change, describeChanges, renderChanges, stableJson, summarize } from "./config_diff.ts";
import { translate, type UiLanguage } from "../lib/shared/i18n/mod.ts";

export type { ConfigActor, VersionRecord };

/** A replaced secret that still verifies until `until` (epoch ms). */
export type GraceSecret = { kind: "source" | "expert"; id: string; secret: string; until: number };

/** What a version holds: the configuration and the replaced secrets still in their grace period. */
export type ConfigPayload = { config: Config; grace: GraceSecret[] };

/** The latest version, or null before the first import. */
export type ConfigHeadState = { version: number; payload: ConfigPayload } | null;

export type ConfigCommand =
  /** An administrator saves a whole configuration; `expected` is the `If-Match` version, if sent. */
  | { type: "put"; config: Config; actor: ConfigActor; expected: number | null }
  /** An administrator makes a new version equal to version `from`. */
  | { type: "restore"; from: number; config: Config; actor: ConfigActor; expected: number | null }
  /** The configuration file was read at start; `fileHash` is what `stableJson` of it hashes to. */
  | { type: "import_file"; config: Config; fileHash: string };

export type ConfigEffect =
  /** Append to the administration audit log (same commit as the version). */
  | { type: "audit"; action: "config.put" | "config.restore" | "config.import"; facts: SummaryFacts }
  /** Remember which file content was imported, so an unchanged file is not imported again. */
  | { type: "file_imported"; fileHash: string };

export type ConfigDecision =
  | { type: "new_version"; record: VersionFacts; payload: ConfigPayload; effects: ConfigEffect[] }
  | { type: "unchanged"; effects: ConfigEffect[] };

export type ConfigDecideContext = { now: number };

/** Changes kept in a version record (each is small: names ≤ 200, values ≤ 40 characters). */
export const MAX_CHANGE_LINES = 100;
/** Changes kept in an audit entry: what its one-line summary shows. */
const SUMMARY_CHANGES = 8;

/** How a version came to be: it words the summary. */
export type VersionOrigin = "initial" | "put" | "import" | "restore";

/** What a summary is made of, stored as data and worded in the reader's language (U7). */
export type SummaryFacts = {
  origin: VersionOrigin;
  restoredFrom: number | null;
  /** The first changes (at most `MAX_CHANGE_LINES`), of `total`. */
  changes: Change[];
  total: number;
};

/** A version as stored: who, when, and the facts its summary and change lines are worded from. */
export type VersionFacts = SummaryFacts & { version: number; at: string; actor: ConfigActor };

/** The one-line summary of a version or audit entry, in `lang`. */
export function summaryOf(f: SummaryFacts, lang: UiLanguage = "en"): string {
  const changes = summarize(f.changes, f.total, lang);
  switch (f.origin) {
    case "initial":
      return translate(lang, "configSummary.initial");
    case "import":
      return translate(lang, "configSummary.imported", { changes });
    case "restore":
      return translate(lang, "configSummary.restored", { version: f.restoredFrom ?? "?", changes });
    case "put":
      return changes;
  }
}

/** A version as the API shows it (API.md `{version, at, actor, summary}` plus `changes`, `restoredFrom`). */
export function versionView(f: VersionFacts, lang: UiLanguage = "en"): VersionRecord {
  const lines = renderChanges(f.changes, lang);
  const more = f.total - f.changes.length;
  if (more > 0) {
    lines.push(translate(lang, more === 1 ? "configSummary.moreOne" : "configSummary.more", { count: more }));
  }
  return {
    version: f.version,
    at: f.at,
    actor: f.actor,
    summary: summaryOf(f, lang),
    changes: lines,
    restoredFrom: f.restoredFrom,
  };
}

export const FILE_ACTOR: ConfigActor = { type: "file", id: null, name: "configuration file" };

/**
 * Refuses a save based on a stale version (API.md `412 version_conflict`, current version in
 * `details`). Called before the body is even validated: a stale save is refused as such.
 */
export function checkExpected(head: ConfigHeadState, expected: number | null): void {
  const current = head?.version ?? 0;
  if (expected !== null && expected !== current) {
    throw new PreconditionFailed(
      `The configuration changed since version ${expected}: the current version is ${current}.`,
      "version_conflict",
      { version: current, expected },
    );
  }
}

/** Grace entries for secrets `next` replaced, plus the still-valid ones `prev` carried. */
export function rotateSecrets(prev: ConfigPayload | null, next: Config, now: number): GraceSecret[] {
  const until = now + next.secretGracePeriod * 1000;
  const current = new Map<string, string | undefined>([
    ...next.sources.map((s) => [`source:${s.id}`, s.secret] as const),
    ...next.experts.map((e) => [`expert:${e.id}`, e.secret] as const),
  ]);
  // A previous secret only matters while its owner still exists and no longer uses it.
  const keep = (g: GraceSecret) =>
    g.until > now && current.has(`${g.kind}:${g.id}`) && current.get(`${g.kind}:${g.id}`) !== g.secret;
  const carried = (prev?.grace ?? []).filter(keep);
  if (!prev) return carried;
  const replaced: GraceSecret[] = [
    ...prev.config.sources.map((s) => ({ kind: "source" as const, id: s.id, secret: s.secret, until })),
    ...prev.config.experts.flatMap((e) =>
      e.secret ? [{ kind: "expert" as const, id: e.id, secret: e.secret, until }] : []
    ),
  ].filter(keep);
  // One entry per (owner, secret): a secret replaced again keeps its latest deadline.
  const out = new Map<string, GraceSecret>();
  for (const g of [...carried, ...replaced]) out.set(`${g.kind}:${g.id}:${g.secret}`, g);
  return [...out.values()];
}

/** Decides a configuration command against the current head. Pure; throws `PreconditionFailed`. */
export function decideConfig(
  head: ConfigHeadState,
  cmd: ConfigCommand,
  ctx: ConfigDecideContext,
): ConfigDecision {
  const prev = head?.payload ?? null;
  let actor: ConfigActor;
  let action: "config.put" | "config.restore" | "config.import";
  let restoredFrom: number | null = null;
  const effects: ConfigEffect[] = [];
  switch (cmd.type) {
    case "put":
      checkExpected(head, cmd.expected);
      actor = cmd.actor;
      action = "config.put";
      break;
    case "restore":
      checkExpected(head, cmd.expected);
      actor = cmd.actor;
      action = "config.restore";
      restoredFrom = cmd.from;
      break;
    case "import_file":
      actor = FILE_ACTOR;
      action = "config.import";
      effects.push({ type: "file_imported", fileHash: cmd.fileHash });
      break;
    default: {
      const never: never = cmd;
      throw new Error(`unknown config command ${JSON.stringify(never)}`);
    }
  }
  // Saving what is already there makes no version (an expired grace entry needs none either:
  // verification ignores it).
  if (prev && stableJson(prev.config) === stableJson(cmd.config)) return { type: "unchanged", effects };
  const grace = rotateSecrets(prev, cmd.config, ctx.now);
  const changes = prev ? describeChanges(prev.config, cmd.config) : [];
  const facts: SummaryFacts = {
    origin: !prev ? "initial" : cmd.type === "import_file" ? "import" : cmd.type,
    restoredFrom,
    // The record is one KV value (≤ 64 KiB): a huge change keeps its first lines and a count.
    changes: changes.slice(0, MAX_CHANGE_LINES),
    total: changes.length,
  };
  const record: VersionFacts = { version: (head?.version ?? 0) + 1, at: iso(ctx.now), actor, ...facts };
  effects.push({ type: "audit", action, facts: { ...facts, changes: changes.slice(0, SUMMARY_CHANGES) } });
  return { type: "new_version", record, payload: { config: cmd.config, grace }, effects };
}
