/**
 * The actor runtime: an optimistic transaction over Deno KV. A command body reads what it
 * needs through `tx.get` (every read becomes a versionstamp check), stages writes, counter
 * sums, queue messages, feed events and post-commit hooks, and `transact` commits it all in ONE
 * atomic operation, retrying the whole body (bounded, with jitter) when a check fails. A body
 * that refuses (throws) or answers without writing is held to the same rule: its reads must
 * still hold together, else it runs again.
 */
import { monotonicFactory } from "ulid";
import { Conflict } from "../shared/errors.ts";
import type { AgentEventData, AgentEventName } from "../shared/wire/events.ts";
import { keys } from "./keys.ts";
import { lockOf } from "./keyed_lock.ts";

/** A remote KV server refuses commits with more checks than this. */
export const MAX_CHECKS = 10;
const MAX_ATTEMPTS = 12;

export const newId = monotonicFactory();

export type FeedEvent = { agentId: string; event: string; data: Record<string, unknown> };

/** How long an agent's feed entries are kept (a stream resuming later starts at the head). */
export const FEED_TTL_MS = 24 * 3600_000;

/**
 * A feed entry as stored; its order is its commit's versionstamp, then its index (desk/feed.ts).
 * `stamp` is set only on an entry rewritten in place (an anonymisation scrubbing old copies): the
 * versionstamp of the commit that first wrote it, which stays its position.
 */
export type StoredFeedEntry = { event: string; data: Record<string, unknown>; at: number; stamp?: string };

/** One agent's feed entries of a commit that landed, as written (`feed`, `commitId`, index). */
export type CommittedFeed = {
  agentId: string;
  commitId: string;
  versionstamp: string;
  entries: readonly StoredFeedEntry[];
};

const feedListeners = new WeakMap<Deno.Kv, Set<(committed: readonly CommittedFeed[]) => void>>();

/**
 * Calls `fn` with the feed entries of every commit of this process on `kv` once it landed, before
 * its `after` hooks: a live stream of this process takes them from memory instead of reading them
 * back (desk/feed.ts). KV stays the truth, for other processes and for resuming. Returns a stop.
 */
export function onFeedCommit(kv: Deno.Kv, fn: (committed: readonly CommittedFeed[]) => void): () => void {
  let set = feedListeners.get(kv);
  if (!set) feedListeners.set(kv, set = new Set());
  set.add(fn);
  return () => void set.delete(fn);
}

/** A staged write; `id` is its key's `keyId` when already computed (saves a second one at commit). */
export type Staged =
  | { op: "set"; key: Deno.KvKey; value: unknown; expireIn?: number; id?: string }
  | { op: "delete"; key: Deno.KvKey; id?: string }
  | { op: "sum"; key: Deno.KvKey; value: Deno.KvU64; id?: string }
  | {
    op: "enqueue";
    value: unknown;
    options?: { delay?: number; keysIfUndelivered?: Deno.KvKey[]; backoffSchedule?: number[] };
  };

const bigintAware = (_k: string, v: unknown) => (typeof v === "bigint" ? `${v}n` : v);
/** A key as a map key. The replacer only when needed: called per part, it cost more than the rest. */
const keyId = (key: Deno.KvKey) => {
  for (const part of key) if (typeof part === "bigint") return JSON.stringify(key, bigintAware);
  return JSON.stringify(key);
};

/**
 * The staged operations with each key's repeated sets and deletes reduced to its last one, and
 * its repeated sums to one sum of their total: the last write of a key wins in an atomic
 * operation anyway, sums commute (and wrap modulo 2^64 either way), and a record written by
 * several helpers of one command (an arrival writes its thread three times; a dispatch commit of
 * five offers bumps the same counters five times) would cost a mutation each time. A key both
 * written and summed keeps every operation, in order.
 */
