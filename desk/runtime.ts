/**
 * Starting the desk on a KV store: sync agents from the configuration, consume the KV queue
 * and fire overdue timers left by a crash (or, with queues off, run the leased polling scheduler), and keep two safety nets running (a timer sweep and a
 * dispatch tick, for work another process freed). Stopping drains: no new work is taken, the
 * work in flight finishes (bounded), and only then may the caller close the store.
 */
import type { Config } from "../lib/shared/config.ts";
import type { Clock } from "../lib/shared/time.ts";
import { importFile } from "./config_store.ts";
import { applyVersion, ConfigFollower } from "./config_follow.ts";
import { ensureAppSecrets } from "./secrets.ts";
import { Desk } from "./desk.ts";
import { ensureFolderCounts } from "./folder_counts.ts";
import { dropRetiredIndexes, ensureSupervision } from "./supervisor_backfill.ts";
import { sweepOldMinutesEveryMinute } from "./supervisor_sweep.ts";
import { handleQueueMessage, sweepTimers } from "./timers.ts";
import { followPairLog, loadPairIndex } from "./assistant/service.ts";
import { PollingScheduler, type SchedulerOptions } from "./scheduler.ts";
import { adoptScheduledWork } from "./schedule_mode.ts";
import { SERVER_STOPPING } from "../lib/server/streams.ts";
import { announceProcess } from "../lib/server/wake_ups.ts";

export type RuntimeOptions = {
  kv: Deno.Kv;
  config: Config;
  clock?: Clock;
  deliveryBackoff?: number[];
  deliveryTimeout?: number;
  /** Period of the overdue-timer sweep and dispatch tick (ms). */
  tickMs?: number;
  /**
   * How long `stop()` waits for queue handlers in flight (ms) before it aborts the outbound HTTP
   * attempts still running (those are retried later: the attempt is not counted).
   */
  drainMs?: number;
  /**
   * `true` (default): timers and deliveries ride KV queues, with a sweep as safety net. `false`
   * (`KV_QUEUES=off`, what a remote KV needs): no queue is used; the leased polling scheduler fires them.
   */
  queues?: boolean;
  /** How often the reply assistant's index reads the pair log of other processes (ms). */
  followMs?: number;
  /** Lease and polling periods of the polling scheduler (queues off). */
  scheduler?: SchedulerOptions;
};

export type Runtime = {
  desk: Desk;
  /**
   * The first step of stopping, at once: `desk.draining` is set (`/readyz` answers 503) and every
   * open event stream is told `server.stopping` and closed, so an HTTP server's graceful
   * shutdown is not held up by streams that never end. `stop()` begins with it.
   */
  beginStopping(): void;
  /** Stops taking work, waits for the work in flight, then resolves: the store may be closed. */
  stop(): Promise<void>;
  /** Queue handlers and ticks running now (tests). */
  readonly inFlight: number;
  /** What readiness and metrics report about scheduling. */
  status(): RuntimeStatus;
};

export type RuntimeStatus = {
  /** `stop()` was called: the process is draining. */
  stopping: boolean;
  /** "queues" (KV queues) or "polling" (the leased polling scheduler). */
  scheduling: "queues" | "polling";
  /** The queue listener or the polling scheduler is running. */
  schedulerRunning: boolean;
  /** Scheduler shard leases this process holds (0 with queues). */
  leasesHeld: number;
  /** The id this process's scheduler holds leases under (null with queues). */
  processId: string | null;
};

/** What a queue handler returns for a message it will not handle: never settled, so never acknowledged. */
const LEFT_FOR_LATER = new Promise<void>(() => {});

/** Promises of work in flight, so stopping can wait for them. */
class InFlight {
  #running = new Set<Promise<unknown>>();

  get size(): number {
    return this.#running.size;
  }

  track<T>(p: Promise<T>): Promise<T> {
    this.#running.add(p);
    const done = () => void this.#running.delete(p);
    p.then(done, done);
    return p;
  }

