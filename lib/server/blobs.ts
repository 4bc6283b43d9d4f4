/**
 * The blob store behind uploads: one small interface, and a Deno KV implementation that keeps
 * a blob's bytes in chunks under the 64 KiB value limit. Another backend (S3, a disk) only has
 * to implement `BlobStore`.
 *
 * A blob starts provisional: unless something keeps it (`keep`, e.g. a message that carries it)
 * it is removed once its grace period is over, by a KV queue message committed with its first
 * bytes — so no write can leave bytes behind that nothing will ever clean up, and nothing has
 * to scan the store.
 */
import { keys } from "./keys.ts";

export type BlobMeta = {
  id: string;
  name: string;
  contentType: string;
  size: number;
  /** Who uploaded it, e.g. `webchat:<sourceId>:<visitorId>`: only they may attach it. */
  owner: string;
  createdAt: string;
  chunks: number;
  /** What keeps the blob (e.g. the message it was sent in); null while provisional. */
  keptBy?: { ref: string; at: number } | null;
};

/** The queue message that removes a blob nothing kept (see `removeUnkept`). */
export type BlobExpiryMessage = { type: "blob_expiry"; blobId: string };
export const isBlobExpiry = (m: unknown): m is BlobExpiryMessage =>
  (m as BlobExpiryMessage)?.type === "blob_expiry" && typeof (m as BlobExpiryMessage).blobId === "string";

export type KeepResult = { ok: true; meta: BlobMeta } | { ok: false; reason: "missing" | "kept_elsewhere" };

export type NewBlob = { id: string; name: string; contentType: string; owner: string; createdAt: string };

export interface BlobStore {
  /**
   * Stores the bytes; the blob becomes visible only once every chunk is written. It is
   * provisional: `removeUnkept` runs after `graceMs` (scheduled durably with the first bytes).
   */
  put(blob: NewBlob, bytes: Uint8Array, graceMs: number): Promise<BlobMeta>;
  meta(id: string): Promise<BlobMeta | null>;
  /** Marks the blob as kept by `ref` (idempotent for the same ref; refused for another). */
  keep(id: string, ref: string, nowMs: number): Promise<KeepResult>;
  /**
   * The end of a blob's grace period: removes it (and any stray chunks) unless `stillKept`
   * confirms what keeps it; "later" asks to be called again after `retryMs`.
   */
  removeUnkept(
    id: string,
    stillKept: (keptBy: { ref: string; at: number }) => Promise<boolean | "later">,
  ): Promise<"removed" | "kept" | "later">;
  /** The blob's bytes as a stream, or null when it does not exist. */
  open(id: string): Promise<{ meta: BlobMeta; body: ReadableStream<Uint8Array> } | null>;
  delete(id: string): Promise<void>;
}

/** A KV value holds 64 KiB including its encoding: keep a margin. */
export const CHUNK_BYTES = 63 * 1024;
/** Chunks per commit: a KV atomic operation carries at most 800 KiB. */
const CHUNKS_PER_COMMIT = 10;

/**
 * Blobs in Deno KV: chunks are written first, in commits of ≤ 10 chunks, and the metadata key
 * last, so a reader never sees a partial blob; a failed upload removes what it wrote.
 */
export class KvBlobStore implements BlobStore {
  /**
   * `scheduleExpiry` stages the expiry message in the first chunks' commit; by default a KV
   * queue message (a desk without queues stages its own scheduled key instead).
   */
  constructor(
    private readonly kv: Deno.Kv,
    private readonly scheduleExpiry: (
      op: Deno.AtomicOperation,
      msg: BlobExpiryMessage,
      delayMs: number,
    ) => void = (op, msg, delay) => op.enqueue(msg, { delay }),
  ) {}