export function lastWrites(staged: readonly Staged[]): Staged[] {
  const ids = staged.map((s) => (s.op === "enqueue" ? "" : s.id ?? keyId(s.key)));
  const last = new Map<string, number>();
  const sums = new Map<string, { first: number; total: bigint; count: number }>();
  staged.forEach((s, i) => {
    if (s.op === "set" || s.op === "delete") last.set(ids[i], i);
    else if (s.op === "sum") {
      const t = sums.get(ids[i]);
      if (t) t.total += s.value.value, t.count++;
      else sums.set(ids[i], { first: i, total: s.value.value, count: 1 });
    }
  });
  const out: Staged[] = [];
  staged.forEach((s, i) => {
    const id = ids[i];
    if (s.op === "set" || s.op === "delete") {
      if (sums.has(id) || last.get(id) === i) out.push(s);
    } else if (s.op === "sum") {
      const t = sums.get(id)!;
      if (last.has(id) || t.count === 1) out.push(s);
      else if (t.first === i) {
        out.push({ op: "sum", key: s.key, value: new Deno.KvU64(BigInt.asUintN(64, t.total)) });
      }
    } else out.push(s);
  });
  return out;
}

/** Thrown when retries run out; the error mapper shows it as a 409. */
export class TooMuchContention extends Conflict {
  constructor() {
    super("The record changed too often while updating it; try again.", "contention");
  }
}

export class Tx {
  #reads = new Map<string, { key: Deno.KvKey; versionstamp: string | null; value: unknown }>();
  #staged: Staged[] = [];
  #events: FeedEvent[] = [];
  #after: (() => void | Promise<void>)[] = [];
  /** The feed entries staged by `commit`, per agent, published once it landed. */
  #feed: Omit<CommittedFeed, "versionstamp">[] = [];
  #sets = new Map<string, unknown>();
  /** Entries read ahead by `prefetch` and not yet asked for: nothing is checked until `get` uses one. */
  #ahead = new Map<string, Deno.KvEntryMaybe<unknown>>();
  /** The commit's versionstamp, set before `after` hooks run (null while uncommitted or empty). */
  versionstamp: string | null = null;

  constructor(readonly kv: Deno.Kv) {}

