/**
 * The thread actor: one conversation with one identity on one source, and its messages.
 * Message keys belong to the thread: every commit that writes a message also writes (and so
 * checks) its thread, which serialises all changes to a thread's messages.
 */
import { iso } from "../lib/time.ts";

export type MessageStatus = "new" | "assigned" | "replied" | "ignored";
export type AuthorType = "customer" | "agent" | "system";

export type Attachment = { url: string; name: string; contentType: string; size?: number };

export type Message = {
  id: string;
  threadId: string;
  interactionId: string | null;
  externalId: string | null;
  author: { type: AuthorType; id: string | null; name: string };
  body: string;
  format: "text" | "html";
  attachments: Attachment[];
  structured: Record<string, unknown> | null;
  contextData: Record<string, unknown> | null;
  language: string | null;
  status: MessageStatus;
  anonymized: boolean;
  /** Private notes (e.g. an expert's answer) are never sent to the customer. */
  private: boolean;
  createdAt: string;
  receivedAt: string;
};

export type ThreadState = {
  id: string;
  sourceId: string;
  externalId: string;
  title: string | null;
  identity: { id: string; name: string };
  categories: string[];
  language: string | null;
  locked: boolean;
  ignored: boolean;
  mutedBy: string[];
  openInteractionId: string | null;
  lastInteractionId: string | null;
  lastAgentId: string | null;
  lastCompletedAt: string | null;
  conversationClosed: boolean;
  messageCount: number;
  createdAt: string;
  updatedAt: string;
};

export function newThread(
  n: {
    id: string;
    sourceId: string;
    externalId: string;
    title: string | null;
    identity: { id: string; name: string };
    now: number;
  },
): ThreadState {
  const at = iso(n.now);
  return {
    id: n.id,
    sourceId: n.sourceId,
    externalId: n.externalId,
    title: n.title,
    identity: n.identity,
    categories: [],
    language: null,
    locked: false,
    ignored: false,
    mutedBy: [],
    openInteractionId: null,
    lastInteractionId: null,
    lastAgentId: null,
    lastCompletedAt: null,
    conversationClosed: false,
    messageCount: 0,
    createdAt: at,
    updatedAt: at,
  };
}

export function threadView(t: ThreadState) {
  return {
    id: t.id,
    sourceId: t.sourceId,
    externalId: t.externalId,
    title: t.title,
    customer: t.identity,
    categories: t.categories,
    language: t.language,
    locked: t.locked,
    ignored: t.ignored,
    mutedBy: t.mutedBy,
    openInteractionId: t.openInteractionId,
    lastAgentId: t.lastAgentId,
    conversationClosed: t.conversationClosed,
    messageCount: t.messageCount,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
  };
}

export function messageView(m: Message) {
  return {
    id: m.id,
    threadId: m.threadId,
    interactionId: m.interactionId,
    externalId: m.externalId,
    author: m.author,
    body: m.body,
    format: m.format,
    attachments: m.attachments,
    structured: m.structured,
    contextData: m.contextData,
    language: m.language,
    status: m.status,
    anonymized: m.anonymized,
    private: m.private,
    createdAt: m.createdAt,
  };
}
