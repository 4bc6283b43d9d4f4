/**
 * Waking a live stream when KV keys it shows change: `kv.watch` sees this process's commits (and
 * every client's on a remote KV); on one local KV file it does not see other processes' commits,
 * so one poller per store also compares the versionstamps of every key a stream of this process
 * watches, every `POLL_MS`, in batched `getMany` calls (not one timer and read per stream) —
 * while other server processes share the store: each announces itself (`announceProcess`), so a
 * process alone on its store reads nothing more than its streams need. A stream told of its own
 * process's commits directly (`Pokes`: the agent feed) needs no watch on a local store at all.
 */
import { keys } from "./keys.ts";

/** How late, at most, a commit of another process on the same local file wakes a stream. */
export const POLL_MS = 200;
/** `getMany` takes at most this many keys. */
const BATCH = 10;

/** How often a process renews its announcement, and looks for others. */
const ANNOUNCE_MS = 5_000;
const LOOK_MS = 1_000;
/** An announcement older than this is a process gone. */
const GONE_MS = 15_000;

type Peers = { others: boolean; stop(): Promise<void> };
const peers = new WeakMap<Deno.Kv, Peers>();

/**
 * Announces this process on `kv` for as long as it serves (call `stop` when stopping) and
 * follows whether others do. Without it (tests of single parts), streams always poll.
 */
export function announceProcess(kv: Deno.Kv, now: () => number = Date.now): Peers {
  const id = crypto.randomUUID();
  let lastAnnounced = -Infinity;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let looking: Promise<void> = Promise.resolve();
  const state: Peers = {
    // Until the first look says otherwise, assume company.
    others: true,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      if (peers.get(kv) === state) peers.delete(kv);
      await looking;
      await kv.delete(keys.liveProcess(id)).catch(() => {});
    },
  };
  const look = async () => {
    try {
      const t = now();
      if (t - lastAnnounced >= ANNOUNCE_MS) {
        await kv.set(keys.liveProcess(id), { at: t }, { expireIn: GONE_MS });
        lastAnnounced = t;
      }
      let others = false;
      for await (const e of kv.list<{ at: number }>({ prefix: keys.liveProcesses() })) {
        if (e.key[1] !== id && e.value.at > t - GONE_MS) others = true;
      }
      state.others = others;
    } catch {
      // The store is closing: nothing to announce any more.
    }
    if (!stopped) timer = setTimeout(() => (looking = look()), LOOK_MS);
  };
  peers.set(kv, state);
  looking = look();
  return state;
}

const idOf = (key: Deno.KvKey) => JSON.stringify(key, (_k, v) => (typeof v === "bigint" ? `${v}n` : v));

type Subscription = { keys: Deno.KvKey[]; stamps: string; wake: () => void };

/** One store's poller: runs while at least one stream is subscribed. */
class HeadPoller {
  #subs = new Set<Subscription>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running = false;

  constructor(readonly kv: Deno.Kv, readonly everyMs: number) {}

  subscribe(sub: Subscription): () => void {
    this.#subs.add(sub);
    this.#schedule();
    return () => {
      this.#subs.delete(sub);
      if (this.#subs.size === 0) clearTimeout(this.#timer);
    };
  }

  #schedule(): void {
    if (this.#running || this.#subs.size === 0) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#tick(), this.everyMs);
  }

  async #tick(): Promise<void> {
    this.#running = true;
    try {
      // Alone on the store: watch sees every commit, nothing to poll.
      if (peers.get(this.kv)?.others === false) return;
      const subs = [...this.#subs];
      const keys = new Map<string, Deno.KvKey>();
      for (const s of subs) for (const k of s.keys) keys.set(idOf(k), k);
      const all = [...keys.values()];
      const stamps = new Map<string, string | null>();
      const batches = [];
      for (let i = 0; i < all.length; i += BATCH) batches.push(all.slice(i, i + BATCH));
      for (const entries of await Promise.all(batches.map((b) => this.kv.getMany(b)))) {
        for (const e of entries) stamps.set(idOf(e.key), e.versionstamp);
      }
      for (const s of subs) {
        const now = s.keys.map((k) => stamps.get(idOf(k)) ?? null).join();
        if (now !== s.stamps && this.#subs.has(s)) {
          s.stamps = now;
          s.wake();
        }
      }
    } catch {
      // A store closing under us (shutdown): the streams end on their own.
    } finally {
      this.#running = false;
      this.#schedule();
    }
  }
}

const pollers = new WeakMap<Deno.Kv, Map<number, HeadPoller>>();

function pollerOf(kv: Deno.Kv, everyMs: number): HeadPoller {
  let byPeriod = pollers.get(kv);
  if (!byPeriod) pollers.set(kv, byPeriod = new Map());
  let p = byPeriod.get(everyMs);
  if (!p) byPeriod.set(everyMs, p = new HeadPoller(kv, everyMs));
  return p;
}

/**
 * A one-shot wait that any of several sources can end (a watch's read, the poller, an abort).
 * Each wait is a fresh promise resolved and dropped: racing against long-lived promises (the
 * abort, a read the poller keeps beating) instead adds a reaction to them on every wake-up, and a
 * stream open for hours would keep them all (the soak found it).
 */
export class Waiter {
  #resolve: (() => void) | null = null;

