/**
 * Messages bigger than one KV value (64 KiB; KV Connect refuses more): a request within the
 * 256 KiB body limit may carry that much in `contextData` or `structured`. Those fields, biggest
 * first, move to part keys written in the same commit (their JSON in pieces that fit a value),
 * and the stored message records how many parts each has. Readers that show a message whole
 * (`joinParts`) put them back; the feed event and listings carry the stored form, whose big
 * fields are null.
 */
import { serialize } from "node:v8";
import type { Tx } from "../lib/server/actor.ts";
import { keys } from "../lib/server/keys.ts";
import { getManyInChunks } from "../lib/server/get_many.ts";
import { type Message, messageView } from "../actors/thread.ts";

/** Largest stored message (V8-serialised bytes): a KV value holds 64 KiB; its feed event embeds it. */
export const MAX_STORED_MESSAGE_BYTES = 60 * 1024;
/** Characters of JSON per part: ≤ 60 KiB even when V8 stores them on two bytes each. */
const PART_CHARS = 30 * 1024;
const SPLITTABLE = ["contextData", "structured"] as const;
type PartField = typeof SPLITTABLE[number];

/** A message as stored: `parts` says which fields live in part keys, and in how many. */
export type StoredMessage = Message & { parts?: Partial<Record<PartField, number>> };

export const storedSize = (v: unknown): number => (v === null || v === undefined ? 0 : serialize(v).length);

/**
 * The stored form of `m` and the part keys to write with it; null when even without its big
 * fields it is too large (the caller refuses the message).
 */
export function splitMessage(m: Message): { stored: StoredMessage; parts: [Deno.KvKey, string][] } | null {
  if (storedSize(m) <= MAX_STORED_MESSAGE_BYTES) return { stored: m, parts: [] };
  const stored: StoredMessage = { ...m, parts: {} };
  const parts: [Deno.KvKey, string][] = [];
  for (const field of [...SPLITTABLE].sort((a, b) => storedSize(m[b]) - storedSize(m[a]))) {
    if (storedSize(stored) <= MAX_STORED_MESSAGE_BYTES) break;
    if (m[field] === null || m[field] === undefined) continue;
    const json = JSON.stringify(m[field]);
    const n = Math.ceil(json.length / PART_CHARS);
    for (let i = 0; i < n; i++) {
      parts.push([
        keys.messagePart(m.threadId, m.id, field, i),
        json.slice(i * PART_CHARS, (i + 1) * PART_CHARS),
      ]);
    }
    stored[field] = null;
    stored.parts![field] = n;
  }
  return storedSize(stored) <= MAX_STORED_MESSAGE_BYTES ? { stored, parts } : null;
}

/** What is stored under the message's key (and embedded in its feed event). */
export const storedForm = (m: Message): Message => splitMessage(m)?.stored ?? m;

/**
 * The message as a feed event carries it: the stored form, plus `partial: true` when fields
 * were left in parts (null here), so a live view knows to read the message whole.
 */
export function eventMessageView(m: Message): ReturnType<typeof messageView> & { partial?: true } {
  const stored: StoredMessage = splitMessage(m)?.stored ?? m;
  return stored.parts ? { ...messageView(stored), partial: true } : messageView(stored);
}

/** Stages the deletion of a stored message's parts; returns it without them (anonymisation). */
export function dropParts(tx: Tx, m: StoredMessage): Message {
  if (!m.parts) return m;
  for (const [field, n] of Object.entries(m.parts)) {
    for (let i = 0; i < n; i++) tx.delete(keys.messagePart(m.threadId, m.id, field, i));
  }
  const { parts: _, ...rest } = m;
  return rest;
}

/** The messages whole: fields stored in parts are read back (10 keys a read). */
export async function joinParts(kv: Deno.Kv, messages: StoredMessage[]): Promise<Message[]> {
  return await Promise.all(messages.map(async (m) => {
    if (!m.parts) return m;
    const { parts, ...whole } = m;
    for (const [field, n] of Object.entries(parts) as [PartField, number][]) {
      const ks = Array.from({ length: n }, (_, i) => keys.messagePart(m.threadId, m.id, field, i));
      let json = "";
      for (const e of await getManyInChunks<string>(kv, ks)) json += e.value ?? "";
      try {
        whole[field] = JSON.parse(json);
      } catch {
        whole[field] = null; // a part went missing (never written apart): show nothing rather than fail
      }
    }
    return whole;
  }));
}
