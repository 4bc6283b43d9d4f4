/**
 * The leased polling scheduler (`KV_QUEUES=off`): each process holds leases on a fair share of
 * the shards (`lib/server/scheduler.ts` decides which), renews them while alive, and polls the due
 * `scheduled` keys of the shards it holds. A handled key is deleted by a commit that checks it;
 * a handler that fails unexpectedly is tried again later (a delivery ends as undeliverable).
 * A process that dies stops renewing: its shards go to the others once its leases end. Handlers
 * are idempotent (epoch checks, delivery records), so a key handled twice around a hand-over
 * does no harm.
 */
import { keys } from "../lib/server/keys.ts";
import { newId } from "../lib/server/actor.ts";
import { failureDelay, type Lease, planLeases, SCHEDULE_SHARDS } from "../lib/server/scheduler.ts";
import type { Desk } from "./desk.ts";
import { scheduledKey, type ScheduledWork, workIdOf } from "./schedule.ts";
import { handleQueueMessage } from "./timers.ts";

export type SchedulerOptions = {
  /** How long a lease lasts without renewal (ms): a dead process's work waits at most this long. */
  leaseMs?: number;
  /** How often leases are renewed (ms). */
  renewMs?: number;
  /** How often due work is looked for (ms). */
  pollMs?: number;
};

/** Unexpected failures of one piece of work before a delivery is given up as undeliverable. */
const MAX_FAILURES = 5;
/** Due keys read per shard and poll. */
const BATCH = 100;

export class PollingScheduler {
  readonly processId = newId();
  readonly #leaseMs: number;
  readonly #renewMs: number;
  readonly #pollMs: number;
  /** Shards held, with the end of each lease (this process's clock). */
  #held = new Map<number, number>();
  #busy = new Set<number>();
  #timers: ReturnType<typeof setInterval>[] = [];
  #renewing: Promise<void> | null = null;
  #stopping = false;
  #rounds = 0;

  constructor(
    private readonly desk: Desk,
    /** Tracks handler promises so the runtime can wait for them when it stops. */
    private readonly track: <T>(p: Promise<T>) => Promise<T>,
    o: SchedulerOptions = {},
  ) {
    this.#leaseMs = o.leaseMs ?? 1_200;
    this.#renewMs = o.renewMs ?? Math.round(this.#leaseMs / 4);
    this.#pollMs = o.pollMs ?? 200;
  }

