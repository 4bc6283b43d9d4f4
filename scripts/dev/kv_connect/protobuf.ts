/**
 * The protobuf wire format for just the KV Connect data-path messages
 * (denokv `proto/schema/datapath.proto`): varints, length-delimited fields and nested messages.
 * Hand-written because the messages are few and flat; no code generation at build time.
 * Decoding skips unknown fields (as protobuf requires) and refuses truncated input with
 * `ProtobufError`, which the server answers with 400.
 */

export class ProtobufError extends Error {}

/** Bytes on an ordinary ArrayBuffer (what `Response` and `Request.arrayBuffer` deal in). */
export type Bytes = Uint8Array<ArrayBuffer>;

const WIRE_VARINT = 0, WIRE_I64 = 1, WIRE_LEN = 2, WIRE_I32 = 5;

/** Reads one message's fields in order. */
class Reader {
  private pos = 0;
  constructor(private readonly buf: Bytes) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  varint(): bigint {
    let result = 0n, shift = 0n;
    for (;;) {
      if (this.pos >= this.buf.length) throw new ProtobufError("truncated varint");
      const b = this.buf[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return BigInt.asUintN(64, result);
      shift += 7n;
      if (shift > 63n) throw new ProtobufError("varint too long");
    }
  }

  tag(): { field: number; wire: number } {
    const t = Number(this.varint());
    return { field: t >>> 3, wire: t & 7 };
  }

  bytes(): Bytes {
    const len = Number(this.varint());
    if (this.pos + len > this.buf.length) throw new ProtobufError("truncated field");
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  skip(wire: number): void {
    if (wire === WIRE_VARINT) this.varint();
    else if (wire === WIRE_LEN) this.bytes();
    else if (wire === WIRE_I64) this.advance(8);
    else if (wire === WIRE_I32) this.advance(4);
    else throw new ProtobufError(`unsupported wire type ${wire}`);
  }

  private advance(n: number) {
    if (this.pos + n > this.buf.length) throw new ProtobufError("truncated field");
    this.pos += n;
  }
}

/** Calls `on(field, wire, reader)` for each field; `on` returns false for a field it does not know. */
function eachField(buf: Bytes, on: (field: number, wire: number, r: Reader) => boolean): void {
  const r = new Reader(buf);
  while (!r.done) {
    const { field, wire } = r.tag();
    if (!on(field, wire, r)) r.skip(wire);
  }
}

function expectWire(wire: number, want: number, field: number) {
  if (wire !== want) throw new ProtobufError(`field ${field}: wire type ${wire}, expected ${want}`);
}

/** Appends fields; skips proto3 defaults (0, false, empty) as the reference encoder does. */
class Writer {
  private parts: Uint8Array[] = [];
  private pending: number[] = [];

  private varintRaw(v: bigint | number) {
    if (typeof v === "number" && v >= 0 && v < 2 ** 31) {
      while (v >= 0x80) {
        this.pending.push((v & 0x7f) | 0x80);
        v >>>= 7;
      }
      this.pending.push(v);
      return;
    }
    let x = BigInt.asUintN(64, BigInt(v));
    while (x >= 0x80n) {
      this.pending.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.pending.push(Number(x));
  }

  private flush() {
    if (this.pending.length) this.parts.push(new Uint8Array(this.pending));
    this.pending = [];
  }

  uint(field: number, v: number | bigint): this {
    if (v === 0 || v === 0n) return this;
    this.varintRaw((field << 3) | WIRE_VARINT);
    this.varintRaw(v);
    return this;
  }

  bool(field: number, v: boolean): this {
    return this.uint(field, v ? 1 : 0);
  }

  bytes(field: number, v: Uint8Array, always = false): this {
    if (v.length === 0 && !always) return this;
    this.varintRaw((field << 3) | WIRE_LEN);
    this.varintRaw(v.length);
    this.flush();
    this.parts.push(v);
    return this;
  }

  /** A nested message, written even when empty (repeated elements must keep their place). */
  message(field: number, w: Writer): this {
    return this.bytes(field, w.finish(), true);
  }

  finish(): Bytes {
    this.flush();
    const out = new Uint8Array(this.parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

// --- Messages (field numbers from datapath.proto) ---

export const ValueEncoding = { V8: 1, LE64: 2, BYTES: 3 } as const;
export const MutationType = {
  SET: 1,
  DELETE: 2,
  SUM: 3,
  MAX: 4,
  MIN: 5,
  SET_SUFFIX_VERSIONSTAMPED_KEY: 9,
} as const;
export const AtomicWriteStatus = { SUCCESS: 1, CHECK_FAILURE: 2, WRITE_DISABLED: 5 } as const;
export const SnapshotReadStatus = { SUCCESS: 1 } as const;

export type ReadRange = { start: Uint8Array; end: Uint8Array; limit: number; reverse: boolean };
export type Check = { key: Uint8Array; versionstamp: Uint8Array };
export type KvValue = { data: Uint8Array; encoding: number };
export type Mutation = {
  key: Uint8Array;
  value: KvValue | null;
  type: number;
  /** Milliseconds since the epoch; 0 (or -1) means never. */
  expireAtMs: bigint;
  sumMin: Uint8Array;
  sumMax: Uint8Array;
  sumClamp: boolean;
};
export type Enqueue = { payload: Uint8Array };
export type AtomicWrite = { checks: Check[]; mutations: Mutation[]; enqueues: Enqueue[] };
export type KvEntry = { key: Uint8Array; value: Uint8Array; encoding: number; versionstamp: Uint8Array };
export type WatchKeyOutput = { changed: boolean; entry: KvEntry | null };

const signed32 = (v: bigint) => Number(BigInt.asIntN(32, v));
const signed64 = (v: bigint) => BigInt.asIntN(64, v);

export function decodeSnapshotRead(buf: Bytes): ReadRange[] {
  const ranges: ReadRange[] = [];
  eachField(buf, (field, wire, r) => {
    if (field !== 1) return false;
    expectWire(wire, WIRE_LEN, field);
    const range: ReadRange = { start: new Uint8Array(), end: new Uint8Array(), limit: 0, reverse: false };
    eachField(r.bytes(), (f, w, rr) => {
      if (f === 1 || f === 2) {
        expectWire(w, WIRE_LEN, f);
        range[f === 1 ? "start" : "end"] = rr.bytes();
      } else if (f === 3) {
        expectWire(w, WIRE_VARINT, f);
        range.limit = signed32(rr.varint());
      } else if (f === 4) {
        expectWire(w, WIRE_VARINT, f);
        range.reverse = rr.varint() !== 0n;
      } else return false;
      return true;
    });
    ranges.push(range);
    return true;
  });
  return ranges;
}

function decodeKvValue(buf: Bytes): KvValue {
  const v: KvValue = { data: new Uint8Array(), encoding: 0 };
  eachField(buf, (f, w, r) => {
    if (f === 1) {
      expectWire(w, WIRE_LEN, f);
      v.data = r.bytes();
    } else if (f === 2) {
      expectWire(w, WIRE_VARINT, f);
      v.encoding = signed32(r.varint());
    } else return false;
    return true;
  });
  return v;
}

export function decodeAtomicWrite(buf: Bytes): AtomicWrite {
  const out: AtomicWrite = { checks: [], mutations: [], enqueues: [] };
  eachField(buf, (field, wire, r) => {
    if (field === 1) {
      expectWire(wire, WIRE_LEN, field);
      const c: Check = { key: new Uint8Array(), versionstamp: new Uint8Array() };
      eachField(r.bytes(), (f, w, rr) => {
        if (f !== 1 && f !== 2) return false;
        expectWire(w, WIRE_LEN, f);
        c[f === 1 ? "key" : "versionstamp"] = rr.bytes();
        return true;
      });
      out.checks.push(c);
    } else if (field === 2) {
      expectWire(wire, WIRE_LEN, field);
      const m: Mutation = {
        key: new Uint8Array(),
        value: null,
        type: 0,
        expireAtMs: 0n,
        sumMin: new Uint8Array(),
        sumMax: new Uint8Array(),
        sumClamp: false,
      };
      eachField(r.bytes(), (f, w, rr) => {
        if (f === 1 || f === 5 || f === 6) {
          expectWire(w, WIRE_LEN, f);
          const b = rr.bytes();
          if (f === 1) m.key = b;
          else if (f === 5) m.sumMin = b;
          else m.sumMax = b;
        } else if (f === 2) {
          expectWire(w, WIRE_LEN, f);
          m.value = decodeKvValue(rr.bytes());
        } else if (f === 3 || f === 4 || f === 7) {
          expectWire(w, WIRE_VARINT, f);
          const v = rr.varint();
          if (f === 3) m.type = signed32(v);
          else if (f === 4) m.expireAtMs = signed64(v);
          else m.sumClamp = v !== 0n;
        } else return false;
        return true;
      });
      out.mutations.push(m);
    } else if (field === 3) {
      expectWire(wire, WIRE_LEN, field);
      const e: Enqueue = { payload: new Uint8Array() };
      eachField(r.bytes(), (f, w, rr) => {
        if (f !== 1) return false;
        expectWire(w, WIRE_LEN, f);
        e.payload = rr.bytes();
        return true;
      });
      out.enqueues.push(e);
    } else return false;
    return true;
  });
  return out;
}

export function decodeWatch(buf: Bytes): Bytes[] {
  const keys: Bytes[] = [];
  eachField(buf, (field, wire, r) => {
    if (field !== 1) return false;
    expectWire(wire, WIRE_LEN, field);
    let key: Bytes = new Uint8Array();
    eachField(r.bytes(), (f, w, rr) => {
      if (f !== 1) return false;
      expectWire(w, WIRE_LEN, f);
      key = rr.bytes();
      return true;
    });
    keys.push(key);
    return true;
  });
  return keys;
}

function kvEntry(e: KvEntry): Writer {
  return new Writer().bytes(1, e.key).bytes(2, e.value).uint(3, e.encoding).bytes(4, e.versionstamp);
}

export function encodeSnapshotReadOutput(ranges: KvEntry[][]): Bytes {
  const w = new Writer();
  for (const entries of ranges) {
    const range = new Writer();
    for (const e of entries) range.message(1, kvEntry(e));
    w.message(1, range);
  }
  return w.bool(4, true).uint(8, SnapshotReadStatus.SUCCESS).finish();
}

export function encodeAtomicWriteOutput(
  o: { status: number; versionstamp?: Uint8Array; failedChecks?: number[] },
): Bytes {
  const w = new Writer().uint(1, o.status).bytes(2, o.versionstamp ?? new Uint8Array());
  for (const i of o.failedChecks ?? []) w.uint(4, i);
  return w.finish();
}

export function encodeWatchOutput(keys: WatchKeyOutput[]): Bytes {
  const w = new Writer().uint(1, SnapshotReadStatus.SUCCESS);
  for (const k of keys) {
    const out = new Writer().bool(1, k.changed);
    if (k.entry) out.message(2, kvEntry(k.entry));
    w.message(2, out);
  }
  return w.finish();
}

// --- Client side of the same messages: used by tests to send what Deno's client would not ---

export function encodeAtomicWrite(a: AtomicWrite): Bytes {
  const w = new Writer();
  for (const c of a.checks) w.message(1, new Writer().bytes(1, c.key).bytes(2, c.versionstamp));
  for (const m of a.mutations) {
    const mw = new Writer().bytes(1, m.key);
    if (m.value) mw.message(2, new Writer().bytes(1, m.value.data).uint(2, m.value.encoding));
    mw.uint(3, m.type).uint(4, m.expireAtMs).bytes(5, m.sumMin).bytes(6, m.sumMax).bool(7, m.sumClamp);
    w.message(2, mw);
  }
  for (const e of a.enqueues) w.message(3, new Writer().bytes(1, e.payload).uint(2, Date.now()));
  return w.finish();
}

export function encodeSnapshotRead(ranges: ReadRange[]): Bytes {
  const w = new Writer();
  for (const r of ranges) {
    w.message(
      1,
      new Writer().bytes(1, r.start).bytes(2, r.end).uint(3, BigInt.asUintN(64, BigInt(r.limit))).bool(
        4,
        r.reverse,
      ),
    );
  }
  return w.finish();
}

export function decodeAtomicWriteOutput(buf: Bytes): { status: number; versionstamp: Bytes } {
  const o = { status: 0, versionstamp: new Uint8Array() };
  eachField(buf, (f, _w, r) => {
    if (f === 1) o.status = Number(r.varint());
    else if (f === 2) o.versionstamp = r.bytes();
    else return false;
    return true;
  });
  return o;
}
