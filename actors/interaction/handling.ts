/**
 * Handling an accepted interaction (SPEC A2, A3, A5, R8, R11): replies, customer messages
 * joining it, deferral and its wake-up, resume, the idle prompt, and requirement changes.
 */
import { iso, ms } from "../../lib/shared/time.ts";
import { invalid, type Refusal, refuse } from "../refusal.ts";
import { reopenFromClosing } from "./closing.ts";
import {
  addPending,
  PREVIEW_CHARS,
  reactivate,
  requeue,
  requireOwner,
  updated,
  wrongState,
} from "./rules.ts";
import type {
  CommandHandlers,
  CommandOf,
  DecideContext,
  Decision,
  InteractionEffect,
  InteractionState,
} from "./state.ts";

/** The commands of the handling phase. */
export type HandlingCommand =
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
  | { type: "set_requirements"; categories?: string[]; language?: string };

export function reply(s: InteractionState, cmd: CommandOf<"reply">, ctx: DecideContext): Decision {
  if (s.state !== "active") wrongState(s, "reply to");
  requireOwner(s, cmd.agentId, "reply");
  const now = ctx.now;
  const at = iso(now);
  const effects: InteractionEffect[] = [{ type: "messages", to: "replied" }];
  if (s.firstResponseAt === null) {
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

export function customerMessage(
  s: InteractionState,
  cmd: CommandOf<"customer_message">,
  ctx: DecideContext,
): Decision {
  if (s.state === "completed") wrongState(s, "add a message to");
  const at = iso(ctx.now);
  const joined: InteractionState = {
    ...addPending(s, cmd.messageId),
    preview: { text: cmd.text.slice(0, PREVIEW_CHARS), at, author: "customer" },
    lastActivityAt: at,
    idleNotified: false,
    // The customer writing again reopens a conversation they had closed (C7).
    conversationClosed: false,
  };
  if (s.state === "deferred") return wakeUp(joined, cmd.ownerCanTake, "customer_message", ctx);
  if (s.state === "closing") return reopenFromClosing(joined, cmd, ctx);
  return { state: joined, effects: [] };
}

/** Why a deferral date is refused (A5: a future time), or null. */
function deferralProblem(until: number, now: number): Refusal | null {
  return until > now ? null : invalid("The deferral date must be in the future.", [{
    path: "until",
    message: "must be in the future",
  }]);
}

export function defer(s: InteractionState, cmd: CommandOf<"defer">, ctx: DecideContext): Decision {
  const bad = deferralProblem(cmd.until, ctx.now);
  if (bad) refuse(bad);
  if (s.state !== "active") wrongState(s, "defer");
  requireOwner(s, cmd.agentId, "defer");
  const until = iso(cmd.until);
  return {
    state: { ...s, state: "deferred", deferredUntil: until },
    effects: [
      { type: "agent", agentId: cmd.agentId, command: { type: "release", group: s.group, now: ctx.now } },
      ...updated(cmd.agentId),
      { type: "audit", action: "deferred", details: { until } },
      { type: "dispatch", group: s.group },
    ],
  };
}

/** Deferred back to its owner (who takes it now) or to the queue, preferring the owner (A5, R8). */
export function wakeUp(
  x: InteractionState,
  ownerCanTake: boolean,
  why: string,
  ctx: DecideContext,
): Decision {
  const now = ctx.now;
  if (ownerCanTake && x.agentId) {
    return {
      state: reactivate(x, now),
      effects: [
        { type: "agent", agentId: x.agentId, command: { type: "occupy", group: x.group, now } },
        ...updated(x.agentId, "returned_from_deferred"),
        { type: "audit", action: "returned_from_deferred", details: { why } },
      ],
    };
  }
  return {
    state: requeue(x, now, { preferredAgentId: x.agentId, enqueuedAt: iso(now) }),
    effects: [
      ...updated(x.agentId, "requeued_from_deferred"),
      { type: "audit", action: "requeued_from_deferred", details: { why } },
      { type: "dispatch", group: x.group },
    ],
  };
}

export function resume(s: InteractionState, cmd: CommandOf<"resume">, ctx: DecideContext): Decision {
  if (s.state !== "deferred" && s.state !== "completed") wrongState(s, "resume");
  const now = ctx.now;
  const effects: InteractionEffect[] = [
    { type: "agent", agentId: cmd.agentId, command: { type: "occupy", group: s.group, now } },
    ...updated(cmd.agentId),
    { type: "audit", action: "resumed", details: { from: s.state } },
  ];
  if (s.agentId && s.agentId !== cmd.agentId) effects.push(...updated(s.agentId, "taken_over"));
  return {
    state: {
      ...reactivate(s, now),
      agentId: cmd.agentId,
      completedAt: null,
      completedBy: null,
      acceptedAt: s.acceptedAt ?? iso(now),
    },
    effects,
  };
}

/** No activity for the idle time (R11): one prompt per quiet period. */
export function idlePrompt(s: InteractionState): Decision {
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
}

export function setRequirements(s: InteractionState, cmd: CommandOf<"set_requirements">): Decision {
  const effects: InteractionEffect[] = [...updated(s.agentId)];
  if (s.state === "queued") effects.push({ type: "dispatch", group: s.group });
  return {
    state: { ...s, categories: cmd.categories ?? s.categories, language: cmd.language ?? s.language },
    effects,
  };
}

/** The commands this phase decides (joined in `decide.ts`). */
export const handlingPhase = {
  reply,
  customer_message: customerMessage,
  defer,
  resume,
  set_requirements: setRequirements,
} satisfies Partial<CommandHandlers>;
