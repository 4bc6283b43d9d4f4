/**
 * A snapshot-read range (start inclusive, end exclusive, in encoded-key byte order) answered from
 * the backing store's `kv.list`. Deno's client sends a key's bytes, or them followed by 0x00
 * (just after the key: a `get`, a forward cursor) or 0xff (after everything under a prefix);
 * those map onto list selectors exactly. Anything else is read through the nearest selector
 * that covers it and filtered by bytes, so any byte range is answered correctly.
 */
import { compareBytes, decodeKeyPrefix, encodeKey } from "./key_codec.ts";
import type { ReadRange } from "./protobuf.ts";

export type RangeEntry = { key: Uint8Array; entry: Deno.KvEntry<unknown> };

const isOnly = (rest: Uint8Array, byte: number) => rest.length === 1 && rest[0] === byte;

/** Whether `key` begins with all of `prefix`'s parts. */
function startsWith(key: Deno.KvKey, prefix: Deno.KvKey): boolean {
  return prefix.length <= key.length &&
    compareBytes(encodeKey(key.slice(0, prefix.length)), encodeKey(prefix)) === 0;
}

export async function readRange(kv: Deno.Kv, r: ReadRange): Promise<RangeEntry[]> {
  if (compareBytes(r.start, r.end) >= 0) return [];
  const lo = decodeKeyPrefix(r.start), hi = decodeKeyPrefix(r.end);
  // A point read: [key, key + 0x00).
  if (lo.rest.length === 0 && isOnly(hi.rest, 0x00) && compareBytes(r.start, r.end.subarray(0, -1)) === 0) {
    const e = await kv.get(lo.key);
    return e.versionstamp === null ? [] : [{ key: r.start, entry: e as Deno.KvEntry<unknown> }];
  }
  let selector: Deno.KvListSelector;
  /** The key itself when the end is "just after it" (end = key + 0x00), read apart from the list. */
  let upperKey: Deno.KvKey | null = null;
  if (
    isOnly(hi.rest, 0xff) && lo.rest.length + encodeKey(lo.key).length > encodeKey(hi.key).length &&
    startsWith(lo.key, hi.key)
  ) {
    // Everything under a prefix, from a start inside it.
    selector = lo.key.length > hi.key.length ? { prefix: hi.key, start: lo.key } : { prefix: hi.key };
  } else {
    const upper = hi.rest.length === 0 && hi.key.length ? hi.key : null;
    if (isOnly(hi.rest, 0x00) && hi.key.length) upperKey = hi.key;
    const end = upper ?? upperKey;
    const start = lo.key.length ? lo.key : null;
    selector = start && end
      ? { start, end }
      : start
      ? { prefix: [], start }
      : end
      ? { prefix: [], end }
      : { prefix: [] };
  }
  const out: RangeEntry[] = [];
  const inRange = (key: Uint8Array) => compareBytes(key, r.start) >= 0 && compareBytes(key, r.end) < 0;
  const take = (e: Deno.KvEntryMaybe<unknown>) => {
    if (e.versionstamp === null || out.length >= r.limit) return;
    const key = encodeKey(e.key);
    if (inRange(key)) out.push({ key, entry: e as Deno.KvEntry<unknown> });
  };
  if (upperKey && r.reverse) take(await kv.get(upperKey));
  const batchSize = Math.min(r.limit + 1, 500);
  for await (const e of kv.list(selector, { reverse: r.reverse, batchSize })) {
    if (out.length >= r.limit) break;
    const key = encodeKey(e.key);
    const below = compareBytes(key, r.start) < 0, above = compareBytes(key, r.end) >= 0;
    // Past the range in the direction of travel: nothing further can be in it.
    if ((r.reverse && below) || (!r.reverse && above)) break;
    if (!below && !above) out.push({ key, entry: e });
  }
  if (upperKey && !r.reverse) take(await kv.get(upperKey));
  return out;
}
