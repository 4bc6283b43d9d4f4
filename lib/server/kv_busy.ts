/**
 * Server-only: several processes on one local KV file. SQLite lets one writer in at a time and
 * Deno KV reports a writer that found the file locked as an error ("database is locked")
 * instead of waiting: with concurrent commits in two processes most of them fail that way.
 * Such a commit did not happen, so it is simply tried again (jittered, bounded). Reads are not
 * affected (the file is in WAL mode).
 */

import { RecordedAtomic, replay } from "./kv_recorded.ts";

const BUSY = /database is (locked|busy)/i;
/** Attempts of one write before the error is passed on (about 2 s in all). */
const MAX_ATTEMPTS = 120;

export const isBusy = (e: unknown): boolean => e instanceof Error && BUSY.test(e.message);

/** `write` tried again, jittered and bounded, while the store answers that the file is locked. */
export async function retrying<T>(write: () => Promise<T>): Promise<T> {
  for (let attempt = 1;; attempt++) {
    try {
      return await write();
    } catch (e) {
      if (!isBusy(e) || attempt >= MAX_ATTEMPTS) throw e;
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(25, 2 ** attempt)));
    }
  }
}

/**
 * The same store, with writes (`atomic().commit()`, `set`, `delete`) retried while the file is
 * locked by another process. For a local KV file shared by several processes.
 */
export function retryWhenLocked(kv: Deno.Kv): Deno.Kv {
  return new Proxy(kv, {
    get(target, p) {
      if (p === "atomic") {
        // Recorded, so a commit refused as "locked" can be built and sent again.
        return () =>
          new RecordedAtomic((c) => retrying(() => replay(target, c))) as unknown as Deno.AtomicOperation;
      }
      if (p === "set") {
        return (key: Deno.KvKey, value: unknown, o?: { expireIn?: number }) =>
          retrying(() => target.set(key, value, o));
      }
      if (p === "delete") return (key: Deno.KvKey) => retrying(() => target.delete(key));
      const v = Reflect.get(target, p, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}
