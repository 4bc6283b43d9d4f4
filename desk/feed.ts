/**
 * Reading an agent's live feed (ARCHITECTURE.md "Live updates").
 *
 * A commit writes its events for an agent under `["feed", agentId, <commit id>, <index>]` and
 * adds their number to the agent's head (a `Deno.KvU64`, with `sum`): no checked counter, so
 * commits that concern one agent never conflict over its feed (lib/server/actor.ts). The order of the
 * feed is the order of the commits — each entry's versionstamp, then its index — which the
 * commit id (a ULID taken just before committing) only approximates: an entry whose commit took
 * a while, or came from another process, may land after entries with later ids.
 *
 * A reader therefore works in rounds. It reads the head first: every entry whose versionstamp
 * is at most the head's has landed, and the head's count says how many entries landed since the
 * previous round. It lists from where it stood (`scanFrom`), keeps the entries of commits after
 * the previous round's head and up to this one's, and when it found fewer than the count says,
 * it looks further back for the late ones. So a live stream never skips an entry, whichever
 * process wrote it. A stream resuming from an event id has no count yet: its first round reads
 * back a window (`RESUME_WINDOW_MS`) before that event's commit id.
 *
 * A live stream of this process does not read back what this process committed: `live` hands it
 * the entries of each of its commits as they land (`onFeedCommit`), and a round whose head count
 * is exactly matched by entries held so takes them without listing (one read, the head). Any
 * shortfall — another process's commit, a hand-over not arrived yet — lists from KV as above.
 *
 * Event ids are `<versionstamp>.<index>.<commit id>` (20 hex digits, a number, a ULID).
 *
 * An entry rewritten later (`rewriteFeedEntry`: an anonymisation scrubs the copies of a message)
 * gets a new versionstamp from that rewrite, which neither bumps the head nor is its place in the
 * feed: it keeps the first one in its value, so readers neither miss it (a versionstamp after the
 * head reads as "not landed yet", for good) nor give it out twice.
 */
import { decodeTime, encodeTime } from "ulid";
import {
  type CommittedFeed,
  FEED_TTL_MS,
  newId,
  onFeedCommit,
  type StoredFeedEntry,
} from "../lib/server/actor.ts";
import { keys } from "../lib/server/keys.ts";

export type FeedItem = { id: string; event: string; data: Record<string, unknown> };

/** How far before a resumed event's commit id its first round looks for commits landing late. */
export const RESUME_WINDOW_MS = 10_000;
/** The index of a position after every entry of its commit. */
const AFTER_COMMIT = 999_999;
const NO_STAMP = "0".repeat(20);
const ID = /^([0-9a-f]{20})\.(\d{1,6})\.([0-9A-HJKMNP-TV-Z]{26})$/;

type Position = { stamp: string; index: number; commitId: string };
type Listed = { commitId: string; index: number; stamp: string; value: StoredFeedEntry };

const formatId = (p: Position) => `${p.stamp}.${p.index}.${p.commitId}`;

/** Parses an event id; null for anything else (an old numeric id, garbage). */
export function parseFeedId(id: string | undefined | null): Position | null {
  const m = id ? ID.exec(id) : null;
  return m ? { stamp: m[1], index: Number(m[2]), commitId: m[3] } : null;
}

const after = (a: { stamp: string; index: number }, b: { stamp: string; index: number }) =>
  a.stamp > b.stamp || (a.stamp === b.stamp && a.index > b.index);

/** A commit-id bound `ms` before `commitId`'s time (sorts before every id of that millisecond). */
const idBefore = (commitId: string, ms: number) => encodeTime(Math.max(0, decodeTime(commitId) - ms), 10);

type Head = { stamp: string; count: bigint };

/** `getMany` takes at most this many keys. */
const HEADS_PER_READ = 10;

/** Head reads asked for in this turn, per store: read together (see `head`). */
const askedHeads = new WeakMap<Deno.Kv, { agentId: string; done: PromiseWithResolvers<Head> }[]>();

/**
 * An agent's feed head, read as it stands now. The reads asked for in one turn of the event loop
 * go out together, ten keys a `getMany`: one commit offering to several agents wakes their
 * streams at once, and each read is a request waiting its turn on the store's one SQLite thread.
 */
