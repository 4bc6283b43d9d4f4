/**
 * Values on the wire (`KvValue`: V8-serialized, raw bytes, or a little-endian u64) and as the
 * backing store holds them (plain JS values, `Uint8Array`, `Deno.KvU64`), so the backing file
 * is an ordinary Deno KV store. The V8 format is the one Deno's client writes
 * (`core.serialize`): node:v8's base `Serializer` writes typed arrays natively, not as Node host
 * objects, so the bytes read back in Deno.
 */
import { Deserializer, Serializer } from "node:v8";
import { ValueEncoding } from "./protobuf.ts";

export class ValueEncodingError extends Error {}

export function fromWire(data: Uint8Array, encoding: number): unknown {
  switch (encoding) {
    case ValueEncoding.V8: {
      const d = new Deserializer(data);
      d.readHeader();
      return d.readValue();
    }
    case ValueEncoding.BYTES:
      return data.slice();
    case ValueEncoding.LE64: {
      if (data.length !== 8) throw new ValueEncodingError("A u64 value must be 8 bytes.");
      return new Deno.KvU64(new DataView(data.buffer, data.byteOffset, 8).getBigUint64(0, true));
    }
    default:
      throw new ValueEncodingError(`The value encoding ${encoding} is unknown.`);
  }
}

export function toWire(value: unknown): { data: Uint8Array; encoding: number } {
  if (value instanceof Uint8Array) return { data: value, encoding: ValueEncoding.BYTES };
  if (value instanceof Deno.KvU64) {
    const data = new Uint8Array(8);
    new DataView(data.buffer).setBigUint64(0, value.value, true);
    return { data, encoding: ValueEncoding.LE64 };
  }
  const s = new Serializer();
  s.writeHeader();
  s.writeValue(value);
  return { data: new Uint8Array(s.releaseBuffer()), encoding: ValueEncoding.V8 };
}

/** A versionstamp as the backing store gives it (20 hex digits) and as the wire carries it (10 bytes). */
export function versionstampBytes(hex: string): Uint8Array {
  const out = new Uint8Array(10);
  for (let i = 0; i < 10; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function versionstampHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