  /** Reads a key and records a check on it (read-your-writes within the body). */
  async get<T>(key: Deno.KvKey): Promise<T | null> {
    const id = keyId(key);
    if (this.#sets.has(id)) return this.#sets.get(id) as T | null;
    const seen = this.#reads.get(id);
    if (seen) return seen.value as T | null;
    const ahead = this.#ahead.get(id);
    if (ahead) {
      this.#ahead.delete(id);
      this.#reads.set(id, { key, versionstamp: ahead.versionstamp, value: ahead.value });
      return ahead.value as T | null;
    }
    const entry = await this.kv.get<T>(key);
    this.#reads.set(id, { key, versionstamp: entry.versionstamp, value: entry.value });
    return entry.value;
  }

  /**
   * Reads ahead, in one round trip (ten keys a `getMany`), keys this body is about to ask for one
   * by one: under load each read waits its turn for the store (see "the store waits for the main
   * thread" in the README), so four reads in turn cost four waits. Nothing is recorded here:
   * `get` takes a prefetched entry as its read (checked at commit, like any read), and
   * `getManyUnchecked` as an unchecked one; a key never asked for is never checked. Keys this
   * body already read or wrote are skipped.
   */
  async prefetch(keys: readonly Deno.KvKey[]): Promise<void> {
    const wanted = new Map(keys.map((key) => [keyId(key), key]));
    const todo = [...wanted].map(([id, key]) => ({ id, key }))
      .filter(({ id }) => !this.#sets.has(id) && !this.#reads.has(id) && !this.#ahead.has(id));
    for (let i = 0; i < todo.length; i += MAX_CHECKS) {
      const batch = todo.slice(i, i + MAX_CHECKS);
      const entries = await this.kv.getMany(batch.map((b) => b.key));
      batch.forEach((b, j) => this.#ahead.set(b.id, entries[j]));
    }
  }

  /**
   * Entries read without a check (their caller guards them otherwise, e.g. messages by their
   * thread), prefetched ones first, the rest in `getMany`s of ten. Not read-your-writes.
   */
  async getManyUnchecked<T>(keys: readonly Deno.KvKey[]): Promise<Deno.KvEntryMaybe<T>[]> {
    const out: Deno.KvEntryMaybe<T>[] = new Array(keys.length);
    const missing: number[] = [];
    keys.forEach((key, i) => {
      const id = keyId(key);
      const ahead = this.#ahead.get(id);
      if (!ahead) return void missing.push(i);
      this.#ahead.delete(id);
      out[i] = ahead as Deno.KvEntryMaybe<T>;
    });
    for (let i = 0; i < missing.length; i += MAX_CHECKS) {
      const batch = missing.slice(i, i + MAX_CHECKS);
      const entries = await this.kv.getMany<T[]>(batch.map((j) => keys[j]));
      batch.forEach((j, n) => (out[j] = entries[n]));
    }
    return out;
  }

  /**
   * Records a read made elsewhere (e.g. an index entry written in the same commit as the key,
   * and so carrying the key's versionstamp) so the commit checks it.
   */
  assume<T>(key: Deno.KvKey, versionstamp: string | null, value: T): void {
    const id = keyId(key);
    if (!this.#reads.has(id)) this.#reads.set(id, { key, versionstamp, value });
  }

  set(key: Deno.KvKey, value: unknown, expireIn?: number): void {
    const id = keyId(key);
    this.#sets.set(id, value);
    this.#staged.push({ op: "set", key, value, expireIn, id });
  }

  delete(key: Deno.KvKey): void {
    const id = keyId(key);
    this.#sets.set(id, null);
    this.#staged.push({ op: "delete", key, id });
  }

  /**
   * Adds `delta` (may be negative) to a `Deno.KvU64` counter, applied by the store at commit time:
   * no read, so no check — concurrent commits adding to one counter never conflict. Not visible to
   * `get` in this body.
   */
  sum(key: Deno.KvKey, delta: number): void {
    // KvU64 sums wrap modulo 2^64: adding 2^64 - n subtracts n.
    this.#staged.push({ op: "sum", key, value: new Deno.KvU64(BigInt.asUintN(64, BigInt(delta))) });
  }

  enqueue(
    value: unknown,
    options?: { delay?: number; keysIfUndelivered?: Deno.KvKey[]; backoffSchedule?: number[] },
  ): void {
    this.#staged.push({ op: "enqueue", value, options });
  }

  /** Appends an event to an agent's live feed, in this commit. */
  emit<E extends AgentEventName>(agentId: string, event: E, data: AgentEventData<E>): void {
    this.#events.push({ agentId, event, data });
  }

  /** Runs after a successful commit (e.g. dispatch the queue now that capacity is free). */
  after(fn: () => void | Promise<void>): void {
    this.#after.push(fn);
  }

  /** True when the body staged nothing: there is nothing to commit. */
  get isEmpty(): boolean {
    return this.#staged.length === 0 && this.#events.length === 0;
  }

  get events(): readonly FeedEvent[] {
    return this.#events;
  }

  /**
   * Whether every key this body read still holds what it read. Reads are separate snapshots: a
   * commit landing between two of them (a thread read before another commit completed its open
   * interaction, the interaction after) can show a state that never existed. A commit checks
   * its reads, so it never lands on such a view; a body that commits nothing (it answered from
   * its reads, or refused) asks here. One read is always a consistent view; more are checked
   * in batches of `MAX_CHECKS` — if each batch still holds, all held together at the first one.
   * @internal
   */
  async readsStillCurrent(): Promise<boolean> {
    const reads = [...this.#reads.values()];
    if (reads.length < 2) return true;
    for (let i = 0; i < reads.length; i += MAX_CHECKS) {
      const op = this.kv.atomic();
      for (const r of reads.slice(i, i + MAX_CHECKS)) op.check({ key: r.key, versionstamp: r.versionstamp });
      if (!(await op.commit()).ok) return false;
    }
    return true;
  }

  /** @internal */
  async commit(): Promise<Deno.KvCommitResult | Deno.KvCommitError> {
    // Feed events are written under a fresh id of this commit and counted on the agent's head
    // with `sum`: nothing is read, so nothing is checked, and commits that concern one agent
    // never conflict over its feed. Their order is the commit's versionstamp (desk/feed.ts).
    const byAgent = new Map<string, FeedEvent[]>();
    for (const e of this.#events) byAgent.set(e.agentId, [...(byAgent.get(e.agentId) ?? []), e]);
    const feedWrites: Staged[] = [];
    const at = Date.now();
    this.#feed = [];
    for (const [agentId, events] of byAgent) {
      const commitId = newId();
      const entries = events.map((e): StoredFeedEntry => ({ event: e.event, data: e.data, at }));
      this.#feed.push({ agentId, commitId, entries });
      entries.forEach((value, i) =>
        feedWrites.push({
          op: "set",
          key: keys.feedEntry(agentId, commitId, i),
          value,
          expireIn: FEED_TTL_MS,
        })
      );
      feedWrites.push({
        op: "sum",
        key: keys.feedHead(agentId),
        value: new Deno.KvU64(BigInt(events.length)),
      });
    }
    if (this.#reads.size > MAX_CHECKS) {
      throw new Error(`commit would check ${this.#reads.size} keys (max ${MAX_CHECKS})`);
    }
    const op = this.kv.atomic();
    for (const r of this.#reads.values()) op.check({ key: r.key, versionstamp: r.versionstamp });
    for (const s of [...lastWrites(this.#staged), ...feedWrites]) {
      if (s.op === "set") op.set(s.key, s.value, s.expireIn ? { expireIn: s.expireIn } : undefined);
      else if (s.op === "delete") op.delete(s.key);
      else if (s.op === "sum") op.sum(s.key, s.value.value);
      else op.enqueue(s.value, s.options);
    }
    return await op.commit();
  }

  /** Hands the committed feed entries to this process's listeners (see `onFeedCommit`). @internal */
  publishFeed(): void {
    const listeners = feedListeners.get(this.kv);
    if (!listeners?.size || !this.#feed.length || !this.versionstamp) return;
    const versionstamp = this.versionstamp;
    const committed = this.#feed.map((f) => ({ ...f, versionstamp }));
    for (const fn of listeners) {
      try {
        fn(committed);
      } catch (e) {
        console.error("feed listener failed:", e);
      }
    }
  }

  /** @internal */
  async runAfter(): Promise<void> {
    for (const fn of this.#after) {
      try {
        await fn();
      } catch (e) {
        console.error("post-commit hook failed:", e);
      }
    }
  }
}

/** Commit counter, read by the benchmark (commits per interaction). */
export const stats = { commits: 0, conflicts: 0 };

export type TransactOptions = {
  /**
   * Keys of the actors this command acts on (e.g. the interaction and the acting agent): the
   * attempts run holding this process's lock on each (lib/server/keyed_lock.ts), so commands of one
   * process on one actor take turns instead of failing each other's checks. Post-commit hooks
   * run after the lock is released.
   */
  lock?: readonly Deno.KvKey[];
};

/**
 * Runs `body` in an optimistic transaction and commits its staged effects atomically.
 * The body must be free of side effects other than through `tx` (it may run several times).
 */
export async function transact<T>(
  kv: Deno.Kv,
  body: (tx: Tx, attempt: number) => Promise<T>,
  options: TransactOptions = {},
): Promise<T> {
  const { result, tx } = options.lock?.length
    ? await lockOf(kv).run(options.lock.map(keyId), () => attempts(kv, body))
    : await attempts(kv, body);
  await tx.runAfter();
  return result;
}

/** Runs the body until it commits (or answers from consistent reads), bounded. */
async function attempts<T>(
  kv: Deno.Kv,
  body: (tx: Tx, attempt: number) => Promise<T>,
): Promise<{ result: T; tx: Tx }> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const tx = new Tx(kv);
    let result: T;
    try {
      result = await body(tx, attempt);
    } catch (e) {
      // A refusal (409 invalid state, 404…) decided on reads that were never all current at
      // once is no refusal: look again. Only a consistent view may answer with an error.
      if (await tx.readsStillCurrent()) throw e;
      await conflicted(attempt);
      continue;
    }
    if (tx.isEmpty) {
      // Nothing to commit, so no commit checks the reads: an answer drawn from them must.
      if (!(await tx.readsStillCurrent())) {
        await conflicted(attempt);
        continue;
      }
      return { result, tx };
    }
    const res = await tx.commit();
    if (res.ok) {
      stats.commits++;
      tx.versionstamp = res.versionstamp;
      // At once, not after the lock and hooks: the streams of this process show it sooner.
      tx.publishFeed();
      return { result, tx };
    }
    await conflicted(attempt);
  }
  throw new TooMuchContention();
}

/** Counts a conflict and waits a little (jittered, growing) before the next attempt. */
async function conflicted(attempt: number): Promise<void> {
  stats.conflicts++;
  await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, 2 ** attempt)));
}

/** Runs a read-only body; nothing is committed. */
export async function read<T>(kv: Deno.Kv, body: (tx: Tx) => Promise<T>): Promise<T> {
  return await body(new Tx(kv));
}