function head(kv: Deno.Kv, agentId: string): Promise<Head> {
  let asked = askedHeads.get(kv);
  if (!asked) {
    const batch: { agentId: string; done: PromiseWithResolvers<Head> }[] = asked = [];
    askedHeads.set(kv, batch);
    // Two hops: streams woken together reach their read a hop or so apart.
    Promise.resolve().then(() =>
      queueMicrotask(() => {
        askedHeads.delete(kv);
        for (let i = 0; i < batch.length; i += HEADS_PER_READ) {
          void readHeads(kv, batch.slice(i, i + HEADS_PER_READ));
        }
      })
    );
  }
  const done = Promise.withResolvers<Head>();
  asked.push({ agentId, done });
  return done.promise;
}

async function readHeads(kv: Deno.Kv, batch: { agentId: string; done: PromiseWithResolvers<Head> }[]) {
  try {
    const entries = await kv.getMany<Deno.KvU64[]>(batch.map((b) => keys.feedHead(b.agentId)));
    entries.forEach((h, i) =>
      batch[i].done.resolve({ stamp: h.versionstamp ?? NO_STAMP, count: h.value?.value ?? 0n })
    );
  } catch (e) {
    for (const b of batch) b.done.reject(e);
  }
}

/**
 * The feed position "now": an event id that a stream may resume from to get every event
 * committed after this call (the routing view renders it into the page before reading folders).
 */
export async function feedCursor(kv: Deno.Kv, agentId: string): Promise<string> {
  const h = await head(kv, agentId);
  return formatId({ stamp: h.stamp, index: AFTER_COMMIT, commitId: newId() });
}

/** At most this many handed-over entries wait for a round; past it the round reads KV. */
const MAX_HELD = 1_000;

/** The live readers of each store, by agent (see `FeedReader.live`). */
const liveReaders = new WeakMap<Deno.Kv, Map<string, Set<FeedReader>>>();

function liveReadersOf(kv: Deno.Kv): Map<string, Set<FeedReader>> {
  let byAgent = liveReaders.get(kv);
  if (!byAgent) {
    const readers = byAgent = new Map();
    liveReaders.set(kv, readers);
    onFeedCommit(kv, (committed) => {
      for (const c of committed) for (const r of readers.get(c.agentId) ?? []) r.take(c);
    });
  }
  return byAgent;
}

/** Reads one agent's feed in commit order, round after round, from a position or from now. */
export class FeedReader {
  /** Entries of this process's commits handed over since the last round (see `live`). */
  #held: Listed[] = [];
  #onTake: ((versionstamp: string) => void) | null = null;
  /** Entries already given out whose commit id is at or after `#scanFrom`. */
  #seen = new Set<string>();
  #scanFrom: string;
  /** The head at the end of the previous round (null before a resumed stream's first round). */
  #head: Head | null;
  /** A resumed stream's first round gives out what comes after this position. */
  #resumeAfter: Position | null;

  private constructor(
    readonly kv: Deno.Kv,
    readonly agentId: string,
    from: Position | null,
    current: Head | null,
  ) {
    this.#resumeAfter = from;
    this.#head = current;
    this.#scanFrom = from ? idBefore(from.commitId, RESUME_WINDOW_MS) : newId();
  }

  /** A reader after the event `lastEventId` (see `parseFeedId`), or from now without one. */
  static async open(kv: Deno.Kv, agentId: string, lastEventId?: string | null): Promise<FeedReader> {
    const from = parseFeedId(lastEventId);
    return new FeedReader(kv, agentId, from, from ? null : await head(kv, agentId));
  }

  /**
   * Takes this process's commits for the agent from memory while the returned stop is not
   * called, calling `onTake` with each one's versionstamp (the head's then: a stream wakes on it).
   */
  live(onTake: (versionstamp: string) => void): () => void {
    const readers = liveReadersOf(this.kv);
    let set = readers.get(this.agentId);
    if (!set) readers.set(this.agentId, set = new Set());
    set.add(this);
    this.#onTake = onTake;
    return () => {
      set.delete(this);
      if (set.size === 0 && readers.get(this.agentId) === set) readers.delete(this.agentId);
      this.#onTake = null;
      this.#held = [];
    };
  }

