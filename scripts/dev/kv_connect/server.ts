/**
 * A KV Connect server (denokv `proto/kv-connect.md`, protocol versions 2 and 3) in front of a
 * local Deno KV store, for tests and local trials of the desk on "remote" KV:
 * `Deno.openKv("http://127.0.0.1:<port>")` with `DENO_KV_ACCESS_TOKEN` talks to it exactly as to
 * Deno Deploy's KV or a self-hosted `denokv`, including their limits (./limits.ts) and their lack
 * of queues. Keys and values are stored natively (./key_codec.ts, ./values.ts), so the backing
 * file can be opened with `Deno.openKv(path)` or `deno task kv` like any store.
 *
 * Watches are served from the backing store's own `kv.watch`, which sees every commit made
 * through this server; commits made to the backing file by another process are not seen (like
 * any local watch), so nothing else should write to it while it is served.
 *
 * One server may serve several stores (`addDatabase`): each has its own URL (`/db/<id>`) for the
 * metadata exchange, and the data path tells them apart by `x-denokv-database-id`.
 */
import { decodeKey, decodeKeyPrefix, KeyCodecError } from "./key_codec.ts";
import {
  ApiError,
  checkAtomicWrite,
  checkNumericValue,
  checkSnapshotRead,
  LIMITS,
  REFUSALS,
} from "./limits.ts";
import {
  type AtomicWrite,
  AtomicWriteStatus,
  type Bytes,
  decodeAtomicWrite,
  decodeSnapshotRead,
  decodeWatch,
  encodeAtomicWriteOutput,
  encodeSnapshotReadOutput,
  encodeWatchOutput,
  type KvEntry,
  MutationType,
  ProtobufError,
  type WatchKeyOutput,
} from "./protobuf.ts";
import { readRange } from "./ranges.ts";
import { fromWire, toWire, ValueEncodingError, versionstampBytes, versionstampHex } from "./values.ts";

export type KvConnectOptions = {
  /** The store served at the server's root URL, if any; the server does not close it. */
  kv?: Deno.Kv;
  /** The access token clients must present (`DENO_KV_ACCESS_TOKEN`); at least 12 characters, as denokv asks. */
  token: string;
  hostname?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** The root store's `databaseId`; clients send it back on every data-path request. */
  databaseId?: string;
  /** Lets the process exit while the server listens (a server started by a test preload). */
  unref?: boolean;
  /** Keep-alive frames on open watches (denokv: every 5 s). */
  pingMs?: number;
  /** How long the metadata (and so the data-path token) stays valid. */
  metadataTtlMs?: number;
};

/** Requests served, by kind: what a test or a bench counts (commits, reads) rather than timing. */
export type KvConnectStats = {
  metadata: number;
  snapshotReads: number;
  rangesRead: number;
  /** Ranges read, by the first part of their start key: which part of a program reads most. */
  rangesByPrefix: Record<string, number>;
  /** Mutations written, by the first part of their key. */
  mutationsByPrefix: Record<string, number>;
  atomicWrites: number;
  checkFailures: number;
  watches: number;
  refused: number;
};

export type KvConnectServer = {
  url: string;
  databaseId: string;
  stats: KvConnectStats;
  /** Serves one more store, at `${url}/db/${id}`; the caller keeps closing it. */
  addDatabase(kv: Deno.Kv): { id: string; url: string };
  /** Stops serving a store added with `addDatabase` (its open watches end). */
  removeDatabase(id: string): void;
  /** Ends open watches and stops listening. */
  close(): Promise<void>;
};

const NIL_UUID = "00000000-0000-0000-0000-000000000000";
const PROTOBUF = { "content-type": "application/x-protobuf" };

export function startKvConnectServer(o: KvConnectOptions): Promise<KvConnectServer> {
  if (o.token.length < 12) throw new Error("The access token must be at least 12 characters long.");
  const databaseId = o.databaseId ?? NIL_UUID;
  const stats: KvConnectStats = {
    metadata: 0,
    snapshotReads: 0,
    rangesRead: 0,
    rangesByPrefix: {},
    mutationsByPrefix: {},
    atomicWrites: 0,
    checkFailures: 0,
    watches: 0,
    refused: 0,
  };
  const databases = new Map<string, Database>();
  if (o.kv) databases.set(databaseId, { kv: o.kv, watches: new Set() });
  const ctx: Ctx = { ...o, databaseId, stats, databases };
  const abort = new AbortController();
  const { promise: listening, resolve } = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve({
    hostname: o.hostname ?? "127.0.0.1",
    port: o.port ?? 0,
    signal: abort.signal,
    onListen: resolve,
  }, (req) => handle(ctx, req));
  if (o.unref) server.unref();
  const endWatches = (db: Database | undefined) => {
    for (const end of [...db?.watches ?? []]) end();
  };
  return listening.then((addr) => {
    const url = `http://${addr.hostname}:${addr.port}`;
    return {
      url,
      databaseId,
      stats,
      addDatabase(kv) {
        const id = crypto.randomUUID();
        databases.set(id, { kv, watches: new Set() });
        return { id, url: `${url}/db/${id}` };
      },
      removeDatabase(id) {
        endWatches(databases.get(id));
        databases.delete(id);
      },
      async close() {
        for (const db of databases.values()) endWatches(db);
        abort.abort();
        await server.finished;
      },
    };
  });
}

