/**
 * The thread actor: one conversation with one identity on one source, and its messages.
 * Message keys belong to the thread: every commit that writes a message also writes (and so
 * checks) its thread, which serialises all changes to a thread's messages.
 *
 * `decideThread` is its pure transition (thread controls, requirements, a customer message
 * arriving, the conversation closed, the open-interaction pointer); `stickyAgent` and
 * `arrivalStatus` are the routing rules a customer message follows (R9, R10, R5).
 */
import { iso, ms } from "../lib/shared/time.ts";
import type {
  Attachment,
  AuthorType,
  MessageStatus,
  MessageView,
  ThreadView,
} from "../lib/shared/wire/views.ts";
import { conflict, refuse } from "./refusal.ts";

export type { Attachment, AuthorType, MessageStatus };

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
  /** The latest customer message's time (connector events older than it are stale); absent in older stores. */
  lastCustomerMessageAt?: string | null;
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

export function threadView(t: ThreadState): ThreadView {
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

export function messageView(m: Message): MessageView {
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

// ---- Decisions ---------------------------------------------------------------------------------

/** The thread flags an agent sets (A11–A13); `mute` is per agent. */
export type ThreadControl = "ignore" | "unignore" | "mute" | "unmute" | "lock" | "unlock";

export type ThreadCommand =
  | { type: "control"; control: ThreadControl; agentId: string }
  /** Categories (A4) or language (A10) set by an agent: they drive routing of the open interaction. */
  | { type: "set_requirements"; categories?: string[]; language?: string }
  /**
   * A customer message arrived (R1, C7): the name the connector gives wins, categories add up,
   * a configured language replaces the thread's, and a closed conversation is open again.
   */
  | {
    type: "customer_message";
    author: { id: string; name?: string | null };
    categories: string[];
    /** Already checked against the configured languages (null: keep the thread's). */
    language: string | null;
  }
  | { type: "conversation_closed" }
  /** An interaction of the thread became open (it must be the only one) or closed. */
  | { type: "interaction_opened"; interactionId: string }
  | {
    type: "interaction_closed";
    interaction: { id: string; agentId: string | null; completedAt: string | null };
  };

export type ThreadEffect =
  | {
    type: "audit";
    action: `thread.${ThreadControl}` | "thread.categorized" | "thread.language_changed";
    details?: Record<string, unknown>;
  }
  /** The open interaction's requirements follow the thread's (re-routing it when queued). */
  | { type: "requirements"; categories?: string[]; language?: string };

export type ThreadDecision = { state: ThreadState; effects: ThreadEffect[] };

/**
 * Applies one command to a thread. Pure: no I/O, never mutates `t`; refuses (409) a second open
 * interaction. `updatedAt` is stamped by the desk when it writes the thread.
 */
export function decideThread(t: ThreadState, cmd: ThreadCommand): ThreadDecision {
  switch (cmd.type) {
    case "control": {
      const mutedBy = new Set(t.mutedBy);
      if (cmd.control === "mute") mutedBy.add(cmd.agentId);
      if (cmd.control === "unmute") mutedBy.delete(cmd.agentId);
      return {
        state: {
          ...t,
          ignored: cmd.control === "ignore" ? true : cmd.control === "unignore" ? false : t.ignored,
          locked: cmd.control === "lock" ? true : cmd.control === "unlock" ? false : t.locked,
          mutedBy: [...mutedBy],
        },
        effects: [{ type: "audit", action: `thread.${cmd.control}` }],
      };
    }
    case "set_requirements": {
      const change = {
        ...(cmd.categories ? { categories: [...new Set(cmd.categories)] } : {}),
        ...(cmd.language !== undefined ? { language: cmd.language } : {}),
      };
      const audit: ThreadEffect = change.categories
        ? { type: "audit", action: "thread.categorized", details: change }
        : { type: "audit", action: "thread.language_changed", details: change };
      return { state: { ...t, ...change }, effects: [audit, { type: "requirements", ...change }] };
    }
    case "customer_message":
      return {
        state: {
          ...t,
          identity: cmd.author.name ? { id: cmd.author.id, name: cmd.author.name } : t.identity,
          categories: [...new Set([...t.categories, ...cmd.categories])],
          language: cmd.language ?? t.language,
          conversationClosed: false,
        },
        effects: [],
      };
    case "conversation_closed":
      return { state: { ...t, conversationClosed: true }, effects: [] };
    case "interaction_opened":
      if (t.openInteractionId && t.openInteractionId !== cmd.interactionId) {
        refuse(conflict("thread_has_open_interaction", "This thread already has another open interaction.", {
          interactionId: t.openInteractionId,
        }));
      }
      return { state: { ...t, openInteractionId: cmd.interactionId }, effects: [] };
    case "interaction_closed": {
      const i = cmd.interaction;
      return {
        state: {
          ...t,
          openInteractionId: t.openInteractionId === i.id ? null : t.openInteractionId,
          lastInteractionId: i.id,
          lastAgentId: i.agentId,
          lastCompletedAt: i.completedAt,
        },
        effects: [],
      };
    }
    default: {
      const never: never = cmd;
      throw new Error(`unknown thread command ${JSON.stringify(never)}`);
    }
  }
}

/**
 * The agent a new interaction of this thread should go back to (R9: sticky routing): the last
 * one, while the last interaction was completed less than `windowSeconds` ago.
 */
export function stickyAgent(t: ThreadState, now: number, windowSeconds: number): string | null {
  return t.lastAgentId && t.lastCompletedAt && now - ms(t.lastCompletedAt) <= windowSeconds * 1000
    ? t.lastAgentId
    : null;
}

/**
 * The status of an arriving customer message: `ignored` on an ignored thread (R10); joining an
 * interaction that is (back) in an agent's hands makes it `assigned`; a "No" that completed a
 * smart closure leaves nothing unread (`ignored`); otherwise `new`.
 */
export function arrivalStatus(
  t: Pick<ThreadState, "ignored">,
  joined: { state: string } | null,
): MessageStatus {
  if (t.ignored) return "ignored";
  if (joined?.state === "active") return "assigned";
  if (joined?.state === "completed") return "ignored";
  return "new";
}
