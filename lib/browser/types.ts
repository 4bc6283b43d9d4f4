/**
 * The shapes the routing view works with in the browser: the public API views (API.md), as
 * plain types so browser code never imports server modules.
 */
import type { UiLanguage } from "../shared/i18n/mod.ts";

export type FolderName = "in_progress" | "deferred" | "history";
export type InteractionStatus = "queued" | "offered" | "active" | "deferred" | "closing" | "completed";
export type Presence = "available" | "away" | "offline";
export type AuthorType = "customer" | "agent" | "system";

export type UiInteraction = {
  id: string;
  threadId: string;
  sourceId: string;
  state: InteractionStatus;
  agentId: string | null;
  categories: string[];
  language: string;
  priority: number;
  createdAt: string;
  updatedAt: string;
  acceptDeadline: string | null;
  deferredUntil: string | null;
  disposition: { categoryId: string; notes?: string } | null;
  conversationClosed: boolean;
  closing: { phase: string; deadline: string; waitForReply: boolean } | null;
  transfer: { fromAgentId: string; comment: string | null; at: string; forced: boolean } | null;
  customer: { id: string; name: string };
  preview: { text: string; at: string; author: AuthorType };
  offeredAt: string | null;
  acceptedAt: string | null;
  completedAt: string | null;
  lastActivityAt?: string;
};

export type Attachment = { url: string; name: string; contentType: string; size?: number };

export type UiMessage = {
  id: string;
  threadId: string;
  interactionId: string | null;
  author: { type: AuthorType; id: string | null; name: string };
  body: string;
  format: "text" | "html";
  attachments: Attachment[];
  structured: Record<string, unknown> | null;
  contextData: Record<string, unknown> | null;
  language: string | null;
  status: "new" | "assigned" | "replied" | "ignored";
  anonymized: boolean;
  private: boolean;
  createdAt: string;
};

export type UiThread = {
  id: string;
  sourceId: string;
  title: string | null;
  customer: { id: string; name: string };
  categories: string[];
  language: string | null;
  locked: boolean;
  ignored: boolean;
  mutedBy: string[];
  openInteractionId: string | null;
  conversationClosed: boolean;
  messageCount: number;
};

export type Detail = {
  interaction: UiInteraction;
  thread: UiThread;
  messages: UiMessage[];
  /** Cursor for older messages, or null when every message is loaded. */
  earlier: string | null;
};

export type Named = { id: string; name: string };

export type Directory = {
  sources: (Named & {
    kind: string;
    dispositionRequired: boolean;
    smartClosure: boolean;
    waitForReply: boolean;
    cobrowse: boolean;
  })[];
  categories: Named[];
  teams: Named[];
  languages: string[];
  dispositions: Named[];
  agents: (Named & { initials: string })[];
  experts: Named[];
};

export type Me = {
  id: string;
  name: string;
  initials: string;
  role: string;
  presence: Presence;
  /** Who set the presence when a supervisor did (null when the agent did). */
  presenceBy?: { id: string; name: string } | null;
  load: Record<string, number>;
  capacity: Record<string, { capacity: number; maxCapacity: number }>;
  permissions: string[];
  /** A16: which actions are icons and which sit in "More actions" (absent: every one an icon). */
  actionLayout?: { icons: string[]; menu: string[] };
};

export type Theme = "system" | "light" | "dark";

/** Everything the routing view island starts from (serialised into the page). */
export type BootProps = {
  me: Me;
  csrf: string;
  lang: UiLanguage;
  theme: Theme;
  /** Server time of the render (ms), so ages and countdowns render the same on both sides. */
  now: number;
  /** Feed position of the render (an event id): the event stream resumes after it, so nothing is missed. */
  feedCursor: string;
  folder: FolderName;
  interactions: UiInteraction[];
  /** Cursor for more history, or null. */
  historyCursor: string | null;
  directory: Directory;
  acceptTimeout: number | null;
  selected: Detail | null;
};