type Database = { kv: Deno.Kv; watches: Set<() => void> };
type Ctx = KvConnectOptions & { databaseId: string; stats: KvConnectStats; databases: Map<string, Database> };

async function handle(ctx: Ctx, req: Request): Promise<Response> {
  try {
    const path = new URL(req.url).pathname;
    if (req.method !== "POST") throw REFUSALS.notFound();
    if (path === "/" && ctx.databases.has(ctx.databaseId)) return await metadata(ctx, req, ctx.databaseId);
    const added = path.match(/^\/db\/([0-9a-f-]{36})$/)?.[1];
    if (added && ctx.databases.has(added)) return await metadata(ctx, req, added);
    const method = path.match(/^\/v2\/(snapshot_read|atomic_write|watch)$/)?.[1];
    if (!method) throw REFUSALS.notFound();
    const db = authorizeDataPath(ctx, req);
    const body: Bytes = new Uint8Array(await req.arrayBuffer());
    if (method === "snapshot_read") return await snapshotRead(ctx, db, body);
    if (method === "atomic_write") return await atomicWrite(ctx, db, body);
    return watch(ctx, db, body);
  } catch (e) {
    ctx.stats.refused++;
    const refusal = e instanceof ApiError
      ? e
      : e instanceof ProtobufError
      ? new ApiError(400, `Request protobuf is invalid: ${e.message}.`)
      : e instanceof KeyCodecError || e instanceof ValueEncodingError
      ? new ApiError(400, e.message)
      : null;
    if (refusal) return new Response(refusal.message, { status: refusal.status });
    // A commit the backing store refused (e.g. `sum` on a value that is not a u64): denokv's
    // TypeMismatch is a 400 too. Never a 5xx: Deno's client retries those forever.
    return new Response(e instanceof Error ? e.message : String(e), { status: 400 });
  }
}

function bearer(req: Request): string {
  const auth = req.headers.get("authorization");
  const [scheme, token] = auth?.split(" ", 2) ?? [];
  if (!token) throw REFUSALS.malformedAuthorization();
  if (scheme.toLowerCase() !== "bearer") throw REFUSALS.invalidAccessToken();
  return token;
}

/** Compares in time independent of where the strings differ. */
function sameToken(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a), y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

async function metadata(ctx: Ctx, req: Request, databaseId: string): Promise<Response> {
  const text = await req.text();
  let versions: unknown;
  try {
    versions = text ? JSON.parse(text)?.supportedVersions : undefined;
  } catch {
    throw new ApiError(400, "The request body is not valid JSON.");
  }
  if (!Array.isArray(versions)) throw REFUSALS.minimumProtocolVersion();
  const version = versions.includes(3) ? 3 : versions.includes(2) ? 2 : null;
  if (!version) throw REFUSALS.noMatchingProtocolVersion();
  if (!sameToken(bearer(req), ctx.token)) throw REFUSALS.invalidAccessToken();
  ctx.stats.metadata++;
  return Response.json({
    version,
    databaseId,
    endpoints: [{ url: "/v2", consistency: "strong" }],
    token: ctx.token,
    expiresAt: new Date(Date.now() + (ctx.metadataTtlMs ?? 86_400_000)).toISOString(),
  });
}

/** Checks the protocol version and token; returns the store the request names. */
function authorizeDataPath(ctx: Ctx, req: Request): Database {
  const version = req.headers.get("x-denokv-version");
  if (version !== "2" && version !== "3") throw REFUSALS.invalidProtocolVersion();
  if (!sameToken(bearer(req), ctx.token)) throw REFUSALS.invalidAccessToken();
  const db = ctx.databases.get(req.headers.get("x-denokv-database-id") ?? "");
  if (!db) throw REFUSALS.invalidDatabaseId();
  return db;
}

function wireEntry(key: Uint8Array, e: Deno.KvEntry<unknown>): KvEntry {
  const { data, encoding } = toWire(e.value);
  return { key, value: data, encoding, versionstamp: versionstampBytes(e.versionstamp) };
}

async function snapshotRead(ctx: Ctx, db: Database, body: Bytes): Promise<Response> {
  const ranges = decodeSnapshotRead(body);
  checkSnapshotRead(ranges);
  const out = await Promise.all(ranges.map(async (r) => {
    const entries = await readRange(db.kv, r);
    return entries.map(({ key, entry }) => wireEntry(key, entry));
  }));
  ctx.stats.snapshotReads++;
  ctx.stats.rangesRead += ranges.length;
  for (const r of ranges) countByPrefix(ctx.stats.rangesByPrefix, r.start);
  return new Response(encodeSnapshotReadOutput(out), { headers: PROTOBUF });
}

