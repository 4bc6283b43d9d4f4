import assert from "node:assert/strict";
import { decodeKey, decodeValue, encodeKey, encodeValue } from "./codec.ts";

const roundTrip = (v: unknown) => decodeValue(JSON.parse(JSON.stringify(encodeValue(v))));

Deno.test("kv codec - values keep their types through JSON", () => {
  const value = {
    text: "hé",
    n: 1.5,
    negZero: -0,
    nan: NaN,
    inf: -Infinity,
    big: 12345678901234567890n,
    none: null,
    missing: undefined,
    bytes: new Uint8Array([0, 1, 254, 255]),
    date: new Date("2031-03-01T09:00:00.000Z"),
    map: new Map<unknown, unknown>([["a", 1], [2n, { deep: [new Set([1, "x"])] }]]),
    re: /a+b/gi,
    u64: new Deno.KvU64(42n),
    list: [1, "two", [3n]],
    tagLookalike: { $bigint: "not a bigint" },
  };
  const back = roundTrip(value) as typeof value;
  assert.deepEqual(back, value);
  assert.ok(Object.is(back.negZero, -0));
  assert.ok(back.u64 instanceof Deno.KvU64 && back.u64.value === 42n);
  assert.deepEqual(back.tagLookalike, { $bigint: "not a bigint" });
});

Deno.test("kv codec - keys keep strings, numbers, bigints, booleans and bytes apart", () => {
  const key: Deno.KvKey = ["queue", "realtime", -0, 1, 1n, true, "1", new Uint8Array([7])];
  const back = decodeKey(JSON.parse(JSON.stringify(encodeKey(key))));
  assert.deepEqual(back, key);
  assert.ok(Object.is(back[2], -0));
  assert.throws(() => decodeKey([{ $date: "2031-03-01T09:00:00.000Z" }]), /not a key part/);
});
