/**
 * Configuration versions in KV (SPEC M1a): load the head, decide (actors/config_version.ts),
 * and commit the new version, its chunks, the head and the audit entry in ONE atomic commit
 * checked on the head — two administrators saving at once can never both win.
 *
 * A version is immutable once written, so its chunks are read without checks; only the head
 * (and the record it names) decide what is current.
 */
import { newId, transact, type Tx } from "../lib/server/actor.ts";
import { CHUNK_BYTES } from "../lib/server/blobs.ts";
import type { Config } from "../lib/shared/config.ts";
import { hashPassword, sha256Hex, verifyPassword } from "../lib/server/crypto.ts";
import { TooLarge } from "../lib/shared/errors.ts";
import { keys } from "../lib/server/keys.ts";
import { getManyInChunks } from "../lib/server/get_many.ts";
import { iso } from "../lib/shared/time.ts";
import type { AdminAuditEntry } from "../lib/shared/wire/admin.ts";
import type { UiLanguage } from "../lib/shared/i18n/mod.ts";
import { stableJson } from "../actors/config_diff.ts";
import {
  type ConfigCommand,
  type ConfigHeadState,
  type ConfigPayload,
  decideConfig,
  FILE_ACTOR,
  type SummaryFacts,
  summaryOf,
  type VersionFacts,
  type VersionRecord,
  versionView,
} from "../actors/config_version.ts";

/** A version record as stored: the API record plus where its payload lies. */
export type { AdminAuditEntry };

/** A version record as stored: its facts plus where its payload lies. */
export type StoredVersion = VersionFacts & { chunks: number; bytes: number };

/** An administration audit entry as stored: its summary is worded when read. */
export type StoredAuditEntry = Omit<AdminAuditEntry, "summary"> & { facts: SummaryFacts };

/**
 * The largest stored configuration: its chunks travel in the version's one commit, which a KV
 * server caps (800 KiB of mutations); the margin holds the record and the audit entry.
 */
export const MAX_CONFIG_BYTES = 640 * 1024;

/** A loaded version: its record and payload. */
export type LoadedVersion = { record: StoredVersion; payload: ConfigPayload };

/** The API view of a stored record (no storage details). */
export function publicRecord(r: StoredVersion, lang: UiLanguage = "en"): VersionRecord {
  return "origin" in r ? versionView(r, lang) : legacyRecord(r);
}

/** The API view of a stored audit entry, its summary in `lang`. */
export function publicAuditEntry(e: StoredAuditEntry, lang: UiLanguage = "en"): AdminAuditEntry {
  if (!("facts" in e)) return e as unknown as AdminAuditEntry;
  const { facts, ...rest } = e;
  return { ...rest, summary: summaryOf(facts, lang) };
}

/** Records written before summaries were stored as data held their English text. */
function legacyRecord(r: unknown): VersionRecord {
  const { version, at, actor, summary, changes, restoredFrom } = r as VersionRecord;
  return { version, at, actor, summary, changes, restoredFrom };
}

/** The version number the head names (0 before the first import). */
export async function headVersion(kv: Deno.Kv): Promise<number> {
  return (await kv.get<number>(keys.configHead())).value ?? 0;
}

/**
 * Reads one version. With `tx`, the record read is checked by the commit (the chunks never
 * change once written).
 */
export async function readVersion(kv: Deno.Kv, version: number, tx?: Tx): Promise<LoadedVersion | null> {
  const record = tx
    ? await tx.get<StoredVersion>(keys.configVersion(version))
    : (await kv.get<StoredVersion>(keys.configVersion(version))).value;
  if (!record) return null;
  const parts: Uint8Array[] = [];
  const chunkKeys = Array.from({ length: record.chunks }, (_, i) => keys.configChunk(version, i));
  for (const e of await getManyInChunks<Uint8Array>(kv, chunkKeys)) {
    if (!e.value) {
      throw new Error(`configuration version ${version} is missing chunk ${String(e.key.at(-1))}`);
    }
    parts.push(e.value);
  }
  const bytes = new Uint8Array(record.bytes);
  let off = 0;
  for (const p of parts) {
    bytes.set(p, off);
    off += p.byteLength;
  }
  return { record, payload: JSON.parse(new TextDecoder().decode(bytes)) as ConfigPayload };
}

