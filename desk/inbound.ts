/**
 * Connector webhooks (SPEC R1, R8–R10, CH1, C7): a customer message becomes a stored message,
 * joins or opens an interaction, and is routed — all in one commit, idempotent on the
 * connector's message id.
 */
import { newId, transact } from "../lib/server/actor.ts";
import { Invalid } from "../lib/shared/errors.ts";
import { keys } from "../lib/server/keys.ts";
import { iso, ms } from "../lib/shared/time.ts";
import { stripControls } from "../lib/shared/safe_text.ts";
import type { InboundEvent, InboundEventAccepted, InboundMessage } from "../lib/shared/wire/api.ts";
import { type AgentState, canTakeBack } from "../actors/agent.ts";
import {
  type Actor,
  decideInteraction,
  type Decision,
  type InteractionState,
  newInteraction,
  SYSTEM,
} from "../actors/interaction.ts";
import {
  arrivalStatus,
  decideThread,
  type Message,
  newThread,
  stickyAgent,
  type ThreadState,
} from "../actors/thread.ts";
import type { Desk } from "./desk.ts";
import { sanitize } from "./messages.ts";
import { writeMessage, writeThread } from "./persist.ts";
import { eventMessageView } from "./message_parts.ts";

export type InboundResult = {
  messageId: string;
  threadId: string;
  interactionId: string | null;
  duplicate: boolean;
};

function quickReplyOf(m: InboundMessage): "yes" | "no" | null {
  const s = m.structured as { type?: string; payload?: unknown } | undefined;
  if (s?.type !== "quick_reply_answer") return null;
  return s.payload === "yes" || s.payload === "no" ? s.payload : null;
}

export async function receiveMessage(
  desk: Desk,
  sourceId: string,
  m: InboundMessage,
): Promise<InboundResult> {
  const ctx = desk.ctx;
  const source = ctx.source(sourceId);
  const config = ctx.config;
  const known = new Set(config.categories.map((c) => c.id));
  const bad = (m.categories ?? []).flatMap((
    c,
    i,
  ) => (known.has(c) ? [] : [{ path: `categories.${i}`, message: `unknown category "${c}"` }]));
  if (bad.length) throw new Invalid("Unknown categories.", bad);

  // A new interaction is routed in this commit, alongside other routing transactions: the agent
  // it picks is claimed until it ends (see Dispatcher.claiming).
  return await desk.dispatcher.claiming((claims) =>
    transact(desk.kv, async (tx, attempt) => {
      if (attempt > 1) await desk.dispatcher.retrying(claims);
      const now = ctx.now();
      const dedupKey = keys.inboundMessage(sourceId, m.id);
      // Both in one read of the store (each still checked by the commit): under load each read
      // waits its turn there.
      const [dedup, pointer] = await desk.kv.getMany<[Omit<InboundResult, "duplicate">, string]>([
        dedupKey,
        keys.threadByExternalId(sourceId, m.thread.id),
      ]);
      for (const e of [dedup, pointer]) tx.assume(e.key, e.versionstamp, e.value);
      const seen = dedup.value, threadId = pointer.value;
      if (seen) return { ...seen, duplicate: true };

      let thread: ThreadState | null = threadId ? await tx.get<ThreadState>(keys.thread(threadId)) : null;
      if (!thread) {
        thread = newThread({
          id: newId(),
          sourceId,
          externalId: m.thread.id,
          title: m.thread.title ?? null,
          // Without a name the connector's id stands in, cleaned like a name (it is shown as one).
          identity: { id: m.author.id, name: m.author.name ?? (stripControls(m.author.id) || "?") },
          now,
        });
        tx.set(keys.threadByExternalId(sourceId, m.thread.id), thread.id);
      }
      const language = m.language && config.languages.includes(m.language) ? m.language : null;
      thread = decideThread(thread, {
        type: "customer_message",
        author: m.author,
        categories: m.categories ?? [],
        language,
      }).state;
      const customer: Actor = { type: "customer", id: m.author.id, name: thread.identity.name };
      const text = (m.body ?? "").trim() || (m.attachments ?? []).map((a) => a.name).join(", ");
      const message: Message = {
        id: newId(),
        threadId: thread.id,
        interactionId: null,
        externalId: m.id,
        author: { type: "customer", id: m.author.id, name: thread.identity.name },
        body: m.format === "html" ? sanitize(m.body ?? "") : m.body ?? "",
        format: m.format,
        attachments: m.attachments ?? [],
        structured: m.structured ?? null,
        contextData: m.contextData ?? null,
        language: m.language ?? null,
        status: "new",
        anonymized: false,
        private: false,
        createdAt: m.createdAt ? iso(ms(m.createdAt)) : iso(now),
        receivedAt: iso(now),
      };

      // Stage the thread first: decisions applied below read it back (read-your-writes) and may
      // change it (open-interaction pointer, message statuses).
      writeThread(tx, ctx, thread);
      let interaction: InteractionState | null = null;
      if (thread.ignored) {
        message.status = arrivalStatus(thread, null);
      } else {
        const open = thread.openInteractionId
          ? await tx.get<InteractionState>(keys.interaction(thread.openInteractionId))
          : null;
        if (open) {
          const owner = open.agentId && (open.state === "deferred" || open.state === "closing")
            ? await tx.get<AgentState>(keys.agent(open.agentId))
            : null;
          const d = decideInteraction(open, {
            type: "customer_message",
            messageId: message.id,
            text,
            ownerCanTake: canTakeBack(owner, open.group),
            quickReply: quickReplyOf(m),
          }, ctx.decideContext(sourceId));
          // Joining an active interaction (or bringing one back to active) puts it in the agent's
          // hands; a "No" that completes a smart closure leaves nothing unread.
          message.status = arrivalStatus(thread, d.state);
          message.interactionId = open.id;
          interaction = d.state;
          await desk.apply(tx, open, d, customer);
        } else {
          const sticky = stickyAgent(thread, now, config.routing.stickyWindow);
          const created = newInteraction({
            id: newId(),
            threadId: thread.id,
            sourceId,
            group: source.group,
            categories: thread.categories,
            language: thread.language ?? source.defaultLanguage,
            priority: source.priority + (m.priority ?? 0),
            customer: thread.identity,
            preferredAgentId: sticky,
            text,
            messageId: message.id,
            now,
          });
          message.interactionId = created.id;
          writeThread(tx, ctx, { ...thread, openInteractionId: created.id });
          const offer = await desk.dispatcher.route(tx, created, claims);
          interaction = offer ? offer.state : created;
          // Capacity freed while this commit was in flight went to a dispatch pass that could not
          // see this interaction yet: once it is stored, look again (else it waits for the tick).
          const queued: Decision = {
            state: created,
            effects: [{ type: "audit", action: "queued" }, { type: "dispatch", group: created.group }],
          };
          // The routing decision is the system's, as when the dispatcher makes it later.
          await desk.apply(tx, null, offer ?? queued, offer ? SYSTEM : customer);
        }
      }
      thread = writeMessage(tx, ctx, (await tx.get<ThreadState>(keys.thread(thread.id)))!, message, customer);
      writeThread(tx, ctx, thread);
      if (interaction?.agentId && interaction.state !== "completed") {
        tx.emit(interaction.agentId, "message.created", {
          interactionId: interaction.id,
          messageId: message.id,
          muted: thread.mutedBy.includes(interaction.agentId),
          // The stored form: a message's fields kept in parts are not repeated in its feed entry.
          message: eventMessageView(message),
        });
      }
      const result = { messageId: message.id, threadId: thread.id, interactionId: interaction?.id ?? null };
      tx.set(dedupKey, result);
      return { ...result, duplicate: false };
    })
  );
}

