/**
 * Server-only: the pure parts of the leased polling scheduler (used when KV queues are off).
 *
 * Scheduled work (timers, deliveries, upload expiries) is stored under a shard derived from
 * its id; each shard is polled by the one process holding its lease. A lease is a KV key with
 * an owner and an end time, claimed and renewed by commits that check it, so two processes
 * never both believe they hold a live one; a process that dies stops renewing and its shards
 * go to the others once the lease ends. Everything here is a function of its inputs (no KV,
 * no clock) so the decisions can be tested alone.
 */

import { Invalid } from "../shared/errors.ts";

/** Number of shards. Every process on one store must use the same number (it is part of the keys). */
export const SCHEDULE_SHARDS = 8;

/** A shard's lease as stored: who holds it, and until when (ms since the epoch). */
export type Lease = { owner: string; until: number };

/** The shard of a piece of work: FNV-1a of its id, so every process computes the same one. */
export function shardOf(id: string, shards = SCHEDULE_SHARDS): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % shards;
}

export type LeasePlanInput = {
  /** This process. */
  me: string;
  shards: number;
  now: number;
  /** The stored lease of each shard (index = shard), null when there is none. */
  leases: readonly (Lease | null)[];
  /** How many processes are alive (heartbeats not yet expired), this one included. */
  members: number;
};

/** What to commit: leases to extend, free ones to take, and extra ones to give back. */
export type LeasePlan = { renew: number[]; claim: number[]; release: number[] };

/**
 * Which shards this process should hold: its fair share (shards / live processes, rounded up),
 * keeping the ones it holds, taking free or expired ones, and giving back what exceeds its
 * share so a process that just started gets work. Free shards are taken starting at an offset
 * derived from the process id, so processes starting together mostly try different shards.
 */
export function planLeases(i: LeasePlanInput): LeasePlan {
  const share = Math.ceil(i.shards / Math.max(1, i.members));
  const live = (l: Lease | null): l is Lease => l !== null && l.until > i.now;
  const mine: number[] = [];
  const free: number[] = [];
  const start = shardOf(i.me, i.shards);
  for (let k = 0; k < i.shards; k++) {
    const shard = (start + k) % i.shards;
    const lease = i.leases[shard] ?? null;
    if (live(lease) && lease.owner === i.me) mine.push(shard);
    else if (!live(lease)) free.push(shard);
  }
  const renew = mine.slice(0, share);
  const release = mine.slice(share);
  const claim = free.slice(0, Math.max(0, share - renew.length));
  return { renew, claim, release };
}

/**
 * Delay before retrying work whose handler failed unexpectedly (a delivery's expected failures
 * follow its own backoff): doubling from 1 s, at most a minute.
 */
export const failureDelay = (failures: number): number =>
  Math.min(60_000, 1_000 * 2 ** Math.max(0, failures - 1));

/** `KV_QUEUES` (API.md): `auto` (default) is off for a KV Connect URL, which has no queues. */
export function queuesFromEnv(value: string | undefined, kvPath: string): boolean {
  const v = (value ?? "auto").trim().toLowerCase();
  const remote = /^https?:\/\//i.test(kvPath);
  if (v === "on") {
    // Deno's KV Connect client refuses every enqueue: a desk started so would report ready, then
    // answer 500 to the first reply or timer. Refuse at start instead.
    if (remote) {
      throw new Invalid("KV_QUEUES=on needs Deno KV queues, which a KV Connect URL does not have.", [
        { path: "KV_QUEUES", message: "auto or off when KV_PATH is an http(s):// URL" },
      ], "invalid_env");
    }
    return true;
  }
  if (v === "off") return false;
  if (v === "auto" || v === "") return !remote;
  throw new Invalid(`KV_QUEUES must be auto, on or off (got "${value}").`, [
    { path: "KV_QUEUES", message: "auto, on or off" },
  ], "invalid_env");
}
