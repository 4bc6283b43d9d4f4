/**
 * Consumers of scheduled work (KV queue messages, or `scheduled` keys polled when queues are off): interaction timers (accept limit, idle, deferral wake-up, smart closure) and
 * outbound deliveries. Delivery is at least once and concurrent, so both are idempotent: a
 * timer acts only while its record exists and its epoch still matches the interaction's.
 */
import { transact } from "../lib/server/actor.ts";
import { keys } from "../lib/server/keys.ts";
import { type AgentState, canTakeBack } from "../actors/agent.ts";
import { decideInteraction, type InteractionState, SYSTEM, timerOf } from "../actors/interaction.ts";
import type { Desk } from "./desk.ts";
import { type DeliveryMessage, sendDelivery } from "./outbox.ts";
import { timerId, type TimerMessage } from "./persist.ts";
import { scheduleAt } from "./schedule.ts";
import { isBlobExpiry } from "../lib/server/blobs.ts";
import { expireUpload } from "./uploads.ts";

/** Fires one timer if it is still current. Returns what happened (for tests and operators). */
export async function fireTimer(
  desk: Desk,
  msg: TimerMessage,
): Promise<"fired" | "stale" | "gone" | "rescheduled"> {
  const ctx = desk.ctx;
  const recordKey = keys.timer(msg.dueAt, timerId(msg.interactionId));
  return await transact(desk.kv, async (tx) => {
    const record = await tx.get<TimerMessage>(recordKey);
    if (!record || record.epoch !== msg.epoch) return "gone";
    const now = ctx.now();
    if (msg.dueAt - now > 5) {
      // A timer longer than the queue's 30-day limit arrives early: chain it.
      scheduleAt(tx, ctx, msg, msg.dueAt);
      tx.set(recordKey, record);
      return "rescheduled";
    }
    const s = await tx.get<InteractionState>(keys.interaction(msg.interactionId));
    tx.delete(recordKey);
    const idleTimeout = ctx.config.routing.idleTimeout;
    const timer = s ? timerOf(s, idleTimeout) : null;
    if (!s || s.epoch !== msg.epoch || !timer) return "stale";
    const owner = s.agentId && (timer.kind === "wake")
      ? await tx.get<AgentState>(keys.agent(s.agentId))
      : null;
    const d = decideInteraction(
      s,
      { type: "timer", kind: timer.kind, ownerCanTake: canTakeBack(owner, s.group), idleTimeout },
      ctx.decideContext(s.sourceId),
    );
    await desk.apply(tx, s, d, SYSTEM);
    tx.after(() => {
      desk.timerLateness.push(ctx.now() - msg.dueAt);
      if (desk.timerLateness.length > 100_000) desk.timerLateness.splice(0, 50_000);
    });
    return "fired";
  }, { lock: [keys.interaction(msg.interactionId)] });
}

/** Fires every timer record already due (start-up after a crash, and a periodic safety net). */
export async function sweepTimers(desk: Desk, graceMs = 0): Promise<number> {
  let fired = 0;
  const end = keys.timer(desk.ctx.now() - graceMs + 1, "");
  for await (const e of desk.kv.list<TimerMessage>({ start: keys.timers(), end })) {
    if ((await fireTimer(desk, e.value)) === "fired") fired++;
  }
  return fired;
}

export type QueueMessage = TimerMessage | DeliveryMessage;

/**
 * The KV queue handler. Expected failures are handled here (a delivery schedules its own retry);
 * throwing is for unexpected errors, which the queue retries with its backoff. "interrupted":
 * the runtime is stopping and the message should be handed out again later.
 */
export async function handleQueueMessage(desk: Desk, msg: unknown): Promise<void | "interrupted"> {
  const m = msg as QueueMessage;
  if (m?.type === "timer") {
    try {
      await fireTimer(desk, m);
    } catch (e) {
      console.error("timer failed:", e);
      throw e;
    }
  } else if (m?.type === "delivery") {
    if ((await sendDelivery(desk.ctx, m.id)) === "interrupted") return "interrupted";
  } else if (isBlobExpiry(msg)) {
    await expireUpload(desk, msg);
  }
}
