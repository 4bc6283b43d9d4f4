/**
 * The outbox (SPEC CH2): an outbound delivery is staged in the same commit as the message it
 * carries, sent from the KV queue (or the polling scheduler) with an HMAC signature, retried with
 * backoff (each retry a delayed queue message or `scheduled` key), and left under `undeliverable` (with its record) when retries run
 * out — never silently lost.
 */
import { serialize } from "node:v8";
import { newId, type Tx } from "../lib/server/actor.ts";
import { Invalid } from "../lib/shared/errors.ts";
import { sign } from "../lib/server/crypto.ts";
import { keys } from "../lib/server/keys.ts";
import { iso } from "../lib/shared/time.ts";
import type { DeskContext } from "./context.ts";
import { type QueueOptions, scheduleAt } from "./schedule.ts";

export type DeliveryRecord = {
  id: string;
  /** Who signs it: a source's secret or an expert's. */
  signer: { type: "source" | "expert"; id: string };
  url: string;
  body: string;
  createdAt: string;
  attempts: number;
  lastError: string | null;
};

export type DeliveryMessage = { type: "delivery"; id: string };

/** Stages a delivery (record + queue message) in `tx`. */
export function stageDelivery(
  tx: Tx,
  ctx: DeskContext,
  d: { signer: DeliveryRecord["signer"]; url: string; payload: unknown },
): string {
  const id = newId();
  const record: DeliveryRecord = {
    id,
    signer: d.signer,
    url: d.url,
    body: JSON.stringify(d.payload),
    createdAt: iso(ctx.now()),
    attempts: 0,
    lastError: null,
  };
  // One KV value holds 64 KiB; JSON escaping can make a storable message's payload bigger.
  if (serialize(record).length > 63 * 1024) {
    const details = [{ path: "body", message: "too large once encoded" }];
    throw new Invalid("The message is too large to deliver.", details, "message_too_large");
  }
  tx.set(keys.delivery(id), record);
  scheduleAt(tx, ctx, deliveryMessage(id), ctx.now(), deliveryOptions(ctx, id));
  return id;
}

const deliveryMessage = (id: string): DeliveryMessage => ({ type: "delivery", id });

/** The most retry intervals Deno KV accepts in one message's `backoffSchedule`. */
const MAX_QUEUE_BACKOFF_STEPS = 5;

/**
 * Queue options of a delivery attempt. Failed attempts are rescheduled by `sendDelivery` (the
 * configured backoff may have any number of steps); the store's own backoff and
 * `keysIfUndelivered` only cover a handler that could not finish (an unexpected error), so such
 * a delivery still ends under `undeliverable`, never lost.
 */
const deliveryOptions = (ctx: DeskContext, id: string): QueueOptions => ({
  keysIfUndelivered: [keys.undeliverable(id)],
  backoffSchedule: ctx.deliveryBackoff.slice(0, MAX_QUEUE_BACKOFF_STEPS),
});

function secretOf(ctx: DeskContext, signer: DeliveryRecord["signer"]): string | null {
  if (signer.type === "source") return ctx.findSource(signer.id)?.secret ?? null;
  const expert = ctx.config.experts.find((e) => e.id === signer.id);
  return expert ? expert.secret ?? null : null;
}

export type DeliveryOutcome = "sent" | "retry" | "undeliverable" | "gone" | "interrupted";

/**
 * Sends one delivery. A failed attempt is expected (the endpoint is down, slow, answers 5xx): it
 * is recorded on the delivery (attempts, last error) in the same commit that enqueues the next
 * attempt after the next backoff step, or — when the steps run out — that writes its
 * `undeliverable` key; one warning line says so. The queue message itself is always
 * acknowledged, so the store's own retries (and its "Exception in queue handler" report) are
 * left for unexpected errors. Idempotent: a delivery whose record is gone (sent) or already
 * undeliverable is not sent again, and of two copies of one attempt only one commits the next.
 */
export async function sendDelivery(ctx: DeskContext, id: string): Promise<DeliveryOutcome> {
  const [entry, given] = await ctx.kv.getMany<[DeliveryRecord, DeliveryMessage]>([
    keys.delivery(id),
    keys.undeliverable(id),
  ]);
  const rec = entry.value;
  if (!rec || given.value) return "gone";
  const secret = secretOf(ctx, rec.signer);
  const headers: Record<string, string> = { "content-type": "application/json", "x-delivery-id": rec.id };
  if (secret) headers["x-signature"] = await sign(secret, rec.body);
  let error: string | null = null;
  try {
    const res = await fetch(rec.url, {
      method: "POST",
      headers,
      body: rec.body,
      signal: AbortSignal.any([AbortSignal.timeout(ctx.deliveryTimeout), ctx.shutdown.signal]),
    });
    await res.body?.cancel();
    if (!res.ok) error = `HTTP ${res.status}`;
  } catch (e) {
    // Stopping: this attempt does not count; the message is handed out again later.
    if (ctx.shutdown.signal.aborted) return "interrupted";
    error = (e as Error).message;
  }
  if (error === null) {
    await ctx.kv.atomic().check(entry).delete(keys.delivery(id)).commit();
    return "sent";
  }
  const attempts = rec.attempts + 1;
  const delay = ctx.deliveryBackoff[attempts - 1];
  const op = ctx.kv.atomic().check(entry).set(keys.delivery(id), { ...rec, attempts, lastError: error });
  if (delay === undefined) op.set(keys.undeliverable(id), { type: "delivery", id } satisfies DeliveryMessage);
  else scheduleAt(op, ctx, deliveryMessage(id), ctx.now() + delay, deliveryOptions(ctx, id));
  // A failed check: another copy of this attempt recorded it (and scheduled what follows).
  if (!(await op.commit()).ok) return "gone";
  const to = new URL(rec.url).host;
  if (delay === undefined) {
    console.warn(`delivery ${id} to ${to} failed (${error}): undeliverable after ${attempts} attempts`);
    return "undeliverable";
  }
  console.warn(`delivery ${id} to ${to} failed (${error}): attempt ${attempts}, next in ${delay} ms`);
  return "retry";
}
