/**
 * The outbox (SPEC CH2): an outbound delivery is staged in the same commit as the message it
 * carries, sent from the KV queue with an HMAC signature, retried with backoff by the queue,
 * and left under `undeliverable` (with its record) when retries run out — never silently lost.
 */
import { serialize } from "node:v8";
import { newId, type Tx } from "../lib/actor.ts";
import { Invalid } from "../lib/errors.ts";
import { sign } from "../lib/crypto.ts";
import { keys } from "../lib/keys.ts";
import { iso } from "../lib/time.ts";
import type { DeskContext } from "./context.ts";

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
  const msg: DeliveryMessage = { type: "delivery", id };
  tx.enqueue(msg, { keysIfUndelivered: [keys.undeliverable(id)], backoffSchedule: ctx.deliveryBackoff });
  return id;
}

function secretOf(ctx: DeskContext, signer: DeliveryRecord["signer"]): string | null {
  if (signer.type === "source") return ctx.findSource(signer.id)?.secret ?? null;
  const expert = ctx.config.experts.find((e) => e.id === signer.id);
  return expert ? expert.secret ?? null : null;
}

/**
 * Sends one delivery. Throws on failure so the KV queue retries it with backoff; a delivery
 * whose record is gone (already sent) is a no-op, so redelivery is harmless.
 */
export async function sendDelivery(ctx: DeskContext, id: string): Promise<void> {
  const entry = await ctx.kv.get<DeliveryRecord>(keys.delivery(id));
  const rec = entry.value;
  if (!rec) return;
  const secret = secretOf(ctx, rec.signer);
  const headers: Record<string, string> = { "content-type": "application/json", "x-delivery-id": rec.id };
  if (secret) headers["x-signature"] = await sign(secret, rec.body);
  let error: string | null = null;
  try {
    const res = await fetch(rec.url, {
      method: "POST",
      headers,
      body: rec.body,
      signal: AbortSignal.timeout(ctx.deliveryTimeout),
    });
    await res.body?.cancel();
    if (!res.ok) error = `HTTP ${res.status}`;
  } catch (e) {
    error = (e as Error).message;
  }
  if (error === null) {
    await ctx.kv.atomic().check(entry).delete(keys.delivery(id)).commit();
    return;
  }
  await ctx.kv.atomic().check(entry).set(keys.delivery(id), {
    ...rec,
    attempts: rec.attempts + 1,
    lastError: error,
  }).commit();
  throw new Error(`delivery ${id} to ${rec.url} failed: ${error}`);
}
