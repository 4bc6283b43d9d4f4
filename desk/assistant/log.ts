/**
 * The pair log: every commit that adds, rewrites or removes a similar-questions pair also
 * writes a log entry (time-ordered id, short `expireIn`) and bumps a head key, so every
 * process's in-memory index follows changes made by any process (ARCHITECTURE.md "Caches").
 *
 * Ids come from several processes' clocks, so an entry may land behind one already read: the
 * tail reads again from a window before the last entry it saw, and applies an entry by reading
 * the pair's current value (the truth), never the entry itself. Applying twice, or out of
 * order, gives the same index.
 */
import { decodeTime } from "ulid";
import { newId, type Tx } from "../../lib/server/actor.ts";
import { keys } from "../../lib/server/keys.ts";
import type { Desk } from "../desk.ts";
import type { QaPair } from "./pairs.ts";
import type { PairIndex } from "./service.ts";

/** How long log entries stay: a process that stalls longer rebuilds its index. */
const LOG_TTL_MS = 3600_000;
/** How far back each read starts before the newest entry seen (commits landing late). */
const OVERLAP_MS = 10_000;

/** Stages a log entry for a change of the pair `pairId` of `threadId`, in `tx`. */
export function logPairChange(tx: Tx, threadId: string, pairId: string): void {
  const id = newId();
  tx.set(keys.assistantLogEntry(id, threadId, pairId), 1, LOG_TTL_MS);
  tx.set(keys.assistantLogHead(), id);
}

/** A ULID whose time is `ms` (and random part zero): a lower bound for ids made at that time. */
function idAt(ms: number): string {
  const chars = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  let t = Math.max(0, Math.floor(ms)), out = "";
  for (let i = 0; i < 10; i++) {
    out = chars[t % 32] + out;
    t = Math.floor(t / 32);
  }
  return out + "0".repeat(16);
}

/** Follows the log into `index`; `since` is when the index was read in full (ms). */
export class PairLogTail {
  #head: string | null = null;
  #from: string;
  #seen = new Set<string>();

  constructor(private readonly desk: Desk, private readonly index: () => PairIndex, since: number) {
    this.#from = idAt(since - OVERLAP_MS);
  }

  /** Applies the changes logged since the last call; returns how many entries were new. */
  async poll(): Promise<number> {
    const kv = this.desk.kv;
    const head = (await kv.get<string>(keys.assistantLogHead())).value;
    if (head === this.#head) return 0;
    let newest = this.#from, applied = 0;
    const seenNow = new Set<string>();
    for await (
      const e of kv.list<number>({
        start: keys.assistantLogFrom(this.#from),
        end: [...keys.assistantLog(), "\uffff"],
      })
    ) {
      const [, changeId, threadId, pairId] = e.key as [string, string, string, string];
      const id = `${changeId}/${pairId}`;
      seenNow.add(id);
      if (changeId > newest) newest = changeId;
      if (this.#seen.has(id)) continue;
      const pair = (await kv.get<QaPair>(keys.assistantPair(threadId, pairId))).value;
      if (pair) this.index().put(pair);
      else this.index().remove(pairId);
      applied++;
    }
    this.#head = head;
    this.#seen = seenNow;
    this.#from = idAt(decodeTime(newest) - OVERLAP_MS);
    return applied;
  }
}
