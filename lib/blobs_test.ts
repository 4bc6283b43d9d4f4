import { deepStrictEqual as assertEquals, rejects } from "node:assert/strict";
import { CHUNK_BYTES, KvBlobStore, readAll } from "./blobs.ts";

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
    const m = await store.put(meta("B1"), bytes);
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
    await store.put(meta("B2"), new Uint8Array([1, 2, 3]));
    await rejects(store.put(meta("B2"), new Uint8Array([4])));
    assertEquals(await readAll((await store.open("B2"))!.body), new Uint8Array([1, 2, 3]));
  } finally {
    kv.close();
  }
});