function countByPrefix(counts: Record<string, number>, key: Uint8Array) {
  const first = decodeKeyPrefix(key).key[0];
  const name = first === undefined ? "(all)" : String(first);
  counts[name] = (counts[name] ?? 0) + 1;
}

const KIND: Record<number, "set" | "sum" | "min" | "max"> = {
  [MutationType.SET]: "set",
  [MutationType.SUM]: "sum",
  [MutationType.MIN]: "min",
  [MutationType.MAX]: "max",
};

/** The write as one backing-store commit: its checks, then its mutations, all or nothing. */
function backingCommit(kv: Deno.Kv, w: AtomicWrite, now: number): Deno.AtomicOperation {
  const op = kv.atomic();
  for (const c of w.checks) {
    op.check({
      key: decodeKey(c.key),
      versionstamp: c.versionstamp.length ? versionstampHex(c.versionstamp) : null,
    });
  }
  for (const m of w.mutations) {
    const key = decodeKey(m.key);
    if (m.type === MutationType.DELETE) {
      op.delete(key);
      continue;
    }
    const kind = KIND[m.type];
    if (!kind || !m.value) throw REFUSALS.invalidMutationKind();
    checkNumericValue(m.type, m.value.encoding);
    const value = fromWire(m.value.data, m.value.encoding);
    if (kind !== "set") {
      // Deno's JS API cannot express an expiry on sum/min/max (its client sends none, and a
      // local store ignores one), so neither can the backing store: refuse rather than drop it.
      if (m.expireAtMs > 0n) throw REFUSALS.expiryOnNumericMutation();
      op.mutate({ type: kind, key, value: value as Deno.KvU64 });
    } else {
      const expireIn = m.expireAtMs > 0n ? Math.max(1, Number(m.expireAtMs) - now) : undefined;
      op.set(key, value, expireIn ? { expireIn } : undefined);
    }
  }
  return op;
}

async function atomicWrite(ctx: Ctx, db: Database, body: Bytes): Promise<Response> {
  const w = decodeAtomicWrite(body);
  checkAtomicWrite(w);
  const result = await backingCommit(db.kv, w, Date.now()).commit();
  ctx.stats.atomicWrites++;
  for (const m of w.mutations) countByPrefix(ctx.stats.mutationsByPrefix, m.key);
  if (!result.ok) ctx.stats.checkFailures++;
  const out = result.ok
    ? encodeAtomicWriteOutput({
      status: AtomicWriteStatus.SUCCESS,
      versionstamp: versionstampBytes(result.versionstamp),
    })
    : encodeAtomicWriteOutput({ status: AtomicWriteStatus.CHECK_FAILURE });
  return new Response(out, { headers: PROTOBUF });
}

function frame(message: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + message.length);
  new DataView(out.buffer).setUint32(0, message.length, true);
  out.set(message, 4);
  return out;
}

/**
 * A stream of length-prefixed `WatchOutput`s: the current values first, then one message
 * whenever a watched key changes (several changes may collapse into one), with an empty frame
 * every `pingMs` so the client knows the server is alive.
 */
function watch(ctx: Ctx, db: Database, body: Bytes): Response {
  const rawKeys = decodeWatch(body);
  if (rawKeys.length > LIMITS.watchedKeys) throw REFUSALS.tooManyWatchedKeys();
  if (rawKeys.some((k) => k.length > LIMITS.writeKeyBytes)) throw REFUSALS.keyTooLong();
  const keys = rawKeys.map(decodeKey);
  ctx.stats.watches++;
  const source = db.kv.watch(keys).getReader();
  const sent: (string | null | undefined)[] = keys.map(() => undefined);
  let ping: ReturnType<typeof setInterval> | undefined;
  let end = () => {};
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      end = () => {
        clearInterval(ping);
        db.watches.delete(end);
        source.cancel().catch(() => {});
        try {
          controller.close();
        } catch { /* already closed */ }
      };
      db.watches.add(end);
      ping = setInterval(() => controller.enqueue(frame(new Uint8Array())), ctx.pingMs ?? 5_000);
      (async () => {
        for (;;) {
          const { value: entries, done } = await source.read();
          if (done) break;
          const outputs: WatchKeyOutput[] = entries.map((e, i) => {
            if (sent[i] !== undefined && sent[i] === e.versionstamp) return { changed: false, entry: null };
            sent[i] = e.versionstamp;
            return { changed: true, entry: e.versionstamp === null ? null : wireEntry(rawKeys[i], e) };
          });
          if (outputs.some((o) => o.changed)) controller.enqueue(frame(encodeWatchOutput(outputs)));
        }
      })().catch(() => {}).finally(end);
    },
    cancel() {
      end();
    },
  });
  return new Response(stream, { headers: { "content-type": "application/octet-stream" } });
}
