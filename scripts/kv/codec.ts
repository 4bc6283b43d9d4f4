/**
 * A JSON encoding of Deno KV keys and values that keeps their types: plain JSON for what JSON
 * can say, and one-key tagged objects (`{"$bigint": "12"}`) for the rest — bigint, undefined,
 * non-finite numbers and -0, bytes, dates, maps, sets, regular expressions and `Deno.KvU64`.
 * An object that merely looks like a tag is wrapped in `{"$object": …}` so it reads back as is.
 */

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const TAGS = [
  "$bigint",
  "$undefined",
  "$number",
  "$bytes",
  "$date",
  "$map",
  "$set",
  "$regexp",
  "$u64",
  "$object",
] as const;

const toBase64 = (b: Uint8Array) => btoa(Array.from(b, (c) => String.fromCharCode(c)).join(""));
const fromBase64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

/** Encodes any value KV can store into plain JSON. */
export function encodeValue(v: unknown): Json {
  switch (typeof v) {
    case "undefined":
      return { $undefined: true };
    case "bigint":
      return { $bigint: v.toString() };
    case "number":
      return Number.isFinite(v) && !Object.is(v, -0) ? v : { $number: Object.is(v, -0) ? "-0" : String(v) };
    case "string":
    case "boolean":
      return v;
    case "object": {
      if (v === null) return null;
      if (v instanceof Deno.KvU64) return { $u64: v.value.toString() };
      if (v instanceof Uint8Array) return { $bytes: toBase64(v) };
      if (v instanceof Date) return { $date: Number.isNaN(v.getTime()) ? "invalid" : v.toISOString() };
      if (v instanceof Map) return { $map: [...v].map(([k, x]) => [encodeValue(k), encodeValue(x)]) };
      if (v instanceof Set) return { $set: [...v].map(encodeValue) };
      if (v instanceof RegExp) return { $regexp: [v.source, v.flags] };
      if (Array.isArray(v)) return v.map(encodeValue);
      const out: { [k: string]: Json } = {};
      for (const [k, x] of Object.entries(v)) out[k] = encodeValue(x);
      const keys = Object.keys(out);
      return keys.length === 1 && (TAGS as readonly string[]).includes(keys[0]) ? { $object: out } : out;
    }
    default:
      throw new Error(`cannot encode a ${typeof v}`);
  }
}

/** Decodes what `encodeValue` produced. */
export function decodeValue(j: Json): unknown {
  if (j === null || typeof j !== "object") return j;
  if (Array.isArray(j)) return j.map(decodeValue);
  const keys = Object.keys(j);
  if (keys.length === 1 && (TAGS as readonly string[]).includes(keys[0])) {
    const x = j[keys[0]];
    switch (keys[0]) {
      case "$bigint":
        return BigInt(x as string);
      case "$undefined":
        return undefined;
      case "$number":
        return x === "-0" ? -0 : Number(x);
      case "$bytes":
        return fromBase64(x as string);
      case "$date":
        return new Date(x === "invalid" ? NaN : (x as string));
      case "$map":
        return new Map((x as Json[][]).map(([k, v]) => [decodeValue(k), decodeValue(v)]));
      case "$set":
        return new Set((x as Json[]).map(decodeValue));
      case "$regexp":
        return new RegExp((x as string[])[0], (x as string[])[1]);
      case "$u64":
        return new Deno.KvU64(BigInt(x as string));
      case "$object": {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(x as Record<string, Json>)) out[k] = decodeValue(v);
        return out;
      }
    }
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(j)) out[k] = decodeValue(v);
  return out;
}

/** Encodes a KV key (parts are strings, numbers, bigints, booleans or bytes). */
export function encodeKey(key: Deno.KvKey): Json[] {
  return key.map(encodeValue);
}

export function decodeKey(parts: Json[]): Deno.KvKey {
  return parts.map((p) => {
    const v = decodeValue(p);
    if (!["string", "number", "bigint", "boolean"].includes(typeof v) && !(v instanceof Uint8Array)) {
      throw new Error(`not a key part: ${JSON.stringify(p)}`);
    }
    return v as Deno.KvKeyPart;
  });
}

/** A key as one readable line (for tables and messages). */
export function showKey(key: Deno.KvKey): string {
  return JSON.stringify(encodeKey(key));
}
