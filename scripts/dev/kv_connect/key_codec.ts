/**
 * Deno KV's key encoding (FoundationDB's tuple layer, as Deno's `ext/kv/codec.rs` uses it): the
 * bytes a KV Connect client sends for a key, and back. Byte order of encoded keys is the order
 * `kv.list` uses, which is what lets the server map a byte range onto the backing store.
 *
 * Parts: 0x01 bytes / 0x02 string (0x00 escaped as 0x00 0xff, ended by 0x00), integers
 * (bigint) 0x0b..0x1d by length, 0x21 double (sign-flipped big-endian), 0x26 false, 0x27 true.
 */

export class KeyCodecError extends Error {}

const BYTES = 0x01, STRING = 0x02, INT_ZERO = 0x14, INT_NEG_LONG = 0x0b, INT_POS_LONG = 0x1d;
const DOUBLE = 0x21, FALSE = 0x26, TRUE = 0x27;

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder("utf-8", { fatal: true });

function escaped(out: number[], bytes: Uint8Array) {
  for (const b of bytes) {
    out.push(b);
    if (b === 0) out.push(0xff);
  }
  out.push(0);
}

function bigEndian(abs: bigint): number[] {
  const out: number[] = [];
  for (let x = abs; x > 0n; x >>= 8n) out.unshift(Number(x & 0xffn));
  return out;
}

export function encodeKey(key: Deno.KvKey): Uint8Array {
  const out: number[] = [];
  for (const part of key) {
    if (part instanceof Uint8Array) {
      out.push(BYTES);
      escaped(out, part);
    } else if (typeof part === "string") {
      out.push(STRING);
      escaped(out, utf8.encode(part));
    } else if (typeof part === "bigint") {
      const neg = part < 0n;
      const mag = bigEndian(neg ? -part : part);
      if (mag.length > 255) throw new KeyCodecError("integer key part too large");
      const body = neg ? mag.map((b) => 0xff - b) : mag;
      if (mag.length <= 8) out.push(neg ? INT_ZERO - mag.length : INT_ZERO + mag.length, ...body);
      else out.push(neg ? INT_NEG_LONG : INT_POS_LONG, neg ? 0xff - mag.length : mag.length, ...body);
    } else if (typeof part === "number") {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setFloat64(0, Number.isNaN(part) ? NaN : part);
      if (b[0] & 0x80) { for (let i = 0; i < 8; i++) b[i] ^= 0xff; }
      else b[0] ^= 0x80;
      out.push(DOUBLE, ...b);
    } else if (part === false) out.push(FALSE);
    else if (part === true) out.push(TRUE);
    else throw new KeyCodecError(`unsupported key part ${typeof part}`);
  }
  return new Uint8Array(out);
}

/** Reads one key part at `pos`; null when the bytes there are not a complete part. */
function decodePart(buf: Uint8Array, pos: number): { part: Deno.KvKeyPart; next: number } | null {
  const type = buf[pos++];
  if (type === BYTES || type === STRING) {
    const raw: number[] = [];
    for (;;) {
      if (pos >= buf.length) return null;
      const b = buf[pos++];
      if (b !== 0) raw.push(b);
      else if (buf[pos] === 0xff) {
        raw.push(0);
        pos++;
      } else break;
    }
    if (type === BYTES) return { part: new Uint8Array(raw), next: pos };
    try {
      return { part: fromUtf8.decode(new Uint8Array(raw)), next: pos };
    } catch {
      return null;
    }
  }
  if (type >= INT_NEG_LONG && type <= INT_POS_LONG) {
    const neg = type < INT_ZERO;
    let len = Math.abs(type - INT_ZERO);
    if (type === INT_NEG_LONG || type === INT_POS_LONG) {
      if (pos >= buf.length) return null;
      len = neg ? 0xff - buf[pos++] : buf[pos++];
    }
    if (pos + len > buf.length) return null;
    let v = 0n;
    for (let i = 0; i < len; i++) v = (v << 8n) | BigInt(neg ? 0xff - buf[pos + i] : buf[pos + i]);
    return { part: neg ? -v : v, next: pos + len };
  }
  if (type === DOUBLE) {
    if (pos + 8 > buf.length) return null;
    const b = buf.slice(pos, pos + 8);
    if (b[0] & 0x80) b[0] ^= 0x80;
    else for (let i = 0; i < 8; i++) b[i] ^= 0xff;
    return { part: new DataView(b.buffer).getFloat64(0), next: pos + 8 };
  }
  if (type === FALSE) return { part: false, next: pos };
  if (type === TRUE) return { part: true, next: pos };
  return null;
}

/**
 * The longest run of complete key parts at the start of `buf`, and the bytes after it. A range
 * bound a client sends is a key's bytes, or them followed by 0x00 (just after the key) or 0xff
 * (after every key under it).
 */
export function decodeKeyPrefix(buf: Uint8Array): { key: Deno.KvKey; rest: Uint8Array } {
  const key: Deno.KvKeyPart[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const p = decodePart(buf, pos);
    if (!p) break;
    key.push(p.part);
    pos = p.next;
  }
  return { key, rest: buf.subarray(pos) };
}

/** The key the bytes encode; throws `KeyCodecError` unless they are exactly one valid key. */
export function decodeKey(buf: Uint8Array): Deno.KvKey {
  const { key, rest } = decodeKeyPrefix(buf);
  if (rest.length) throw new KeyCodecError(`invalid key bytes at offset ${buf.length - rest.length}`);
  return key;
}

/** Byte order, the order of encoded keys. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}