  /** Resolves at the next `notify` (at once if `ready` already holds). */
  wait(ready: () => boolean): Promise<void> {
    if (ready()) return Promise.resolve();
    return new Promise<void>((r) => (this.#resolve = r));
  }

  notify(): void {
    const r = this.#resolve;
    this.#resolve = null;
    r?.();
  }

  /** Whether a wait is pending (at most one ever is). */
  get waiting(): boolean {
    return this.#resolve !== null;
  }
}

/**
 * A source of wake-ups besides the watch and the poller: it registers `wake` and returns its
 * stop. It must report every commit of this process to the watched keys (then a local store
 * needs no watch: see `wakeUps`). `wake(stamps)` may say the keys' versionstamps (joined by ",")
 * as of the change it reports, so a watch reporting that same change later wakes nobody again.
 */
export type Pokes = (wake: (stamps?: string) => void) => () => void;

const remoteStores = new WeakSet<Deno.Kv>();

/**
 * Marks a store opened from a KV Connect URL: there `kv.watch` sees every client's commits, so
 * streams keep their watch even when this process's own commits are poked (main.ts).
 */
export function markRemoteStore(kv: Deno.Kv): Deno.Kv {
  remoteStores.add(kv);
  return kv;
}

/** Whether `kv.watch` on this store sees other processes' commits (see `markRemoteStore`). */
export const watchSeesOthers = (kv: Deno.Kv): boolean => remoteStores.has(kv);

/**
 * Yields once at start, then each time one of `keysOf()` changes, whoever committed it (and at
 * each of `pokes`). Ends when `signal` aborts. What the consumer reads after a yield is at least
 * as new as what woke it.
 *
 * With `pokes` on a local store there is no `kv.watch`: on a local file it sees only this
 * process's commits, which the pokes report already, and each watch costs a read of its keys on
 * the store's one SQLite thread per change (2,000 streams: one per event). Other processes'
 * commits come through the poller, as before.
 */
export async function* wakeUps(
  kv: Deno.Kv,
  keysOf: () => Deno.KvKey[],
  signal: AbortSignal,
  pollMs = POLL_MS,
  pokes_?: Pokes,
): AsyncGenerator<void> {
  let watched = "";
  let reader: ReadableStreamDefaultReader<unknown> | null = null;
  /** Whether a read of `reader` is in flight, and the result of the last one not yet taken. */
  let reading = false;
  let read: ReadableStreamReadResult<unknown> | null = null;
  let pokes = 0;
  const waiter = new Waiter();
  const onAbort = () => waiter.notify();
  signal.addEventListener("abort", onAbort, { once: true });
  const readNext = (from: ReadableStreamDefaultReader<unknown>) => {
    reading = true;
    from.read().then(
      (r) => {
        if (from !== reader) return; // a reader replaced since (its keys changed)
        reading = false;
        read = r;
        waiter.notify();
      },
      () => {
        if (from !== reader) return;
        reading = false;
        read = { done: true, value: undefined };
        waiter.notify();
      },
    );
  };
  const stampsOf = async (ks: Deno.KvKey[]) => (await kv.getMany(ks)).map((e) => e.versionstamp).join();
  const sub: Subscription = {
    keys: [],
    stamps: "",
    wake: () => {
      pokes++;
      waiter.notify();
    },
  };
  let unsubscribe = () => {};
  const watching = !pokes_ || watchSeesOthers(kv);
  /** The stamps the last poke reported: a watch reporting them later is no news. */
  let poked: string | null = null;
  const unpoke = pokes_?.((stamps) => {
    if (stamps !== undefined) sub.stamps = poked = stamps;
    sub.wake();
  }) ?? (() => {});
  try {
    sub.keys = keysOf();
    sub.stamps = await stampsOf(sub.keys);
    unsubscribe = pollerOf(kv, pollMs).subscribe(sub);
    yield;
    while (!signal.aborted) {
      const ks = keysOf();
      const id = JSON.stringify(ks);
      if (id !== watched) {
        reader?.cancel().catch(() => {});
        reader = watching ? kv.watch(ks).getReader() : null;
        reading = false;
        read = null;
        watched = id;
        sub.keys = ks;
      }
      if (reader && !reading && !read) readNext(reader);
      await waiter.wait(() => pokes > 0 || read !== null || signal.aborted);
      if (signal.aborted) break;
      // Set by the read's callback while waiting (TypeScript cannot see it change).
      const r = read as ReadableStreamReadResult<unknown> | null;
      if (r) {
        read = null;
        if (r.done) break;
        // A watch first reports the keys as they are, and may report a change the poller
        // already woke us for: only what differs from the last stamps seen is news.
        const now = (r.value as Deno.KvEntryMaybe<unknown>[]).map((e) => e.versionstamp).join();
        if ((now === sub.stamps || now === poked) && pokes === 0) continue;
        sub.stamps = now;
      }
      pokes = 0;
      yield;
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
    unpoke();
    unsubscribe();
    reader?.cancel().catch(() => {});
  }
}
