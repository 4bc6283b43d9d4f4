import assert from "node:assert/strict";
import {
  decodeAtomicWrite,
  decodeSnapshotRead,
  encodeAtomicWrite,
  encodeSnapshotRead,
  encodeWatchOutput,
  MutationType,
  ProtobufError,
  ValueEncoding,
} from "./protobuf.ts";

Deno.test("protobuf - an atomic write survives encoding and decoding, 64-bit fields included", () => {
  const write = {
    checks: [{ key: new Uint8Array([2, 97, 0]), versionstamp: new Uint8Array(10).fill(7) }],
    mutations: [{
      key: new Uint8Array([2, 98, 0]),
      value: { data: new Uint8Array(300).fill(1), encoding: ValueEncoding.V8 },
      type: MutationType.SET,
      expireAtMs: 1_796_302_233_456n,
      sumMin: new Uint8Array(),
      sumMax: new Uint8Array(),
      sumClamp: false,
    }],
    enqueues: [],
  };
  assert.deepEqual(decodeAtomicWrite(encodeAtomicWrite(write)), write);
  const ranges = [{ start: new Uint8Array([1]), end: new Uint8Array([0xff]), limit: 1000, reverse: true }];
  assert.deepEqual(decodeSnapshotRead(encodeSnapshotRead(ranges)), ranges);
});

Deno.test("protobuf - unknown fields are skipped; truncated or mistyped input is refused", () => {
  // Field 9 (varint 5) and field 10 (bytes "xy") before a range with limit 3.
  const withUnknown = new Uint8Array([0x48, 5, 0x52, 2, 0x78, 0x79, 0x0a, 2, 0x18, 3]);
  assert.deepEqual(decodeSnapshotRead(withUnknown), [
    { start: new Uint8Array(), end: new Uint8Array(), limit: 3, reverse: false },
  ]);
  assert.throws(() => decodeSnapshotRead(new Uint8Array([0x0a, 5, 1])), ProtobufError);
  assert.throws(() => decodeSnapshotRead(new Uint8Array([0x08, 1])), ProtobufError); // ranges as a varint
  assert.throws(() => decodeAtomicWrite(new Uint8Array([0x10, 0xff])), ProtobufError);
});

Deno.test("protobuf - a watch output marks an unchanged key with an empty entry, as datapath.proto says", () => {
  const entry = {
    key: new Uint8Array([2, 97, 0]),
    value: new Uint8Array([1]),
    encoding: 3,
    versionstamp: new Uint8Array(10),
  };
  const out = encodeWatchOutput([{ changed: false, entry: null }, { changed: true, entry }]);
  // status = SR_SUCCESS (field 1), then keys (field 2): the first empty (changed = false, no entry).
  assert.deepEqual([...out.subarray(0, 5)], [0x08, 1, 0x12, 0, 0x12]);
  assert.deepEqual([...out.subarray(6, 8)], [0x08, 1]); // the second: changed = true, then its entry
});