  /** Resolves once nothing is in flight, or after `ms`; true when everything finished. */
  async idle(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (this.#running.size) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<void>((r) => (timer = setTimeout(r, left)));
      await Promise.race([Promise.allSettled([...this.#running]), timeout]);
      clearTimeout(timer);
    }
    return true;
  }
}

export async function startDesk(o: RuntimeOptions): Promise<Runtime> {
  const queues = o.queues ?? true;
  const desk = new Desk({ ...o, queues });
  // Before anything can move an interaction: counters of a store that predates them.
  await ensureFolderCounts(o.kv);
  await ensureSupervision(o.kv);
  await dropRetiredIndexes(o.kv);
  // The file seeds the configuration in KV; the latest stored version is what runs (SPEC M1a).
  const seeded = await importFile(o.kv, () => desk.ctx.now(), o.config);
  await applyVersion(desk, seeded.version, seeded.payload);
  const follower = new ConfigFollower(desk);
  follower.start();
  await ensureAppSecrets(o.kv);
  // The reply assistant's similar-questions index lives in memory: rebuild it before serving.
  await loadPairIndex(desk);
  // Work staged by processes of the other mode (the store changed KV_QUEUES) is taken over.
  await adoptScheduledWork(desk);
  const work = new InFlight();
  // Other processes on this store make live streams poll for their commits (lib/server/wake_ups.ts).
  const announcement = announceProcess(o.kv);
  let stopping = false;
  let scheduler: PollingScheduler | null = null;
  if (queues) {
    const listening = o.kv.listenQueue((msg) => {
      // A message handed out while stopping is left unacknowledged: the store hands it out again
      // later (on a persistent store, to the next process), as if this one had stopped before.
      if (stopping) return LEFT_FOR_LATER;
      return work.track(handleQueueMessage(desk, msg)).then((
        r,
      ) => (r === "interrupted" ? LEFT_FOR_LATER : r));
    });
    // It ends when the store closes (after stop); anything else is worth a line.
    listening.catch((e) => !stopping && console.error("queue listener failed:", e));
    await sweepTimers(desk);
  } else {
    scheduler = new PollingScheduler(desk, (p) => work.track(p), o.scheduler);
    await scheduler.start();
  }
  // Other processes' agent commits (freed capacity) start dispatch passes here too.
  desk.dispatcher.follow();
  void work.track(
    desk.dispatcher.pool.warm().catch(() => {/* the store closed: the first offer loads it */}),
  );
  const tickMs = o.tickMs ?? 5_000;
  let ticking = false;
  const tick = setInterval(() => {
    if (ticking || stopping) return;
    ticking = true;
    void work.track((async () => {
      try {
        // With queues off the scheduler's leases are the safety net: a dead process's shards move.
        if (queues) await sweepTimers(desk, 2_000);
        desk.dispatcher.requestAll();
        // Per-minute trend keys are sums, which cannot expire: old minutes are deleted here.
        await sweepOldMinutesEveryMinute(desk);
      } catch (e) {
        console.error("tick failed:", e);
      } finally {
        ticking = false;
      }
    })());
  }, tickMs);
  // The reply assistant's index follows pairs added or anonymised by other processes.
  let following = false;
  const follow = setInterval(() => {
    if (following || stopping) return;
    following = true;
    void work.track(followPairLog(desk))
      .catch((e) => !stopping && console.error("assistant pair log failed:", e))
      .finally(() => (following = false));
  }, o.followMs ?? 500);

  let stopped: Promise<void> | null = null;
  const beginStopping = () => {
    if (desk.draining) return;
    desk.draining = true;
    desk.streams.closeAll({ event: SERVER_STOPPING, data: { interactionId: null, reason: "shutdown" } });
  };
  const drain = async () => {
    beginStopping();
    stopping = true;
    clearInterval(tick);
    await follower.stop();
    clearInterval(follow);
    await scheduler?.stop();
    if (!(await work.idle(o.drainMs ?? 5_000))) {
      // Deliveries still waiting on a slow endpoint: abort them (they are retried later).
      desk.ctx.shutdown.abort();
      await work.idle(5_000);
    }
    // Commits of the handlers may have asked for dispatch passes; after these, none starts.
    desk.dispatcher.close();
    await desk.dispatcher.settle();
    await announcement.stop();
  };
  return {
    desk,
    beginStopping,
    stop: () => (stopped ??= drain()),
    get inFlight() {
      return work.size;
    },
    status: () => ({
      // Draining starts with `beginStopping` (streams told, `/readyz` 503), before `stop()`.
      stopping: stopping || desk.draining,
      scheduling: queues ? "queues" : "polling",
      schedulerRunning: !stopping && (scheduler ? scheduler.running : true),
      leasesHeld: scheduler?.leasesHeld ?? 0,
      processId: scheduler?.processId ?? null,
    }),
  };
}
