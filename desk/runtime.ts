/**
 * Starting the desk on a KV store: sync agents from the configuration, consume the KV queue,
 * fire overdue timers left by a crash, and keep two safety nets running (a timer sweep and a
 * dispatch tick, for work another process freed).
 */
import type { Config } from "../lib/config.ts";
import type { Clock } from "../lib/time.ts";
import { syncAgents } from "./agents.ts";
import { Desk } from "./desk.ts";
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
};

export type Runtime = { desk: Desk; stop(): Promise<void> };

export async function startDesk(o: RuntimeOptions): Promise<Runtime> {
  const desk = new Desk(o);
  await syncAgents(desk);
  // The reply assistant's similar-questions index lives in memory: rebuild it before serving.
  await loadPairIndex(desk);
  const listening = o.kv.listenQueue((msg) => handleQueueMessage(desk, msg));
  await sweepTimers(desk);
  const tickMs = o.tickMs ?? 5_000;
  let ticking = false;
  const tick = setInterval(async () => {
    if (ticking) return;
    ticking = true;
    try {
      await sweepTimers(desk, 2_000);
      desk.dispatcher.requestAll();
    } catch (e) {
      console.error("tick failed:", e);
    } finally {
      ticking = false;
    }
  }, tickMs);
  return {
    desk,
    async stop() {
      clearInterval(tick);
      await desk.dispatcher.settle();
      void listening.catch(() => {});
    },
  };
}
