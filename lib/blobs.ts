/**
 * The blob store behind uploads: one small interface, and a Deno KV implementation that keeps
 * a blob's bytes in chunks under the 64 KiB value limit. Another backend (S3, a disk) only has
 * to implement `BlobStore`.
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
};

export type NewBlob = { id: string; name: string; contentType: string; owner: string; createdAt: string };

export interface BlobStore {
  /** Stores the bytes; the blob becomes visible only once every chunk is written. */
  put(blob: NewBlob, bytes: Uint8Array): Promise<BlobMeta>;
  meta(id: string): Promise<BlobMeta | null>;
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
  constructor(private readonly kv: Deno.Kv) {}

  async put(blob: NewBlob, bytes: Uint8Array): Promise<BlobMeta> {
    const chunks = Math.max(1, Math.ceil(bytes.byteLength / CHUNK_BYTES));
    const meta: BlobMeta = { ...blob, size: bytes.byteLength, chunks };
    // Only chunks this call wrote are removed on failure (never another upload's).
    let written = 0;
    try {
      for (let first = 0; first < chunks; first += CHUNKS_PER_COMMIT) {
        const op = this.kv.atomic();
        for (let i = first; i < Math.min(chunks, first + CHUNKS_PER_COMMIT); i++) {
          op.check({ key: keys.blobChunk(blob.id, i), versionstamp: null });
          op.set(keys.blobChunk(blob.id, i), bytes.slice(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES));
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
