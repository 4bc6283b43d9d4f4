/**
 * The interaction actor's data: its state, the commands it takes, the effects it decides, and
 * the derived facts every phase reads (folder, the one pending timer). A new interaction starts
 * here as `queued`.
 */
import type { Author, AuthorType, FolderName } from "../../lib/shared/wire/views.ts";
import type { AgentCommand } from "../agent.ts";
import type { ChannelGroup } from "../../lib/shared/config.ts";
import { iso, ms } from "../../lib/shared/time.ts";
import type { InteractionEventExtra, InteractionEventName } from "../../lib/shared/wire/events.ts";
import { folderOfState } from "../../lib/shared/folders.ts";
import type { OfferCommand } from "./offer.ts";
import type { HandlingCommand } from "./handling.ts";
import type { TransferCommand } from "./transfer.ts";
import type { ClosingCommand } from "./closing.ts";

export type InteractionStatus = "queued" | "offered" | "active" | "deferred" | "closing" | "completed";
export type FolderOf = FolderName | "queue";

export type TransferTarget = { agentId?: string; teamId?: string; categories?: string[]; language?: string };
export type Disposition = { categoryId: string; notes?: string };

export type InteractionState = {
  id: string;
  threadId: string;
  sourceId: string;
  group: ChannelGroup;
  state: InteractionStatus;
  agentId: string | null;
  categories: string[];
  language: string;
  priority: number;
  createdAt: string;
  updatedAt: string;
  /** Bumped by every write; a timer carries the epoch it was set at and is stale once it moves. */
  epoch: number;
  /** Queue position: when it (first) started waiting. */
  enqueuedAt: string | null;
  acceptDeadline: string | null;
  deferredUntil: string | null;
  lastActivityAt: string;
  idleNotified: boolean;
  excludedAgents: string[];
  preferredAgentId: string | null;
  /** Set by a transfer: constrains who may take it next. */
  target: { agentId: string | null; teamId: string | null } | null;
  transfer: { fromAgentId: string; comment: string | null; at: string; forced: boolean } | null;
  offeredAt: string | null;
  acceptedAt: string | null;
  firstResponseAt: string | null;
  completedAt: string | null;
  completedBy: "agent" | "smart_closure" | null;
  disposition: Disposition | null;
  conversationClosed: boolean;
  closing: { phase: "waiting_reply" | "asked"; deadline: string; waitForReply: boolean } | null;
  customer: { id: string; name: string };
  preview: { text: string; at: string; author: AuthorType };
  /** Customer messages not yet answered (their statuses change on accept, reply, complete). */
  pendingMessageIds: string[];
  /** The timer record written with this state (kept so the next write can delete it). */
  scheduled?: { kind: TimerKind; dueAt: number } | null;
};

export type Actor = Author;

/** Who acts when nobody does: routing, timers, automated messages. */
export const SYSTEM = { type: "system", id: null, name: "System" } as const satisfies Actor;

export type EventName = InteractionEventName;

export type InteractionEventEffect = {
  [E in InteractionEventName]: { type: "event"; agentId: string; event: E; data: InteractionEventExtra<E> };
}[InteractionEventName];

export type InteractionEffect =
  | { type: "agent"; agentId: string; command: AgentCommand }
  /** A feed event for `agentId`; the commit adds `interactionId` and the interaction's view. */
  | InteractionEventEffect
  | { type: "audit"; action: string; details?: Record<string, unknown> }
  | { type: "messages"; to: "assigned" | "replied" | "ignored" }
  | { type: "outbound"; kind: "smart_closure_question" | "smart_closure_follow_up" }
  | { type: "dispatch"; group: ChannelGroup };

export type SmartClosure = { enabled: boolean; timeout: number; waitForReply: boolean };

export type DecideContext = {
  now: number;
  acceptTimeout: number | null;
  awayOnMiss: boolean;
  smartClosure: SmartClosure | null;
  dispositionRequired: boolean;
  dispositionIds: readonly string[];
};

export type TimerKind = "accept" | "idle" | "wake" | "closing";

/**
 * Every command the interaction takes. Each phase module declares the commands it decides beside
 * their decide functions (`OfferCommand` in offer.ts, `HandlingCommand` in handling.ts, …), so a
 * new command is written in its phase only; the timer's is here, where timers are read.
 */
export type InteractionCommand =
  | OfferCommand
  | HandlingCommand
  | TransferCommand
  | ClosingCommand
  | { type: "timer"; kind: TimerKind; ownerCanTake: boolean; idleTimeout: number | null };

export type Decision = { state: InteractionState; effects: InteractionEffect[] };

/** One kind of command, by its `type` (what each phase's decide function takes). */
export type CommandOf<T extends InteractionCommand["type"]> = Extract<InteractionCommand, { type: T }>;

/**
 * The decide function of every command, by its `type`. Each phase module exports the part it
 * decides (`satisfies Partial<CommandHandlers>`); `decide.ts` joins them and fails to compile
 * while a command has none, so a new command is declared here and decided in its phase only.
 */
export type CommandHandlers = {
  [T in InteractionCommand["type"]]: (s: InteractionState, cmd: CommandOf<T>, ctx: DecideContext) => Decision;
};

export const OPEN_STATES: readonly InteractionStatus[] = [
  "queued",
  "offered",
  "active",
  "deferred",
  "closing",
];
export const isOpen = (s: InteractionState) => s.state !== "completed";

export function folderOf(s: Pick<InteractionState, "state">): FolderOf {
  return folderOfState(s.state);
}

/** The single timer an interaction has in a given state (or null). */
export function timerOf(
  s: InteractionState,
  idleTimeout: number | null,
): { kind: TimerKind; dueAt: number } | null {
  switch (s.state) {
    case "offered":
      return s.acceptDeadline ? { kind: "accept", dueAt: ms(s.acceptDeadline) } : null;
    case "active":
      return idleTimeout && !s.idleNotified
        ? { kind: "idle", dueAt: ms(s.lastActivityAt) + idleTimeout * 1000 }
        : null;
    case "deferred":
      return s.deferredUntil ? { kind: "wake", dueAt: ms(s.deferredUntil) } : null;
    case "closing":
      return s.closing ? { kind: "closing", dueAt: ms(s.closing.deadline) } : null;
    default:
      return null;
  }
}

export type NewInteraction = {
  id: string;
  threadId: string;
  sourceId: string;
  group: ChannelGroup;
  categories: string[];
  language: string;
  priority: number;
  customer: { id: string; name: string };
  preferredAgentId: string | null;
  text: string;
  messageId: string;
  now: number;
};

export function newInteraction(n: NewInteraction): InteractionState {
  const at = iso(n.now);
  return {
    id: n.id,
    threadId: n.threadId,
    sourceId: n.sourceId,
    group: n.group,
    state: "queued",
    agentId: null,
    categories: n.categories,
    language: n.language,
    priority: n.priority,
    createdAt: at,
    updatedAt: at,
    epoch: 0,
    enqueuedAt: at,
    acceptDeadline: null,
    deferredUntil: null,
    lastActivityAt: at,
    idleNotified: false,
    excludedAgents: [],
    preferredAgentId: n.preferredAgentId,
    target: null,
    transfer: null,
    offeredAt: null,
    acceptedAt: null,
    firstResponseAt: null,
    completedAt: null,
    completedBy: null,
    disposition: null,
    conversationClosed: false,
    closing: null,
    customer: n.customer,
    preview: { text: n.text, at, author: "customer" },
    pendingMessageIds: [n.messageId],
  };
}
