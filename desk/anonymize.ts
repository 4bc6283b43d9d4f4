/**
 * Anonymise a message (permission `anonymize`, for supervisors and admins): its content is
 * replaced by a placeholder everywhere it is kept — the message itself (so the thread, the
 * print sheet, the web chat and KV exports), the audit excerpts, the similar-questions pairs and
 * index, pending outbound and expert deliveries, and the agents' live feeds. Uploaded files it
 * carried are deleted. One audit entry records who did it (never the content).
 */
import { type StoredFeedEntry, transact } from "../lib/server/actor.ts";
import { NotFound } from "../lib/shared/errors.ts";
import { keys } from "../lib/server/keys.ts";
import type { AgentState } from "../actors/agent.ts";
import { type InteractionState, type InteractionView, interactionView } from "../actors/interaction.ts";
import { type Message, messageView } from "../actors/thread.ts";
import { actorOf, requirePermission } from "./access.ts";
import type { QaPair } from "./assistant/pairs.ts";
import { pairIndexOf } from "./assistant/service.ts";
import { logPairChange } from "./assistant/log.ts";
import { dropParts } from "./message_parts.ts";
import type { Desk } from "./desk.ts";
import type { DeliveryRecord } from "./outbox.ts";
import { type AuditEntry, indexKey, indexValue, writeAudit, writeThread } from "./persist.ts";
import { loadThreadFor } from "./threads.ts";
import { blobStore } from "./uploads.ts";
import { rewriteFeedEntry } from "./feed.ts";

export const ANONYMIZED_BODY = "[anonymized]";

/** The anonymised form of a message: placeholder body, no files, structure or context data. */
export function anonymized(m: Message): Message {
  return {
    ...m,
    body: ANONYMIZED_BODY,
    format: "text",
    attachments: [],
    structured: null,
    contextData: null,
    anonymized: true,
  };
}

/** What is left of a pair once message `id` is anonymised (null: drop the pair). */
export function pairWithout(p: QaPair, id: string): QaPair | null {
  if (p.id === id) return null;
  const questions = p.questions.filter((q) => q.id !== id);
  if (questions.length === p.questions.length) return p;
  return questions.length ? { ...p, questions } : null;
}

const BLOB_PATH = /\/api\/v1\/blobs\/([0-9A-Za-z]+)/;

export async function anonymizeMessage(
  desk: Desk,
  agent: AgentState,
  threadId: string,
  messageId: string,
): Promise<Message> {
  requirePermission(desk.ctx, agent, "anonymize");
  const changedPairs: { id: string; next: QaPair | null }[] = [];
  const result = await transact(desk.kv, async (tx) => {
    changedPairs.length = 0;
    const { thread, open } = await loadThreadFor(tx, desk, agent, threadId);
    const m = await tx.get<Message>(keys.message(threadId, messageId));
    if (!m) throw new NotFound("Unknown message.", "unknown_message");
    if (m.anonymized) return { message: m, before: m };
    // Its context data and structure go, with the part keys that held them when big.
    const next = dropParts(tx, anonymized(m));
    tx.set(keys.message(threadId, messageId), next);
    // The thread guards its messages, audit entries and pairs: writing it serialises this change.
    writeThread(tx, desk.ctx, thread);
    for await (const e of desk.kv.list<AuditEntry>({ prefix: keys.audits(threadId) })) {
      if (e.value.details?.messageId === messageId && "excerpt" in e.value.details) {
        tx.set(e.key, { ...e.value, details: { ...e.value.details, excerpt: ANONYMIZED_BODY } });
      }
    }
    for await (const e of desk.kv.list<QaPair>({ prefix: keys.assistantPairsOfThread(threadId) })) {
      const p = pairWithout(e.value, messageId);
      if (p === e.value) continue;
      if (p) tx.set(e.key, p);
      else tx.delete(e.key);
      logPairChange(tx, threadId, e.value.id);
      changedPairs.push({ id: e.value.id, next: p });
    }
    // The interaction's preview (folder item) may quote the message. Its folder entry is written
    // again too: an older version kept the view there, preview included.
    const i = m.interactionId ? await tx.get<InteractionState>(keys.interaction(m.interactionId)) : null;
    if (i && quotes(i.preview, m)) {
      const after: InteractionState = { ...i, preview: { ...i.preview, text: ANONYMIZED_BODY } };
      tx.set(keys.interaction(i.id), after);
      tx.set(indexKey(after), indexValue(after));
      if (after.agentId) {
        tx.emit(after.agentId, "interaction.updated", {
          interactionId: i.id,
          interaction: interactionView(after),
        });
      }
    }
    writeAudit(tx, desk.ctx, {
      threadId,
      interactionId: m.interactionId,
      actor: actorOf(agent),
      type: "message.anonymized",
      details: { messageId, author: m.author.type },
    });
    const owner = open?.agentId;
    if (owner) {
      tx.emit(owner, "message.updated", { interactionId: open!.id, messageId, message: messageView(next) });
    }
    return { message: next, before: m };
  });
  if (result.message === result.before) return result.message;
  const ix = pairIndexOf(desk);
  for (const { id, next } of changedPairs) next ? ix.put(next) : ix.remove(id);
  await scrubElsewhere(desk, result.before, result.message);
  return result.message;
}

