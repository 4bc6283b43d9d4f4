/**
 * The per-owner stream limit across processes (issue 10 item 6, SPEC O1): each open stream of
 * an owner (a session, a widget visitor) holds a lease record in KV, renewed while it is open
 * (every 10 s, ten a commit) and expiring by itself when its process dies. Opening one more than
 * the limit, on any process, marks the oldest leases of that owner evicted in the same commit as
 * its own; the process holding one finds it so at its next look (every 5 s) and closes that
 * stream (`stream.replaced`), at once when the stream is its own. A lease found expired instead
 * (its renewals starved) is claimed again: the stream stays.
 *
 * Load → decide → apply: the owner's head key (checked and rewritten by every opening) orders
 * concurrent openings; the leases are listed under it (a handful); `evictions` decides.
 */
import { transact } from "../lib/server/actor.ts";
import { keys } from "../lib/server/keys.ts";
import { sha256Hex } from "../lib/server/crypto.ts";
import type { ClosingEvent, SharedStreams } from "../lib/server/streams.ts";

/** A lease not renewed for this long is a stream gone with its process. */
export const LEASE_TTL_MS = 30_000;
/** How often a process looks at its streams' leases (finds those evicted elsewhere): reads. */
export const RENEW_MS = 5_000;
/** A lease older than this is rewritten at the next look (batched: 10 a commit). */
export const RENEW_AFTER_MS = LEASE_TTL_MS / 3;

/**
 * `evicted`: an opening past the limit replaced it (a tombstone, until its holder closes it). A
 * lease merely gone expired while its process was too slow to renew it: the stream is re-claimed.
 */
export type StreamLease = { openedAt: number; renewedAt: number; evicted?: true };

/** The leases to delete when `opening` joins `live` (oldest first beyond the limit). */
export function evictions(
  live: readonly { id: string; lease: StreamLease }[],
  perOwner: number,
  now: number,
): string[] {
  const current = live
    .filter((l) => !l.lease.evicted && now - l.lease.renewedAt < LEASE_TTL_MS)
    .toSorted((a, b) => a.lease.openedAt - b.lease.openedAt || (a.id < b.id ? -1 : 1));
  // The new stream counts as one: keep perOwner - 1 of the others.
  return current.slice(0, Math.max(0, current.length - (perOwner - 1))).map((l) => l.id);
}

/** An owner's name in keys: a digest (its first 16 bytes), since owners include session tokens. */
async function ownerKey(owner: string): Promise<string> {
  return (await sha256Hex(owner)).slice(0, 32);
}

/** A stream of this process: its owner, the owner's name in keys (a digest, made once), its claim. */
type Held = {
  owner: string;
  ownerKey: Promise<string>;
  close: (e: ClosingEvent) => void;
  opened: Promise<void>;
};

export class StreamLeases implements SharedStreams {
  #held = new Map<string, Held>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #renewing: Promise<void> | null = null;

  constructor(
    readonly kv: Deno.Kv,
    readonly perOwner: number,
    private readonly now: () => number = Date.now,
    readonly renewMs = RENEW_MS,
  ) {}

  /** Streams of this process holding a lease now. */
  get size(): number {
    return this.#held.size;
  }

  open(owner: string, close: (e: ClosingEvent) => void): () => void {
    const id = `${this.now().toString(36).padStart(10, "0")}-${crypto.randomUUID()}`;
    const held: Held = { owner, ownerKey: ownerKey(owner), close, opened: Promise.resolve() };
    this.#held.set(id, held);
    held.opened = this.#claim(held, id).catch((e) => {
      // The store refused (closing, contended): the stream stays, limited by this process only.
      if (this.#held.has(id)) console.error("stream lease failed:", e);
    });
    this.#schedule();
    return () => {
      if (!this.#held.delete(id)) return;
      void held.opened.then(() => this.#release(held, id));
      if (this.#held.size === 0) clearTimeout(this.#timer);
    };
  }

  async #claim(held: Held, id: string): Promise<void> {
    const o = await held.ownerKey;
    const evicted = await transact(this.kv, async (tx) => {
      const head = await tx.get<number>(keys.streamOwnerHead(o));
      const live: { id: string; lease: StreamLease }[] = [];
      for await (const e of this.kv.list<StreamLease>({ prefix: keys.streamLeases(o) }, { limit: 100 })) {
        live.push({ id: String(e.key[e.key.length - 1]), lease: e.value });
      }
      const now = this.now();
      const others = live.filter((l) => l.id !== id);
      const out = evictions(others, this.perOwner, now);
      for (const old of out) {
        const lease = others.find((l) => l.id === old)!.lease;
        tx.set(keys.streamLease(o, old), { ...lease, evicted: true } satisfies StreamLease, LEASE_TTL_MS);
      }
      tx.set(keys.streamLease(o, id), { openedAt: now, renewedAt: now } satisfies StreamLease, LEASE_TTL_MS);
      tx.set(keys.streamOwnerHead(o), (head ?? 0) + 1, LEASE_TTL_MS);
      return out;
    });
    // Ours are closed now; another process's find their lease gone at their next renewal.
    for (const old of evicted) this.#evicted(old);
  }

  async #release(held: Held, id: string): Promise<void> {
    await this.kv.delete(keys.streamLease(await held.ownerKey, id)).catch(() => {});
  }

  #evicted(id: string): void {
    const held = this.#held.get(id);
    if (!held) return;
    this.#held.delete(id);
    // Its tombstone goes with it (or expires by itself).
    void held.opened.then(() => this.#release(held, id));
    held.close({ event: "stream.replaced", data: { reason: "too_many_streams", limit: this.perOwner } });
  }

  #schedule(): void {
    if (this.#renewing || this.#held.size === 0) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#renewing = this.renew().finally(() => {
        this.#renewing = null;
        this.#schedule();
      });
    }, this.renewMs);
  }

  /** Renews every lease of this process; a lease found deleted closes its stream. */
  async renew(): Promise<void> {
    const held = [...this.#held];
    for (let i = 0; i < held.length; i += 10) {
      const batch = held.slice(i, i + 10);
      await Promise.all(batch.map(([, h]) => h.opened));
      const ks = await Promise.all(
        batch.map(async ([id, h]) => keys.streamLease(await h.ownerKey, id)),
      );
      const entries = await this.kv.getMany<StreamLease[]>(ks).catch(() => null);
      if (!entries) return; // the store is closing
      const now = this.now();
      // One commit renews the batch's leases that are a third of their life old (≤ 10 checks):
      // looking every few seconds is reads only.
      const renewal = this.kv.atomic();
      let stale = 0;
      for (const [j, e] of entries.entries()) {
        const [id] = batch[j];
        if (!this.#held.has(id)) continue;
        if (e.value?.evicted) {
          this.#evicted(id);
          continue;
        }
        if (!e.value) {
          // Expired unrenewed (a starved process), not replaced: claimed again, as if opened now.
          const h = this.#held.get(id)!;
          h.opened = this.#claim(h, id).catch(() => {});
          continue;
        }
        if (now - e.value.renewedAt < RENEW_AFTER_MS) continue;
        stale++;
        // Checked: a lease deleted meanwhile by an opening elsewhere stays deleted (the batch
        // then fails as a whole and is renewed at the next look, after that one is closed).
        renewal.check(e).set(e.key, { ...e.value, renewedAt: now }, { expireIn: LEASE_TTL_MS });
      }
      if (stale) await renewal.commit().catch(() => {});
    }
  }
}