  async put(blob: NewBlob, bytes: Uint8Array, graceMs: number): Promise<BlobMeta> {
    const chunks = Math.max(1, Math.ceil(bytes.byteLength / CHUNK_BYTES));
    const meta: BlobMeta = { ...blob, size: bytes.byteLength, chunks, keptBy: null };
    // Only chunks this call wrote are removed on failure (never another upload's).
    let written = 0;
    try {
      for (let first = 0; first < chunks; first += CHUNKS_PER_COMMIT) {
        const op = this.kv.atomic();
        for (let i = first; i < Math.min(chunks, first + CHUNKS_PER_COMMIT); i++) {
          op.check({ key: keys.blobChunk(blob.id, i), versionstamp: null });
          op.set(keys.blobChunk(blob.id, i), bytes.slice(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES));
        }
        // The clean-up is due from the first byte on: a crash mid-upload leaves nothing for ever.
        if (first === 0) {
          this.scheduleExpiry(op, { type: "blob_expiry", blobId: blob.id }, graceMs);
        }
        if (!(await op.commit()).ok) throw new Error(`blob ${blob.id} already exists`);
        written = Math.min(chunks, first + CHUNKS_PER_COMMIT);
      }
      const done = await this.kv.atomic().check({ key: keys.blob(blob.id), versionstamp: null }).set(
        keys.blob(blob.id),
        meta,
      ).commit();
      if (!done.ok) throw new Error(`blob ${blob.id} already exists`);
      return meta;
    } catch (e) {
      await this.#deleteChunks(blob.id, written);
      throw e;
    }
  }

  async meta(id: string): Promise<BlobMeta | null> {
    return (await this.kv.get<BlobMeta>(keys.blob(id))).value;
  }

  async open(id: string): Promise<{ meta: BlobMeta; body: ReadableStream<Uint8Array> } | null> {
    const meta = await this.meta(id);
    if (!meta) return null;
    const kv = this.kv;
    let next = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (next >= meta.chunks) return controller.close();
        const batch = Array.from(
          { length: Math.min(10, meta.chunks - next) },
          (_, i) => keys.blobChunk(id, next + i),
        );
        const entries = await kv.getMany<Uint8Array[]>(batch);
        for (const e of entries) {
          if (!e.value) {
            return controller.error(new Error(`blob ${id} is missing chunk ${String(e.key.at(-1))}`));
          }
          controller.enqueue(e.value);
        }
        next += batch.length;
      },
    });
    return { meta, body };
  }

  async keep(id: string, ref: string, nowMs: number): Promise<KeepResult> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const e = await this.kv.get<BlobMeta>(keys.blob(id));
      if (!e.value) return { ok: false, reason: "missing" };
      if (e.value.keptBy) {
        return e.value.keptBy.ref === ref
          ? { ok: true, meta: e.value }
          : { ok: false, reason: "kept_elsewhere" };
      }
      const meta = { ...e.value, keptBy: { ref, at: nowMs } };
      if ((await this.kv.atomic().check(e).set(e.key, meta).commit()).ok) return { ok: true, meta };
    }
    throw new Error(`blob ${id} changed too often`);
  }

  async removeUnkept(
    id: string,
    stillKept: (keptBy: { ref: string; at: number }) => Promise<boolean | "later">,
  ): Promise<"removed" | "kept" | "later"> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const e = await this.kv.get<BlobMeta>(keys.blob(id));
      if (e.value?.keptBy) {
        const kept = await stillKept(e.value.keptBy);
        if (kept !== false) return kept === true ? "kept" : "later";
      }
      if (!e.value) {
        // No metadata: an upload that failed or crashed before its last commit.
        const stray: Deno.KvKey[] = [];
        for await (const c of this.kv.list({ prefix: keys.blobChunks(id) })) stray.push(c.key);
        for (let i = 0; i < stray.length; i += 100) {
          const op = this.kv.atomic();
          for (const k of stray.slice(i, i + 100)) op.delete(k);
          await op.commit();
        }
        return "removed";
      }
      // Checked: a `keep` that lands meanwhile wins, and the blob stays.
      if ((await this.kv.atomic().check(e).delete(e.key).commit()).ok) {
        await this.#deleteChunks(id, e.value.chunks);
        return "removed";
      }
    }
    return "later";
  }

  async delete(id: string): Promise<void> {
    const meta = await this.meta(id);
    await this.kv.delete(keys.blob(id));
    if (meta) await this.#deleteChunks(id, meta.chunks);
  }

  async #deleteChunks(id: string, chunks: number): Promise<void> {
    for (let first = 0; first < chunks; first += 100) {
      const op = this.kv.atomic();
      for (let i = first; i < Math.min(chunks, first + 100); i++) op.delete(keys.blobChunk(id, i));
      await op.commit().catch(() => {});
    }
  }
}

/** Reads a whole stream into one array (tests, small blobs). */
export async function readAll(body: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const p of body) {
    parts.push(p);
    size += p.byteLength;
  }
  const out = new Uint8Array(size);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.byteLength;
  }
  return out;
}