/**
 * Copies of the content outside the thread: uploaded files, pending deliveries, live feeds.
 * Each rewrite checks the entry it read; one that changed meanwhile is left as the other writer
 * made it (only another anonymisation rewrites these copies).
 */
async function scrubElsewhere(desk: Desk, before: Message, after: Message): Promise<void> {
  for (const a of before.attachments) {
    const blob = a.url.match(BLOB_PATH)?.[1];
    if (blob) await blobStore(desk).delete(blob).catch(() => {});
  }
  for await (const e of desk.kv.list<DeliveryRecord>({ prefix: keys.deliveries() })) {
    const body = scrubPayload(e.value.body, after);
    if (body !== null) await desk.kv.atomic().check(e).set(e.key, { ...e.value, body }).commit();
  }
  const view = messageView(after);
  for (const a of desk.config.agents) {
    for await (const e of desk.kv.list<StoredFeedEntry>({ prefix: keys.feed(a.id) })) {
      const data = { ...e.value.data };
      const msg = data.message as { id?: string } | undefined;
      const item = data.interaction as InteractionView | undefined;
      let changed = false;
      if (msg?.id === after.id && JSON.stringify(msg) !== JSON.stringify(view)) {
        data.message = view;
        changed = true;
      }
      // Older events carry the previews of their time: any of them may quote the message.
      if (item?.id === before.interactionId && item.preview && quotes(item.preview, before)) {
        data.interaction = { ...item, preview: { ...item.preview, text: ANONYMIZED_BODY } };
        changed = true;
      }
      // Its place in the feed stays: a stream reading it now must neither miss nor repeat it.
      if (changed) await rewriteFeedEntry(desk.kv, e, data);
    }
  }
}

/** Whether an interaction preview quotes message `m` (previews are the start of the latest message). */
function quotes(p: InteractionState["preview"], m: Message): boolean {
  if (!p.text || p.author !== m.author.type) return false;
  const names = m.attachments.map((a) => a.name).join(", ");
  return m.body.trim().startsWith(p.text) || m.body.startsWith(p.text) || p.text === names;
}

/** A delivery body with message `m`'s content replaced, or null when it does not hold it. */
export function scrubPayload(body: string, m: Message): string | null {
  if (!body.includes(m.id)) return null;
  // deno-lint-ignore no-explicit-any
  let p: any;
  try {
    p = JSON.parse(body);
  } catch {
    return null;
  }
  if (p?.type === "message.created" && p.message?.id === m.id) {
    p.message = { id: m.id, author: p.message.author, body: m.body, format: "text" };
    return JSON.stringify(p);
  }
  if (p?.type === "expert.question" && Array.isArray(p.history)) {
    type Line = { messageId?: string; label?: string; text?: string; attachments?: { name?: string }[] };
    const history = (p.history as Line[]).map((
      l,
    ) => (l?.messageId === m.id ? { ...l, text: m.body, attachments: [] } : l));
    const text = (l: Line) =>
      `${l.label}: ${[l.text, ...(l.attachments ?? []).map((a) => `[${a.name}]`)].filter(Boolean).join(" ")}`;
    return JSON.stringify({ ...p, history, historyText: history.map(text).join("\n") });
  }
  return null;
}
