/**
 * A keyed mutual-exclusion lock for one process: work holding key `k` runs alone among this
 * process's work holding `k`; work on other keys runs alongside. The desk serializes commands on
 * one actor with it (`transact(..., { lock })`), so commands of one process never exhaust their
 * optimistic retries against each other; commits from other processes are still caught by the
 * versionstamp checks.
 *
 * Work that needs several keys queues for all of them at once (synchronously, when `run` is
 * called), so every queue orders two callers alike: two holders can never each wait for the
 * other's key. Waiters are served in arrival order. Not re-entrant: work holding a key must not
 * ask for it again.
 */
export class KeyedLock {
  /** Per key: a promise that settles when the last holder queued so far releases it. */
  #tails = new Map<string, Promise<void>>();

  /** Keys currently held or waited for (tests, metrics). */
  get size(): number {
    return this.#tails.size;
  }

  /** Runs `fn` holding every key in `keys` (duplicates ignored); releases them however it ends. */
  async run<T>(keys: Iterable<string>, fn: () => Promise<T>): Promise<T> {
    const queued = [...new Set(keys)].map((key) => this.#enqueue(key));
    try {
      await Promise.all(queued.map((q) => q.turn));
      return await fn();
    } finally {
      for (const q of queued) q.release();
    }
  }

  /** Joins the queue of `key` now; `turn` settles when every earlier holder released it. */
  #enqueue(key: string): { turn: Promise<void>; release: () => void } {
    const turn = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const tail = turn.then(() => held);
    this.#tails.set(key, tail);
    return {
      turn,
      release: () => {
        release();
        // The last holder leaves no entry behind: the map only holds keys in use.
        if (this.#tails.get(key) === tail) this.#tails.delete(key);
      },
    };
  }
}

const locks = new WeakMap<Deno.Kv, KeyedLock>();

/** The process-wide lock for one store (several test desks in one process each get their own). */
export function lockOf(kv: Deno.Kv): KeyedLock {
  let lock = locks.get(kv);
  if (!lock) locks.set(kv, lock = new KeyedLock());
  return lock;
}
