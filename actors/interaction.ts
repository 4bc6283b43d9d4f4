/**
 * The interaction actor: one unit of routed work on a thread (SPEC §1–4). `decideInteraction`
 * is a pure transition: (state, command, context) → { state, effects }. Effects are data; the
 * desk turns them into one atomic commit (agent load, feed events, audit, message statuses,
 * outbound messages). Timers are derived from the resulting state by `timerOf`.
 */
import type { AgentCommand } from "./agent.ts";
import type { ChannelGroup } from "../lib/config.ts";
import { Conflict, Invalid } from "../lib/errors.ts";
import { iso, ms } from "../lib/time.ts";

export type InteractionStatus = "queued" | "offered" | "active" | "deferred" | "closing" | "completed";
export type FolderOf = "in_progress" | "deferred" | "history" | "queue";

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
  preview: { text: string; at: string; author: "customer" | "agent" | "system" };
  /** Customer messages not yet answered (their statuses change on accept, reply, complete). */
  pendingMessageIds: string[];
  /** The timer record written with this state (kept so the next write can delete it). */
  scheduled?: { kind: TimerKind; dueAt: number } | null;
};

export type Actor = { type: "agent" | "customer" | "system"; id: string | null; name: string };

export type EventName =
  | "interaction.offered"
  | "interaction.withdrawn"
  | "interaction.updated"
  | "interaction.idle"
  | "conversation.closed";

export type InteractionEffect =
  | { type: "agent"; agentId: string; command: AgentCommand }
  | { type: "event"; agentId: string; event: EventName; data?: Record<string, unknown> }
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

export type InteractionCommand =
  | { type: "offer"; agentId: string; newRound: boolean }
  | { type: "accept"; agentId: string }
  | { type: "reply"; agentId: string; text: string }
  /** A customer message joined it. `ownerCanTake`: the owner may get it back now (R8). */
  | {
    type: "customer_message";
    messageId: string;
    text: string;
    ownerCanTake: boolean;
    quickReply: "yes" | "no" | null;
  }
  | { type: "defer"; agentId: string; until: number }
  | { type: "resume"; agentId: string }
  | { type: "transfer"; agentId: string; target: TransferTarget; comment: string | null; force: boolean }
  | { type: "complete"; agentId: string; disposition: Disposition | null; waitForReply: boolean | null }
  | { type: "timer"; kind: TimerKind; ownerCanTake: boolean; idleTimeout: number | null }
  | { type: "conversation_closed" }
  | { type: "set_requirements"; categories?: string[]; language?: string };

export type Decision = { state: InteractionState; effects: InteractionEffect[] };

export const OPEN_STATES: readonly InteractionStatus[] = [
  "queued",
  "offered",
  "active",
  "deferred",
  "closing",
];
export const isOpen = (s: InteractionState) => s.state !== "completed";

