/**
 * Reading many keys: `getMany` takes at most ten keys (KV Connect's limit), and each call is a
 * request waiting its turn on the store, so a long list goes out ten keys a read with several
 * reads in flight at once (a pool load reads thousands of agents, a folder page hundreds of
 * interactions).
 */

/** Keys per `getMany` (KV Connect's limit). */
export const GET_MANY_KEYS = 10;
/** Reads in flight at once by default. */
const READS_AT_ONCE = 16;

/** The entries of `keys`, in their order (a missing key gives an entry with a null value). */
export async function getManyInChunks<T>(
  kv: Deno.Kv,
  keys: readonly Deno.KvKey[],
  readsAtOnce = READS_AT_ONCE,
): Promise<Deno.KvEntryMaybe<T>[]> {
  const out: Deno.KvEntryMaybe<T>[] = [];
  const step = GET_MANY_KEYS * readsAtOnce;
  for (let i = 0; i < keys.length; i += step) {
    const reads: Promise<Deno.KvEntryMaybe<T>[]>[] = [];
    for (let j = i; j < Math.min(keys.length, i + step); j += GET_MANY_KEYS) {
      reads.push(kv.getMany<T[]>(keys.slice(j, j + GET_MANY_KEYS)));
    }
    for (const got of await Promise.all(reads)) out.push(...got);
  }
  return out;
}
