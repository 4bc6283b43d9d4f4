/**
 * Staging scheduled work (a timer, a delivery attempt, an upload expiry) in the commit that
 * causes it. With KV queues on it rides a queue message; with queues off (a remote KV has none)
 * it is a `scheduled` key in its shard, which the leased polling scheduler (`scheduler.ts`)
 * fires once due. Either way it commits atomically with the state that caused it.
 */
import type { BlobExpiryMessage } from "../lib/server/blobs.ts";
import { keys } from "../lib/server/keys.ts";
import { shardOf } from "../lib/server/scheduler.ts";
import type { DeliveryMessage } from "./outbox.ts";
import type { TimerMessage } from "./persist.ts";

/** Longest delay of one Deno KV queue message; longer timers are chained. */
export const MAX_QUEUE_DELAY = 30 * 24 * 3600_000;

export type ScheduledMessage = TimerMessage | DeliveryMessage | BlobExpiryMessage;

/** The value of a `scheduled` key: the message, and how often its handler failed unexpectedly. */
export type ScheduledWork = { msg: ScheduledMessage; failures: number };

/** Options a queue message may carry (queues on only). */
export type QueueOptions = { keysIfUndelivered?: Deno.KvKey[]; backoffSchedule?: number[] };

/** What stages writes: a `Tx` or a raw `Deno.AtomicOperation`. */
export type Stager = {
  set(key: Deno.KvKey, value: unknown): unknown;
  delete(key: Deno.KvKey): unknown;
  enqueue(value: unknown, options?: QueueOptions & { delay?: number }): unknown;
};

/** How work is scheduled on this desk: with KV queues or with scheduled keys, and the clock. */
export type ScheduleMode = { readonly queues: boolean; now(): number };

/** The stable id of a piece of work: its shard and its `scheduled` key come from it. */
export function workIdOf(msg: ScheduledMessage): string {
  switch (msg.type) {
    case "timer":
      return `interaction:${msg.interactionId}`;
    case "delivery":
      return `delivery:${msg.id}`;
    case "blob_expiry":
      return `blob:${msg.blobId}`;
    default: {
      const never: never = msg;
      throw new Error(`unknown scheduled message ${JSON.stringify(never)}`);
    }
  }
}

/** The `scheduled` key of a message due at `dueAt`. */
export const scheduledKey = (msg: ScheduledMessage, dueAt: number): Deno.KvKey => {
  const id = workIdOf(msg);
  return keys.scheduled(shardOf(id), dueAt, id);
};

/** Stages `msg` to be handled at `dueAt` (ms), in the commit `stage` belongs to. */
export function scheduleAt(
  stage: Stager,
  mode: ScheduleMode,
  msg: ScheduledMessage,
  dueAt: number,
  queueOptions?: QueueOptions,
): void {
  if (mode.queues) {
    const delay = Math.min(Math.max(0, dueAt - mode.now()), MAX_QUEUE_DELAY);
    stage.enqueue(msg, { delay, ...queueOptions });
  } else {
    stage.set(scheduledKey(msg, dueAt), { msg, failures: 0 } satisfies ScheduledWork);
  }
}

/** Removes work staged by `scheduleAt` for `dueAt` (queue messages cannot be; their handlers are idempotent). */
export function unschedule(stage: Stager, mode: ScheduleMode, msg: ScheduledMessage, dueAt: number): void {
  if (!mode.queues) stage.delete(scheduledKey(msg, dueAt));
}