export function folderOf(s: Pick<InteractionState, "state">): FolderOf {
  switch (s.state) {
    case "queued":
      return "queue";
    case "offered":
    case "active":
    case "closing":
      return "in_progress";
    case "deferred":
      return "deferred";
    case "completed":
      return "history";
  }
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

const MAX_PENDING = 200;
const PREVIEW_CHARS = 140;

function conflict(s: InteractionState, action: string): never {
  throw new Conflict(`Cannot ${action} an interaction that is ${s.state}.`, "invalid_state", {
    state: s.state,
  });
}

function requireOwner(s: InteractionState, agentId: string, action: string) {
  if (s.agentId !== agentId) {
    throw new Conflict(`Cannot ${action}: this interaction is not yours.`, "not_owner");
  }
}

const updated = (agentId: string | null, extra?: Record<string, unknown>): InteractionEffect[] =>
  agentId ? [{ type: "event", agentId, event: "interaction.updated", data: extra }] : [];

/** Back in a queue: the state a miss, a transfer or an unavailable owner leads to. */
function requeue(s: InteractionState, now: number, patch: Partial<InteractionState>): InteractionState {
  return {
    ...s,
    state: "queued",
    agentId: null,
    acceptDeadline: null,
    deferredUntil: null,
    closing: null,
    enqueuedAt: s.enqueuedAt ?? iso(now),
    ...patch,
  };
}

/** The interaction as it returns to its owner's In progress (R8, A5 wake-up, C3/C4). */
function reactivate(s: InteractionState, now: number): InteractionState {
  return {
    ...s,
    state: "active",
    deferredUntil: null,
    closing: null,
    idleNotified: false,
    lastActivityAt: iso(now),
  };
}

/**
 * Applies one command. Throws `Conflict` (409) when the state does not allow it and `Invalid`
 * (400) for bad arguments; never performs I/O.
 */
export function decideInteraction(
  s: InteractionState,
  cmd: InteractionCommand,
  ctx: DecideContext,
): Decision {
  const now = ctx.now;
  const at = iso(now);
  const d = decide();
  return { state: { ...d.state, updatedAt: at, epoch: s.epoch + 1 }, effects: d.effects };

  function decide(): Decision {
    switch (cmd.type) {
      case "offer": {
        if (s.state !== "queued") conflict(s, "offer");
        const acceptDeadline = ctx.acceptTimeout ? iso(now + ctx.acceptTimeout * 1000) : null;
        const state: InteractionState = {
          ...s,
          state: "offered",
          agentId: cmd.agentId,
          acceptDeadline,
          offeredAt: at,
          enqueuedAt: null,
          excludedAgents: cmd.newRound ? [] : s.excludedAgents,
        };
        return {
          state,
          effects: [
            {
              type: "agent",
              agentId: cmd.agentId,
              command: { type: "occupy", group: s.group, now, offer: true },
            },
            { type: "event", agentId: cmd.agentId, event: "interaction.offered", data: { acceptDeadline } },
            { type: "audit", action: "offered", details: { agentId: cmd.agentId, acceptDeadline } },
          ],
        };
      }
      case "accept": {
        if (s.state !== "offered") {
          if (s.agentId === cmd.agentId && s.state === "active") {
            throw new Conflict("You already accepted this interaction.", "already_accepted");
          }
          if (s.state === "active" || s.state === "queued") {
            throw new Conflict("This interaction is no longer offered to you.", "not_offered");
          }
          conflict(s, "accept");
        }
        if (s.agentId !== cmd.agentId) {
          throw new Conflict("This interaction is offered to someone else.", "not_owner");
        }
        return {
          state: {
            ...s,
            state: "active",
            acceptDeadline: null,
            acceptedAt: at,
            lastActivityAt: at,
            idleNotified: false,
            excludedAgents: [],
            target: null,
            preferredAgentId: null,
          },
          effects: [
            { type: "agent", agentId: cmd.agentId, command: { type: "accepted" } },
            { type: "messages", to: "assigned" },
            ...updated(cmd.agentId),
            { type: "audit", action: "accepted" },
          ],
        };
      }
      case "reply": {
        if (s.state !== "active") conflict(s, "reply to");
        requireOwner(s, cmd.agentId, "reply");
        const first = s.firstResponseAt === null;
        const effects: InteractionEffect[] = [{ type: "messages", to: "replied" }];
        if (first) {
          const since = ms(s.acceptedAt ?? s.createdAt);
          effects.push({
            type: "agent",
            agentId: cmd.agentId,
            command: { type: "first_response", ms: now - since },
          });
        }
        return {
          state: {
            ...s,
            lastActivityAt: at,
            idleNotified: false,
            firstResponseAt: s.firstResponseAt ?? at,
            pendingMessageIds: [],
            preview: { text: cmd.text.slice(0, PREVIEW_CHARS), at, author: "agent" },
          },
          effects,
        };
      }
      case "customer_message": {
        if (s.state === "completed") conflict(s, "add a message to");
        const base: InteractionState = {
          ...addPending(s, cmd.messageId),
          preview: { text: cmd.text.slice(0, PREVIEW_CHARS), at, author: "customer" },
          lastActivityAt: at,
          idleNotified: false,
          // The customer writing again reopens a conversation they had closed (C7).
          conversationClosed: false,
        };
        if (s.state === "deferred") {
          return wakeUp(base, cmd.ownerCanTake, "customer_message");
        }
        if (s.state === "closing") {
          if (cmd.quickReply === "no") return completeNow(base, "smart_closure", "customer answered No");
          if (!cmd.ownerCanTake) {
            return {
              state: requeue(base, now, { preferredAgentId: s.agentId, enqueuedAt: at }),
              effects: [
                ...updated(s.agentId, { reason: "closing_reopened" }),
                {
                  type: "audit",
                  action: "smart_closure_reopened",
                  details: { answer: cmd.quickReply ?? "text", requeued: true },
                },
                { type: "dispatch", group: s.group },
                // Yes still asks for details (C3), whoever takes it next.
                ...(cmd.quickReply === "yes"
                  ? [{ type: "outbound", kind: "smart_closure_follow_up" } as const]
                  : []),
              ],
            };
          }
          const effects: InteractionEffect[] = [
            { type: "agent", agentId: s.agentId!, command: { type: "occupy", group: s.group, now } },
            ...updated(s.agentId, { reason: "closing_reopened" }),
            {
              type: "audit",
              action: "smart_closure_reopened",
              details: { answer: cmd.quickReply ?? "text" },
            },
          ];
          if (cmd.quickReply === "yes") effects.push({ type: "outbound", kind: "smart_closure_follow_up" });
          return { state: reactivate(base, now), effects };
        }
        return { state: base, effects: [] };
      }
      case "defer": {
        if (s.state !== "active") conflict(s, "defer");
        requireOwner(s, cmd.agentId, "defer");
        if (cmd.until <= now) {
          throw new Invalid("The deferral date must be in the future.", [{
            path: "until",
            message: "must be in the future",
          }]);
        }
        return {
          state: { ...s, state: "deferred", deferredUntil: iso(cmd.until) },
          effects: [
            { type: "agent", agentId: cmd.agentId, command: { type: "release", group: s.group, now } },
            ...updated(cmd.agentId),
            { type: "audit", action: "deferred", details: { until: iso(cmd.until) } },
            { type: "dispatch", group: s.group },
          ],
        };
      }
      case "resume": {
        if (s.state !== "deferred" && s.state !== "completed") conflict(s, "resume");
        const from = s.state;
        const effects: InteractionEffect[] = [
          { type: "agent", agentId: cmd.agentId, command: { type: "occupy", group: s.group, now } },
          ...updated(cmd.agentId),
          { type: "audit", action: "resumed", details: { from } },
        ];
        if (s.agentId && s.agentId !== cmd.agentId) {
          effects.push(...updated(s.agentId, { reason: "taken_over" }));
        }
        return {
          state: {
            ...reactivate(s, now),
            agentId: cmd.agentId,
            completedAt: null,
            completedBy: null,
            acceptedAt: s.acceptedAt ?? at,
          },
          effects,
        };
      }
      case "transfer": {
        if (s.state !== "active" && s.state !== "deferred" && s.state !== "queued" && s.state !== "offered") {
          conflict(s, "transfer");
        }
        const t = cmd.target;
        if (!t.agentId && !t.teamId && !t.categories?.length && !t.language) {
          throw new Invalid("A transfer needs a target.", [{
            path: "agentId",
            message: "give agentId, teamId, categories or language",
          }]);
        }
        if (cmd.force && !t.agentId) {
          throw new Invalid("A forced transfer needs an agent.", [{
            path: "agentId",
            message: "required with force",
          }]);
        }
        const from = s.agentId;
        const effects: InteractionEffect[] = [];
        if (from && (s.state === "active" || s.state === "offered")) {
          effects.push({ type: "agent", agentId: from, command: { type: "release", group: s.group, now } });
        }
        if (from && s.state !== "queued") {
          effects.push({ type: "agent", agentId: from, command: { type: "transferred_out" } });
          effects.push(
            s.state === "offered"
              ? {
                type: "event",
                agentId: from,
                event: "interaction.withdrawn",
                data: { reason: "transferred" },
              }
              : {
                type: "event",
                agentId: from,
                event: "interaction.updated",
                data: { reason: "transferred_out" },
              },
          );
        }
        effects.push({
          type: "audit",
          action: "transferred",
          details: { from, to: t, comment: cmd.comment, forced: cmd.force },
        });
        const transfer = { fromAgentId: cmd.agentId, comment: cmd.comment, at, forced: cmd.force };
        const requirements = {
          categories: t.categories?.length ? t.categories : s.categories,
          language: t.language ?? s.language,
        };
        if (cmd.force) {
          const to = t.agentId!;
          effects.push({
            type: "agent",
            agentId: to,
            command: { type: "occupy", group: s.group, now, force: true },
          });
          effects.push({
            type: "event",
            agentId: to,
            event: "interaction.updated",
            data: { reason: "transferred_in" },
          });
          // The sender's freed capacity goes to the queue at once (R4).
          if (from && (s.state === "active" || s.state === "offered")) {
            effects.push({ type: "dispatch", group: s.group });
          }
          return {
            state: {
              ...reactivate(s, now),
              ...requirements,
              agentId: to,
              acceptDeadline: null,
              enqueuedAt: null,
              priority: Math.max(s.priority, 1000),
              target: null,
              transfer,
              acceptedAt: at,
              excludedAgents: [],
            },
            effects,
          };
        }
        effects.push({ type: "dispatch", group: s.group });
        return {
          state: requeue(s, now, {
            ...requirements,
            enqueuedAt: at,
            target: { agentId: t.agentId ?? null, teamId: t.teamId ?? null },
            transfer,
            excludedAgents: [],
            preferredAgentId: null,
          }),
          effects,
        };
      }
      case "complete": {
        if (s.state !== "active") conflict(s, "complete");
        requireOwner(s, cmd.agentId, "complete");
        if (ctx.dispositionRequired && !cmd.disposition) {
          throw new Invalid("This source requires a disposition.", [{
            path: "disposition",
            message: "required by the source",
          }], "disposition_required");
        }
        if (cmd.disposition && !ctx.dispositionIds.includes(cmd.disposition.categoryId)) {
          throw new Invalid("Unknown disposition.", [{
            path: "disposition.categoryId",
            message: `unknown disposition "${cmd.disposition.categoryId}"`,
          }]);
        }
        const base = { ...s, disposition: cmd.disposition ?? s.disposition };
        const release: InteractionEffect = {
          type: "agent",
          agentId: cmd.agentId,
          command: { type: "release", group: s.group, now },
        };
        const sc = ctx.smartClosure;
        if (sc?.enabled && !s.conversationClosed) {
          const waitForReply = cmd.waitForReply ?? sc.waitForReply;
          const state: InteractionState = {
            ...base,
            state: "closing",
            closing: {
              phase: waitForReply ? "waiting_reply" : "asked",
              deadline: iso(now + sc.timeout * 1000),
              waitForReply,
            },
          };
          const effects: InteractionEffect[] = [
            release,
            ...updated(cmd.agentId),
            {
              type: "audit",
              action: "smart_closure_started",
              details: { waitForReply, disposition: cmd.disposition },
            },
            { type: "dispatch", group: s.group },
          ];
          if (!waitForReply) effects.push({ type: "outbound", kind: "smart_closure_question" });
          return { state, effects };
        }
        const done = completeNow(base, "agent", null);
        return {
          state: done.state,
          effects: [release, ...done.effects, { type: "dispatch", group: s.group }],
        };
      }
      case "timer":
        return onTimer(cmd.kind, cmd.ownerCanTake, cmd.idleTimeout);
      case "conversation_closed": {
        if (s.conversationClosed) return { state: s, effects: [] };
        const closedEvent: InteractionEffect[] = s.agentId && s.state !== "completed"
          ? [{ type: "event", agentId: s.agentId, event: "conversation.closed" }]
          : [];
        if (s.state === "closing") {
          // Nobody is left to answer the smart-closure question: complete now rather than wait.
          const done = completeNow(
            { ...s, conversationClosed: true },
            "smart_closure",
            "customer closed the conversation",
          );
          return {
            state: done.state,
            effects: [...closedEvent, { type: "audit", action: "conversation_closed" }, ...done.effects],
          };
        }
        return {
          state: { ...s, conversationClosed: true },
          effects: [
            ...(s.agentId && s.state !== "completed"
              ? [{ type: "event", agentId: s.agentId, event: "conversation.closed" } as InteractionEffect]
              : []),
            ...updated(s.state === "completed" ? null : s.agentId),
            { type: "audit", action: "conversation_closed" },
          ],
        };
      }
      case "set_requirements": {
        const next = {
          ...s,
          categories: cmd.categories ?? s.categories,
          language: cmd.language ?? s.language,
        };
        const effects: InteractionEffect[] = [...updated(s.agentId)];
        if (s.state === "queued") effects.push({ type: "dispatch", group: s.group });
        return { state: next, effects };
      }
      default: {
        const never: never = cmd;
        throw new Error(`unknown interaction command ${JSON.stringify(never)}`);
      }
    }
  }

  /** `reason` (smart closure only) says which ending it was; desk/audit_text.ts reads it. */
  function completeNow(
    x: InteractionState,
    by: "agent" | "smart_closure",
    reason: "customer answered No" | "no answer in time" | "customer closed the conversation" | null,
  ): Decision {
    const handleMs = x.acceptedAt ? now - ms(x.acceptedAt) : null;
    return {
      state: {
        ...x,
        state: "completed",
        completedAt: at,
        completedBy: by,
        closing: null,
        pendingMessageIds: [],
      },
      effects: [
        { type: "messages", to: "ignored" },
        { type: "agent", agentId: x.agentId!, command: { type: "completed", handleMs } },
        ...updated(x.agentId),
        { type: "audit", action: "completed", details: { by, reason, disposition: x.disposition } },
      ],
    };
  }

  function wakeUp(x: InteractionState, ownerCanTake: boolean, why: string): Decision {
    if (ownerCanTake && x.agentId) {
      return {
        state: reactivate(x, now),
        effects: [
          { type: "agent", agentId: x.agentId, command: { type: "occupy", group: s.group, now } },
          ...updated(x.agentId, { reason: "returned_from_deferred" }),
          { type: "audit", action: "returned_from_deferred", details: { why } },
        ],
      };
    }
    return {
      state: requeue(x, now, { preferredAgentId: x.agentId, enqueuedAt: at }),
      effects: [
        ...updated(x.agentId, { reason: "requeued_from_deferred" }),
        { type: "audit", action: "requeued_from_deferred", details: { why } },
        { type: "dispatch", group: s.group },
      ],
    };
  }

  function onTimer(kind: TimerKind, ownerCanTake: boolean, idleTimeout: number | null): Decision {
    const timer = timerOf(s, idleTimeout);
    if (!timer || timer.kind !== kind) return { state: s, effects: [] };
    switch (kind) {
      case "accept": {
        const agentId = s.agentId!;
        return {
          state: requeue(s, now, {
            excludedAgents: [...s.excludedAgents, agentId],
            enqueuedAt: s.offeredAt ?? at,
          }),
          effects: [
            {
              type: "agent",
              agentId,
              command: { type: "missed", group: s.group, awayOnMiss: ctx.awayOnMiss, now },
            },
            { type: "event", agentId, event: "interaction.withdrawn", data: { reason: "accept_timeout" } },
            { type: "audit", action: "offer_missed", details: { agentId } },
            { type: "dispatch", group: s.group },
          ],
        };
      }
      case "idle":
        return {
          state: { ...s, idleNotified: true },
          effects: [
            {
              type: "event",
              agentId: s.agentId!,
              event: "interaction.idle",
              data: { lastActivityAt: s.lastActivityAt },
            },
            { type: "audit", action: "idle" },
          ],
        };
      case "wake":
        return wakeUp(s, ownerCanTake, "deferral_ended");
      case "closing": {
        if (s.closing?.phase === "waiting_reply") {
          const timeout = ctx.smartClosure?.timeout ?? 120;
          return {
            state: { ...s, closing: { ...s.closing, phase: "asked", deadline: iso(now + timeout * 1000) } },
            effects: [{ type: "outbound", kind: "smart_closure_question" }, {
              type: "audit",
              action: "smart_closure_asked",
            }],
          };
        }
        return completeNow(s, "smart_closure", "no answer in time");
      }
    }
  }
}

/** Adds a customer message to the pending list (bounded). Used by the desk on inbound messages. */
export function addPending(s: InteractionState, messageId: string): InteractionState {
  const list = [...s.pendingMessageIds, messageId];
  return { ...s, pendingMessageIds: list.length > MAX_PENDING ? list.slice(-MAX_PENDING) : list };
}

/** The public view of an interaction (API.md `Interaction`). */
export function interactionView(s: InteractionState) {
  return {
    id: s.id,
    threadId: s.threadId,
    sourceId: s.sourceId,
    group: s.group,
    state: s.state,
    agentId: s.agentId,
    categories: s.categories,
    language: s.language,
    priority: s.priority,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    acceptDeadline: s.acceptDeadline,
    deferredUntil: s.deferredUntil,
    disposition: s.disposition,
    conversationClosed: s.conversationClosed,
    closing: s.closing,
    transfer: s.transfer,
    customer: s.customer,
    preview: s.preview,
    offeredAt: s.offeredAt,
    acceptedAt: s.acceptedAt,
    completedAt: s.completedAt,
    completedBy: s.completedBy,
    lastActivityAt: s.lastActivityAt,
  };
}
export type InteractionView = ReturnType<typeof interactionView>;