  /** A commit of this process for the agent (see `live`). @internal */
  take(c: CommittedFeed): void {
    // Too many waiting (a stalled stream): drop them all, the next round reads KV.
    if (this.#held.length + c.entries.length > MAX_HELD) this.#held = [];
    else {
      c.entries.forEach((value, index) =>
        this.#held.push({ commitId: c.commitId, index, stamp: c.versionstamp, value })
      );
    }
    this.#onTake?.(c.versionstamp);
  }

  /** The held entries landed between two heads, when they are all of them (else null). */
  #fromMemory(
    prev: Head,
    now: Head,
  ): Listed[] | null {
    if (this.#resumeAfter) return null;
    const landed = this.#held.filter((e) => e.stamp > prev.stamp && e.stamp <= now.stamp);
    // The head counts every entry committed between the two reads: as many held means all.
    if (BigInt(landed.length) !== now.count - prev.count) return null;
    return landed;
  }

  /** The entries committed since the previous round, in commit order (empty when none). */
  async next(): Promise<FeedItem[]> {
    const now = await head(this.kv, this.agentId);
    const prev = this.#head;
    if (prev && now.stamp === prev.stamp) return [];
    const held = prev ? this.#fromMemory(prev, now) : null;
    this.#held = this.#held.filter((e) => e.stamp > now.stamp);
    if (held) {
      held.sort(byPosition);
      this.#head = now;
      // Listing (when a later round must) starts at the latest of these; entries of commits
      // landing late are found by the count's look-back, as for a listed round.
      const latest = held.reduce((a, e) => (e.commitId > a ? e.commitId : a), this.#scanFrom);
      if (latest > this.#scanFrom) {
        this.#scanFrom = latest;
        for (const id of this.#seen) if (id < latest) this.#seen.delete(id);
      }
      return held.map(itemOf);
    }
    const fresh = (e: Listed) =>
      !this.#seen.has(`${e.commitId}.${e.index}`) && e.stamp <= now.stamp &&
      (prev ? e.stamp > prev.stamp : !this.#resumeAfter || after(e, this.#resumeAfter));
    const listed = await this.#list(this.#scanFrom, null);
    const found = listed.filter(fresh);
    if (prev && BigInt(found.length) < now.count - prev.count) {
      // Fewer than the head counts: some commit landed after entries with later ids. Look back
      // a little, then everywhere (entries expire after a day, so "everywhere" is bounded).
      const near = await this.#list(idBefore(this.#scanFrom, RESUME_WINDOW_MS), this.#scanFrom);
      found.push(...near.filter(fresh));
      if (BigInt(found.length) < now.count - prev.count) {
        const far = await this.#list(null, idBefore(this.#scanFrom, RESUME_WINDOW_MS));
        found.push(...far.filter(fresh));
      }
    }
    found.sort(byPosition);
    for (const e of found) this.#seen.add(`${e.commitId}.${e.index}`);
    // Next round lists from the earliest entry not yet landed in this round's view, else from
    // the latest one seen; what is before it and already given out is forgotten.
    const waiting = listed.filter((e) => e.stamp > now.stamp).map((e) => e.commitId);
    const next = waiting.length ? waiting.reduce((a, b) => (a < b ? a : b)) : listed.at(-1)?.commitId;
    if (next && next > this.#scanFrom) {
      this.#scanFrom = next;
      for (const id of this.#seen) if (id < next) this.#seen.delete(id);
    }
    this.#head = now;
    this.#resumeAfter = null;
    return found.map(itemOf);
  }

  async #list(from: string | null, to: string | null): Promise<Listed[]> {
    const prefix = keys.feed(this.agentId);
    const out: Listed[] = [];
    const start = from === null ? {} : { start: [...prefix, from] };
    const selector: Deno.KvListSelector = to === null
      ? { prefix, ...start }
      : from === null
      ? { prefix, end: [...prefix, to] }
      : { start: [...prefix, from], end: [...prefix, to] };
    for await (const e of this.kv.list<StoredFeedEntry>(selector)) {
      const [, , commitId, index] = e.key;
      if (typeof commitId !== "string" || typeof index !== "number") continue;
      out.push({ commitId, index, stamp: positionOf(e), value: e.value });
    }
    return out;
  }
}

const byPosition = (
  a: Listed,
  b: Listed,
) => (a.stamp < b.stamp ? -1 : a.stamp > b.stamp ? 1 : a.index - b.index);

const itemOf = (e: Listed): FeedItem => ({ id: formatId(e), event: e.value.event, data: e.value.data });

/** Where an entry stands in the feed: its first commit's versionstamp. */
const positionOf = (e: Deno.KvEntry<StoredFeedEntry>) => e.value.stamp ?? e.versionstamp;

/**
 * Replaces an entry's data in place, keeping its place in the feed (and its expiry window from
 * now). Checks the entry as read; false when it changed meanwhile (read it again) or is gone.
 */
export async function rewriteFeedEntry(
  kv: Deno.Kv,
  e: Deno.KvEntry<StoredFeedEntry>,
  data: Record<string, unknown>,
): Promise<boolean> {
  const value: StoredFeedEntry = { ...e.value, data, stamp: positionOf(e) };
  const r = await kv.atomic().check(e).set(e.key, value, { expireIn: FEED_TTL_MS }).commit();
  return r.ok;
}
