/**
 * Outgoing messages (agent replies, automated smart-closure questions): stored on the thread,
 * announced on the owner's feed and handed to the outbox in the same commit.
 */
import sanitizeHtml from "sanitize-html";
import { newId, type Tx } from "../lib/server/actor.ts";
import { iso } from "../lib/shared/time.ts";
import { type Actor, type InteractionState, SYSTEM } from "../actors/interaction.ts";
import { type Attachment, type Message, type ThreadState } from "../actors/thread.ts";
import type { DeskContext } from "./context.ts";
import { stageDelivery } from "./outbox.ts";
import { getThread, writeMessage, writeThread } from "./persist.ts";
import { eventMessageView } from "./message_parts.ts";

/** Customer and agent HTML keeps formatting only: no scripts, handlers, styles or foreign frames. */
export function sanitize(html: string): string {
  return sanitizeHtml(html, {
    allowedTags: [
      "p",
      "br",
      "b",
      "strong",
      "i",
      "em",
      "u",
      "s",
      "ul",
      "ol",
      "li",
      "blockquote",
      "code",
      "pre",
      "a",
      "span",
      "div",
      "h1",
      "h2",
      "h3",
      "h4",
      "table",
      "thead",
      "tbody",
      "tr",
      "th",
      "td",
      "img",
      "hr",
    ],
    allowedAttributes: { a: ["href", "title"], img: ["src", "alt", "title", "width", "height"] },
    allowedSchemes: ["http", "https", "mailto"],
    allowedSchemesByTag: { img: ["http", "https"] },
    transformTags: {
      a: sanitizeHtml.simpleTransform("a", { rel: "noopener noreferrer nofollow", target: "_blank" }),
    },
  });
}

export type NewOutgoing = {
  author: Actor & { type: "agent" | "system" };
  body: string;
  format?: "text" | "html";
  attachments?: Attachment[];
  structured?: Record<string, unknown> | null;
  private?: boolean;
};

/**
 * Stores an agent or system message on the interaction's thread, emits `message.created` to
 * the owner and stages its delivery to the source's callback URL. Returns the message.
 */
export async function postOutgoing(
  tx: Tx,
  ctx: DeskContext,
  s: InteractionState,
  n: NewOutgoing,
): Promise<Message> {
  const thread = await getThread(tx, s.threadId);
  const at = iso(ctx.now());
  const format = n.format ?? "text";
  const m: Message = {
    id: newId(),
    threadId: s.threadId,
    interactionId: s.id,
    externalId: null,
    author: { type: n.author.type, id: n.author.id, name: n.author.name },
    body: format === "html" ? sanitize(n.body) : n.body,
    format,
    attachments: n.attachments ?? [],
    structured: n.structured ?? null,
    contextData: null,
    language: thread.language,
    status: "replied",
    anonymized: false,
    private: n.private ?? false,
    createdAt: at,
    receivedAt: at,
  };
  writeThread(tx, ctx, writeMessage(tx, ctx, thread, m, n.author));
  if (s.agentId) {
    tx.emit(s.agentId, "message.created", {
      interactionId: s.id,
      messageId: m.id,
      muted: thread.mutedBy.includes(s.agentId),
      message: eventMessageView(m),
    });
  }
  const source = ctx.findSource(s.sourceId);
  if (source?.callbackUrl && !m.private) {
    stageDelivery(tx, ctx, {
      signer: { type: "source", id: source.id },
      url: source.callbackUrl,
      payload: outboundPayload(thread, m),
    });
  }
  return m;
}

/** The API.md outbound `message.created` body. */
export function outboundPayload(thread: ThreadState, m: Message) {
  return {
    type: "message.created",
    id: m.id,
    source: thread.sourceId,
    thread: { id: thread.externalId },
    message: {
      id: m.id,
      author: { type: m.author.type, name: m.author.name },
      body: m.body,
      format: m.format,
      ...(m.attachments.length ? { attachments: m.attachments } : {}),
      ...(m.structured ? { structured: m.structured } : {}),
    },
  };
}

function pick(texts: Record<string, string>, lang: string | null, fallback: string): string {
  return (lang && texts[lang]) || texts[fallback] || texts.en || Object.values(texts)[0] || "";
}

/** The automated smart-closure question (Yes/No quick replies) or its follow-up (C2, C3). */
export async function postSmartClosureMessage(
  tx: Tx,
  ctx: DeskContext,
  s: InteractionState,
  kind: "smart_closure_question" | "smart_closure_follow_up",
): Promise<void> {
  const source = ctx.findSource(s.sourceId);
  const sc = source?.smartClosure;
  if (!source || !sc) return;
  const thread = await getThread(tx, s.threadId);
  const lang = thread.language ?? s.language;
  if (kind === "smart_closure_question") {
    await postOutgoing(tx, ctx, s, {
      author: SYSTEM,
      body: pick(sc.question, lang, source.defaultLanguage),
      structured: {
        type: "quick_replies",
        options: [
          { label: pick(sc.yesLabel, lang, source.defaultLanguage), payload: "yes" },
          { label: pick(sc.noLabel, lang, source.defaultLanguage), payload: "no" },
        ],
      },
    });
  } else {
    await postOutgoing(tx, ctx, s, { author: SYSTEM, body: pick(sc.followUp, lang, source.defaultLanguage) });
  }
}