/** Stages a new version: chunks, record and head, in the caller's commit. */
function stageVersion(tx: Tx, record: VersionFacts, payload: ConfigPayload): StoredVersion {
  const bytes = new TextEncoder().encode(JSON.stringify(payload));
  if (bytes.byteLength > MAX_CONFIG_BYTES) {
    throw new TooLarge(`The configuration exceeds ${MAX_CONFIG_BYTES} bytes once stored.`);
  }
  const chunks = Math.max(1, Math.ceil(bytes.byteLength / CHUNK_BYTES));
  for (let i = 0; i < chunks; i++) {
    tx.set(keys.configChunk(record.version, i), bytes.slice(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES));
  }
  const stored: StoredVersion = { ...record, chunks, bytes: bytes.byteLength };
  tx.set(keys.configVersion(record.version), stored);
  tx.set(keys.configHead(), record.version);
  return stored;
}

/**
 * Replaces plain-text passwords by PBKDF2 hashes before anything is stored: KV never holds a
 * password. A password equal to the one already stored keeps its hash, so re-importing an
 * unchanged file does not count as a password reset.
 */
export async function hashPasswords(prev: Config | null, next: Config): Promise<Config> {
  const old = new Map((prev?.agents ?? []).map((a) => [a.id, a.passwordHash]));
  const agents = await Promise.all(next.agents.map(async ({ password, ...a }) => {
    if (password === undefined) return a;
    const known = old.get(a.id);
    const passwordHash = known && await verifyPassword(password, known)
      ? known
      : await hashPassword(password);
    return { ...a, passwordHash };
  }));
  return { ...next, agents };
}

export type ConfigChange = { version: number; payload: ConfigPayload; record: StoredVersion | null };

/**
 * Runs one configuration command: `build` turns the current head into the command (it may run
 * more than once when the head moves meanwhile), `decideConfig` decides, and the new version is
 * committed with its audit entry, checked on the head. `record` is null when nothing changed.
 */
export function changeConfig(
  kv: Deno.Kv,
  now: () => number,
  build: (head: ConfigHeadState) => Promise<ConfigCommand>,
): Promise<ConfigChange> {
  return transact(kv, async (tx) => {
    const current = (await tx.get<number>(keys.configHead())) ?? 0;
    const loaded = current ? await readVersion(kv, current, tx) : null;
    const head: ConfigHeadState = loaded ? { version: current, payload: loaded.payload } : null;
    const cmd = await build(head);
    const at = now();
    const d = decideConfig(head, cmd, { now: at });
    const version = d.type === "new_version" ? d.record.version : current;
    for (const e of d.effects) {
      if (e.type === "file_imported") {
        tx.set(keys.configFileImport(), { hash: e.fileHash, version, at: iso(at) });
      } else if (e.type === "audit") {
        const id = newId(at);
        const actor = cmd.type === "import_file" ? FILE_ACTOR : cmd.actor;
        const entry: StoredAuditEntry = { id, at: iso(at), actor, action: e.action, version, facts: e.facts };
        tx.set(keys.adminAudit(id), entry);
      } else {
        const never: never = e;
        throw new Error(`unknown config effect ${JSON.stringify(never)}`);
      }
    }
    if (d.type === "unchanged") return { version, payload: head!.payload, record: null };
    return { version, payload: d.payload, record: stageVersion(tx, d.record, d.payload) };
  });
}

/**
 * Seeds KV from the configuration file (API.md "Configuration at run time"): imported when KV
 * holds none, or when the file's content changed since its last import; otherwise the stored
 * version stands. Safe when several processes start at once (the head is checked).
 */
export async function importFile(kv: Deno.Kv, now: () => number, file: Config): Promise<ConfigChange> {
  const fileHash = await sha256Hex(stableJson(file));
  const seen = await transact(kv, async (tx) => {
    const imported = await tx.get<{ hash: string }>(keys.configFileImport());
    const current = (await tx.get<number>(keys.configHead())) ?? 0;
    return current && imported?.hash === fileHash ? current : 0;
  });
  if (seen) {
    const loaded = await readVersion(kv, seen);
    if (loaded) return { version: seen, payload: loaded.payload, record: null };
  }
  return await changeConfig(kv, now, async (head) => {
    const config = await hashPasswords(head?.payload.config ?? null, file);
    return { type: "import_file", config, fileHash };
  });
}