  /** Shards whose lease this process holds now. */
  get leasesHeld(): number {
    const now = Date.now();
    return [...this.#held.values()].filter((until) => until > now).length;
  }

  /** True once a lease round has completed and until `stop`. */
  get running(): boolean {
    return this.#rounds > 0 && !this.#stopping;
  }

  /** Takes a first share of the leases, then keeps renewing and polling. */
  async start(): Promise<void> {
    await this.#renewRound();
    this.#timers.push(setInterval(() => void this.#renewRound(), this.#renewMs));
    this.#timers.push(setInterval(() => this.#pollRound(), this.#pollMs));
    this.#pollRound();
  }

  /** Stops polling and gives the leases back, so the other processes take the shards at once. */
  async stop(): Promise<void> {
    this.#stopping = true;
    for (const t of this.#timers) clearInterval(t);
    await this.#renewing;
    const kv = this.desk.kv;
    for (const shard of this.#held.keys()) {
      const e = await kv.get<Lease>(keys.schedulerLease(shard));
      if (e.value?.owner === this.processId) await kv.atomic().check(e).delete(e.key).commit();
    }
    await kv.delete(keys.schedulerMember(this.processId));
    this.#held.clear();
  }

  #renewRound(): Promise<void> {
    if (this.#renewing || this.#stopping) return this.#renewing ?? Promise.resolve();
    this.#renewing = this.#renew().catch((e) => {
      // KV unreachable or closed: hold nothing rather than poll on stale leases.
      if (!this.#stopping) console.error("scheduler lease round failed:", e);
      this.#held.clear();
    }).finally(() => (this.#renewing = null));
    return this.#renewing;
  }

  async #renew(): Promise<void> {
    const kv = this.desk.kv;
    const now = Date.now();
    const until = now + this.#leaseMs;
    const me = keys.schedulerMember(this.processId);
    // Live processes, this one included (its heartbeat is written with the leases below).
    let members = 1;
    for await (const m of kv.list<{ until: number }>({ prefix: keys.schedulerMembers() })) {
      if (m.value.until > now && m.key[1] !== this.processId) members++;
    }
    const entries: (Deno.KvEntry<Lease> | null)[] = Array(SCHEDULE_SHARDS).fill(null);
    for await (const e of kv.list<Lease>({ prefix: keys.schedulerLeases() })) {
      const shard = e.key[1] as number;
      if (shard < SCHEDULE_SHARDS) entries[shard] = e;
    }
    const plan = planLeases({
      me: this.processId,
      shards: SCHEDULE_SHARDS,
      now,
      leases: entries.map((e) => e?.value ?? null),
      members,
    });
    const lease: Lease = { owner: this.processId, until };
    const stage = (op: Deno.AtomicOperation, shard: number) =>
      op.check({ key: keys.schedulerLease(shard), versionstamp: entries[shard]?.versionstamp ?? null })
        .set(keys.schedulerLease(shard), lease, { expireIn: this.#leaseMs });
    const wanted = [...plan.renew, ...plan.claim];
    const held = new Map<number, number>();
    // One commit renews and claims everything with the heartbeat (SCHEDULE_SHARDS ≤ MAX_CHECKS);
    // if another process took one of them meanwhile, each is tried alone.
    const all = kv.atomic().set(me, { until }, { expireIn: this.#leaseMs });
    for (const shard of wanted) stage(all, shard);
    if ((await all.commit()).ok) {
      for (const shard of wanted) held.set(shard, until);
    } else {
      await kv.set(me, { until }, { expireIn: this.#leaseMs });
      for (const shard of wanted) {
        if ((await stage(kv.atomic(), shard).commit()).ok) held.set(shard, until);
      }
    }
    for (const shard of plan.release) {
      const e = entries[shard];
      if (e) await kv.atomic().check(e).delete(e.key).commit();
    }
    if (!this.#stopping) this.#held = held;
    this.#rounds++;
  }

  #pollRound(): void {
    if (this.#stopping) return;
    // A margin keeps this process from working on a lease that may end while it works.
    const safe = Date.now() + Math.min(200, this.#leaseMs / 4);
    for (const [shard, until] of this.#held) {
      if (until <= safe || this.#busy.has(shard)) continue;
      this.#busy.add(shard);
      void this.track(this.#pollShard(shard))
        .catch((e) => !this.#stopping && console.error(`scheduler shard ${shard} failed:`, e))
        .finally(() => this.#busy.delete(shard));
    }
  }

  async #pollShard(shard: number): Promise<void> {
    const kv = this.desk.kv;
    const end = keys.scheduled(shard, this.desk.ctx.now() + 1, "");
    const due: Deno.KvEntry<ScheduledWork>[] = [];
    for await (
      const e of kv.list<ScheduledWork>({ start: keys.scheduledShard(shard), end }, { limit: BATCH })
    ) {
      due.push(e);
    }
    await Promise.all(due.map((e) => this.#run(e)));
  }

  async #run(e: Deno.KvEntry<ScheduledWork>): Promise<void> {
    if (this.#stopping) return;
    const kv = this.desk.kv;
    const { msg, failures } = e.value;
    try {
      if ((await handleQueueMessage(this.desk, msg)) === "interrupted") return;
    } catch (err) {
      // Unexpected (a queue would retry it too): try again later; a delivery gives up at last.
      const n = failures + 1;
      const op = kv.atomic().check(e).delete(e.key);
      if (msg.type === "delivery" && n >= MAX_FAILURES) op.set(keys.undeliverable(msg.id), msg);
      else op.set(scheduledKey(msg, this.desk.ctx.now() + failureDelay(n)), { msg, failures: n });
      await op.commit();
      console.error(`scheduled ${workIdOf(msg)} failed (${n}):`, err);
      return;
    }
    // The handler may have staged this same key again (a timer chained to its due time): the check keeps it.
    await kv.atomic().check(e).delete(e.key).commit();
  }
}
