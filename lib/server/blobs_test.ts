import { deepStrictEqual as assertEquals, rejects } from "node:assert/strict";
import { type BlobExpiryMessage, CHUNK_BYTES, isBlobExpiry, KvBlobStore, readAll } from "./blobs.ts";

const meta = (id: string) => ({
  id,
  name: "f.bin",
  contentType: "application/pdf",
  owner: "o",
  createdAt: "2026-01-01T00:00:00Z",
});

Deno.test("blobs - a file bigger than one KV value is chunked and read back whole", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const store = new KvBlobStore(kv);
    const bytes = Uint8Array.from({ length: CHUNK_BYTES * 12 + 5 }, (_, i) => i % 256);
    const m = await store.put(meta("B1"), bytes, 3600_000);
    assertEquals(m.chunks, 13);
    assertEquals(m.size, bytes.length);
    const opened = await store.open("B1");
    assertEquals(await readAll(opened!.body), bytes);
    await store.delete("B1");
    assertEquals(await store.open("B1"), null);
    let left = 0;
    for await (const _ of kv.list({ prefix: ["blob_chunk", "B1"] })) left++;
    assertEquals(left, 0);
  } finally {
    kv.close();
  }
});

Deno.test("blobs - an id is written once; the failed write leaves nothing behind", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const store = new KvBlobStore(kv);
    await store.put(meta("B2"), new Uint8Array([1, 2, 3]), 3600_000);
    await rejects(store.put(meta("B2"), new Uint8Array([4]), 3600_000));
    assertEquals(await readAll((await store.open("B2"))!.body), new Uint8Array([1, 2, 3]));
  } finally {
    kv.close();
  }
});

async function chunksOf(kv: Deno.Kv, id: string): Promise<number> {
  let n = 0;
  for await (const _ of kv.list({ prefix: ["blob_chunk", id] })) n++;
  return n;
}

Deno.test("blobs - a blob nothing keeps is removed when its grace period ends (queue message from its first bytes)", async () => {
  const kv = await Deno.openKv(":memory:");
  const due = Promise.withResolvers<BlobExpiryMessage>();
  const listening = kv.listenQueue((m) => {
    if (isBlobExpiry(m)) due.resolve(m);
  });
  try {
    const store = new KvBlobStore(kv);
    await store.put(meta("B3"), Uint8Array.from({ length: CHUNK_BYTES * 2 + 1 }, () => 7), 0);
    const msg = await due.promise;
    assertEquals(msg, { type: "blob_expiry", blobId: "B3" });
    assertEquals(await store.removeUnkept(msg.blobId, () => Promise.resolve(true)), "removed");
    assertEquals(await store.meta("B3"), null);
    assertEquals(await chunksOf(kv, "B3"), 0);
  } finally {
    kv.close();
    await listening;
  }
});

Deno.test("blobs - a kept blob stays while what keeps it exists; stray chunks without metadata go", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const store = new KvBlobStore(kv);
    await store.put(meta("B4"), new Uint8Array([1, 2, 3]), 3600_000);
    assertEquals((await store.keep("B4", "msg-1", 1000)).ok, true);
    assertEquals(await store.keep("B4", "msg-1", 2000), { ok: true, meta: (await store.meta("B4"))! });
    assertEquals(await store.keep("B4", "msg-2", 2000), { ok: false, reason: "kept_elsewhere" });
    assertEquals(await store.keep("nope", "msg-2", 2000), { ok: false, reason: "missing" });
    assertEquals((await store.meta("B4"))!.keptBy, { ref: "msg-1", at: 1000 });
    const seen: string[] = [];
    const check = (answer: boolean | "later") => (k: { ref: string }) => {
      seen.push(k.ref);
      return Promise.resolve(answer);
    };
    assertEquals(await store.removeUnkept("B4", check(true)), "kept");
    assertEquals(await store.removeUnkept("B4", check("later")), "later");
    assertEquals(seen, ["msg-1", "msg-1"]);
    assertEquals(await store.removeUnkept("B4", check(false)), "removed");
    assertEquals(await store.meta("B4"), null);
    // Chunks of an upload that died before its metadata was written.
    await kv.set(["blob_chunk", "B5", 0], new Uint8Array([1]));
    await kv.set(["blob_chunk", "B5", 1], new Uint8Array([2]));
    assertEquals(await store.removeUnkept("B5", check(true)), "removed");
    assertEquals(await chunksOf(kv, "B5"), 0);
  } finally {
    kv.close();
  }
});
