/**
 * Starting the desk on a KV store: sync agents from the configuration, consume the KV queue,
 * fire overdue timers left by a crash, and keep two safety nets running (a timer sweep and a
 * dispatch tick, for work another process freed). Stopping drains: no new work is taken, the
 * work in flight finishes (bounded), and only then may the caller close the store.
 */
import type { Config } from "../lib/config.ts";
import type { Clock } from "../lib/time.ts";
import { importFile } from "./config_store.ts";
import { applyVersion, ConfigFollower } from "./config_follow.ts";
import { ensureAppSecrets } from "./secrets.ts";
import { Desk } from "./desk.ts";
import { ensureFolderCounts } from "./folder_counts.ts";
import { ensureSupervision } from "./supervisor_backfill.ts";
import { handleQueueMessage, sweepTimers } from "./timers.ts";
import { loadPairIndex } from "./assistant/service.ts";

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
};

export type Runtime = {
  desk: Desk;
  /** Stops taking work, waits for the work in flight, then resolves: the store may be closed. */
  stop(): Promise<void>;
  /** Queue handlers and ticks running now (tests). */
  readonly inFlight: number;
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
  const desk = new Desk(o);
  // Before anything can move an interaction: counters of a store that predates them.
  await ensureFolderCounts(o.kv);
  await ensureSupervision(o.kv);
  // The file seeds the configuration in KV; the latest stored version is what runs (SPEC M1a).
  const seeded = await importFile(o.kv, () => desk.ctx.now(), o.config);
  await applyVersion(desk, seeded.version, seeded.payload);
  const follower = new ConfigFollower(desk);
  follower.start();
  await ensureAppSecrets(o.kv);
  // The reply assistant's similar-questions index lives in memory: rebuild it before serving.
  await loadPairIndex(desk);
  const work = new InFlight();
  let stopping = false;
  const listening = o.kv.listenQueue((msg) => {
    // A message handed out while stopping is left unacknowledged: the store hands it out again
    // later (on a persistent store, to the next process), as if this one had stopped before.
    if (stopping) return LEFT_FOR_LATER;
    return work.track(handleQueueMessage(desk, msg)).then((r) => (r === "interrupted" ? LEFT_FOR_LATER : r));
  });
  // It ends when the store closes (after stop); anything else is worth a line.
  listening.catch((e) => !stopping && console.error("queue listener failed:", e));
  await sweepTimers(desk);
  const tickMs = o.tickMs ?? 5_000;
  let ticking = false;
  const tick = setInterval(() => {
    if (ticking || stopping) return;
    ticking = true;
    void work.track((async () => {
      try {
        await sweepTimers(desk, 2_000);
        desk.dispatcher.requestAll();
      } catch (e) {
        console.error("tick failed:", e);
      } finally {
        ticking = false;
      }
    })());
  }, tickMs);

  let stopped: Promise<void> | null = null;
  const drain = async () => {
    stopping = true;
    clearInterval(tick);
    await follower.stop();
    if (!(await work.idle(o.drainMs ?? 5_000))) {
      // Deliveries still waiting on a slow endpoint: abort them (they are retried later).
      desk.ctx.shutdown.abort();
      await work.idle(5_000);
    }
    // Commits of the handlers may have asked for dispatch passes; after these, none starts.
    desk.dispatcher.close();
    await desk.dispatcher.settle();
  };
  return {
    desk,
    stop: () => (stopped ??= drain()),
    get inFlight() {
      return work.size;
    },
  };
}