/** `conversation.closed` (C7): marks the thread and its open interaction, tells the agent. */
/**
 * A connector event (API.md). Idempotent twice over: a repeated event `id` answers what the
 * first delivery did with `duplicate: true` and changes nothing, and a `conversation.closed`
 * that happened before the thread's latest customer message (a replay, or a late delivery
 * after the customer wrote again) closes nothing.
 */
export async function receiveEvent(
  desk: Desk,
  sourceId: string,
  e: InboundEvent,
): Promise<InboundEventAccepted> {
  const ctx = desk.ctx;
  ctx.source(sourceId);
  return await transact(desk.kv, async (tx) => {
    const seenKey = e.id === undefined ? null : keys.inboundEvent(sourceId, e.id);
    const seen = seenKey ? await tx.get<InboundEventAccepted>(seenKey) : null;
    if (seen) return { ...seen, duplicate: true };
    const answer = (threadId: string | null, interactionId: string | null, closed: boolean) => {
      const result = { threadId, interactionId, closed, duplicate: false };
      if (seenKey) tx.set(seenKey, result);
      return result;
    };
    const threadId = await tx.get<string>(keys.threadByExternalId(sourceId, e.thread.id));
    const thread = threadId ? await tx.get<ThreadState>(keys.thread(threadId)) : null;
    if (!thread) return answer(null, null, false);
    const open = thread.openInteractionId
      ? await tx.get<InteractionState>(keys.interaction(thread.openInteractionId))
      : null;
    // A connector's retry of the same event changes nothing.
    const already = thread.conversationClosed && (!open || open.conversationClosed);
    const stale = e.occurredAt !== undefined && !!thread.lastCustomerMessageAt &&
      e.occurredAt < thread.lastCustomerMessageAt;
    if (already || stale) return answer(thread.id, open?.id ?? null, false);
    const customer: Actor = { type: "customer", id: thread.identity.id, name: thread.identity.name };
    writeThread(tx, ctx, decideThread(thread, { type: "conversation_closed" }).state);
    if (open) {
      await desk.apply(
        tx,
        open,
        decideInteraction(open, { type: "conversation_closed" }, ctx.decideContext(sourceId)),
        customer,
      );
    }
    return answer(thread.id, open?.id ?? null, true);
  });
}
