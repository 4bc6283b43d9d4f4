/**
 * Changing `KV_QUEUES` on an existing store: work staged in the other mode is taken over at
 * start-up, so nothing waits for a mechanism no process runs any more. A marker key remembers
 * the mode the store's processes last used (every process on one store must use the same one).
 */
import { keys } from "../lib/server/keys.ts";
import type { Desk } from "./desk.ts";
import type { DeliveryRecord } from "./outbox.ts";
import type { TimerMessage } from "./persist.ts";
import { scheduleAt, type ScheduledWork } from "./schedule.ts";

export async function adoptScheduledWork(desk: Desk): Promise<void> {
  const { kv, ctx } = desk;
  const mode = ctx.queues ? "on" : "off";
  const marker = await kv.get<"on" | "off">(keys.schedulerMode());
  if (marker.value === mode) return;
  // A store without the marker predates KV_QUEUES: it only ever used queues.
  const was = marker.value ?? "on";
  if (was === "off") {
    // Each scheduled key becomes a queue message due at the same time.
    for await (const e of kv.list<ScheduledWork>({ prefix: keys.scheduledAll() })) {
      const op = kv.atomic().check(e).delete(e.key);
      scheduleAt(op, ctx, e.value.msg, e.key[2] as number);
      await op.commit();
    }
  } else if (mode === "off") {
    // Queue messages cannot be read back, but what they carry has records: timers keep their
    // due time; a pending delivery is tried now (at least once: it may be sent twice). An
    // upload expiry still in the queue waits for a process with queues on.
    for await (const e of kv.list<TimerMessage>({ prefix: keys.timers() })) {
      const { type, interactionId, epoch, dueAt } = e.value;
      const op = kv.atomic();
      scheduleAt(op, ctx, { type, interactionId, epoch, dueAt }, dueAt);
      await op.commit();
    }
    for await (const e of kv.list<DeliveryRecord>({ prefix: keys.deliveries() })) {
      if ((await kv.get(keys.undeliverable(e.value.id))).value) continue;
      const op = kv.atomic();
      scheduleAt(op, ctx, { type: "delivery", id: e.value.id }, ctx.now());
      await op.commit();
    }
  }
  await kv.set(keys.schedulerMode(), mode);
}
