import assert from "node:assert/strict";
import { compareBytes, decodeKey, decodeKeyPrefix, encodeKey, KeyCodecError } from "./key_codec.ts";

const KEYS: Deno.KvKey[] = [
  [],
  [""],
  ["a"],
  ["a", "b"],
  ["a\u0000"],
  ["é", 1n],
  [new Uint8Array()],
  [new Uint8Array([0, 0xff, 0])],
  [0n],
  [-1n],
  [255n],
  [-256n],
  [2n ** 64n],
  [-(2n ** 70n)],
  [0],
  [-0.5],
  [1.5],
  [Infinity],
  [-Infinity],
  [1e-300],
  [false],
  [true],
  ["x", 3n, true, new Uint8Array([1]), -2.25],
];

Deno.test("key codec - every key part type decodes to what was encoded", () => {
  for (const key of KEYS) assert.deepEqual(decodeKey(encodeKey(key)), key, Deno.inspect(key));
});

Deno.test("key codec - byte order of encoded keys is the order Deno KV lists them in", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    for (const key of KEYS) if (key.length) await kv.set(key, 1);
    const listed = (await Array.fromAsync(kv.list({ prefix: [] }))).map((e) => encodeKey(e.key));
    const sorted = listed.toSorted(compareBytes);
    assert.deepEqual(listed, sorted);
    assert.equal(listed.length, KEYS.length - 1);
  } finally {
    kv.close();
  }
});

Deno.test("key codec - a range bound splits into its complete parts and the rest", () => {
  const key = encodeKey(["a", 1n]);
  for (const tail of [[0x00], [0xff], []]) {
    const { key: parts, rest } = decodeKeyPrefix(new Uint8Array([...key, ...tail]));
    assert.deepEqual(parts, ["a", 1n]);
    assert.deepEqual([...rest], tail);
  }
  // An unterminated string is not a part.
  assert.deepEqual(decodeKeyPrefix(new Uint8Array([0x02, 0x61])).key, []);
  assert.throws(() => decodeKey(new Uint8Array([0x99])), KeyCodecError);
  assert.throws(() => decodeKey(new Uint8Array([0x02, 0xff, 0x00])), KeyCodecError); // not UTF-8
});
