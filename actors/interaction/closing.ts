/**
 * Closing (SPEC A7, C1–C7): Complete with its disposition, smart closure (the question, the
 * wait, the customer's Yes / No / new message, no answer in time) and the customer closing the
 * conversation.
 */
import { iso, ms } from "../../lib/shared/time.ts";
import { invalid, refuse } from "../refusal.ts";
import { reactivate, requeue, requireOwner, updated, wrongState } from "./rules.ts";
import type {
  CommandHandlers,
  CommandOf,
  DecideContext,
  Decision,
  Disposition,
  InteractionEffect,
  InteractionState,
} from "./state.ts";

/** The commands of the closing phase. */
export type ClosingCommand =
  | { type: "complete"; agentId: string; disposition: Disposition | null; waitForReply: boolean | null }
  | { type: "conversation_closed" };

/** Which smart-closure ending completed it; desk/audit_text.ts reads it. */
export type ClosingReason = "customer answered No" | "no answer in time" | "customer closed the conversation";

export function complete(s: InteractionState, cmd: CommandOf<"complete">, ctx: DecideContext): Decision {
  if (s.state !== "active") wrongState(s, "complete");
  requireOwner(s, cmd.agentId, "complete");
  if (ctx.dispositionRequired && !cmd.disposition) {
    refuse(invalid(
      "This source requires a disposition.",
      [{ path: "disposition", message: "required by the source" }],
      "disposition_required",
    ));
  }
  if (cmd.disposition && !ctx.dispositionIds.includes(cmd.disposition.categoryId)) {
    refuse(invalid("Unknown disposition.", [{
      path: "disposition.categoryId",
      message: `unknown disposition "${cmd.disposition.categoryId}"`,
    }]));
  }
  const now = ctx.now;
  const base = { ...s, disposition: cmd.disposition ?? s.disposition };
  const release: InteractionEffect = {
    type: "agent",
    agentId: cmd.agentId,
    command: { type: "release", group: s.group, now },
  };
  const sc = ctx.smartClosure;
  if (sc?.enabled && !s.conversationClosed) {
    const waitForReply = cmd.waitForReply ?? sc.waitForReply;
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
    return {
      state: {
        ...base,
        state: "closing",
        closing: {
          phase: waitForReply ? "waiting_reply" : "asked",
          deadline: iso(now + sc.timeout * 1000),
          waitForReply,
        },
      },
      effects,
    };
  }
  const done = completeNow(base, "agent", null, ctx);
  return { state: done.state, effects: [release, ...done.effects, { type: "dispatch", group: s.group }] };
}

/** Completed now: to History, unread customer messages ignored, handling time counted. */
export function completeNow(
  x: InteractionState,
  by: "agent" | "smart_closure",
  reason: ClosingReason | null,
  ctx: DecideContext,
): Decision {
  const now = ctx.now;
  const handleMs = x.acceptedAt ? now - ms(x.acceptedAt) : null;
  return {
    state: {
      ...x,
      state: "completed",
      completedAt: iso(now),
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

/**
 * A customer message during smart closure (C3–C5): No completes it; Yes or any text brings it
 * back to its owner as active (or to the queue, preferring the owner, who cannot take it now).
 */
export function reopenFromClosing(
  joined: InteractionState,
  cmd: CommandOf<"customer_message">,
  ctx: DecideContext,
): Decision {
  if (cmd.quickReply === "no") return completeNow(joined, "smart_closure", "customer answered No", ctx);
  const now = ctx.now;
  const answer = cmd.quickReply ?? "text";
  // Yes still asks for details (C3), whoever takes it next.
  const followUp: InteractionEffect[] = cmd.quickReply === "yes"
    ? [{ type: "outbound", kind: "smart_closure_follow_up" }]
    : [];
  if (!cmd.ownerCanTake) {
    return {
      state: requeue(joined, now, { preferredAgentId: joined.agentId, enqueuedAt: iso(now) }),
      effects: [
        ...updated(joined.agentId, "closing_reopened"),
        { type: "audit", action: "smart_closure_reopened", details: { answer, requeued: true } },
        { type: "dispatch", group: joined.group },
        ...followUp,
      ],
    };
  }
  return {
    state: reactivate(joined, now),
    effects: [
      { type: "agent", agentId: joined.agentId!, command: { type: "occupy", group: joined.group, now } },
      ...updated(joined.agentId, "closing_reopened"),
      { type: "audit", action: "smart_closure_reopened", details: { answer } },
      ...followUp,
    ],
  };
}

/** The smart-closure timer: after the wait for a reply, ask; after the question, complete. */
export function closingTimedOut(s: InteractionState, ctx: DecideContext): Decision {
  if (s.closing?.phase === "waiting_reply") {
    const timeout = ctx.smartClosure?.timeout ?? 120;
    return {
      state: { ...s, closing: { ...s.closing, phase: "asked", deadline: iso(ctx.now + timeout * 1000) } },
      effects: [{ type: "outbound", kind: "smart_closure_question" }, {
        type: "audit",
        action: "smart_closure_asked",
      }],
    };
  }
  return completeNow(s, "smart_closure", "no answer in time", ctx);
}

/** The customer closed the conversation (C7): recorded once; during smart closure, completes it. */
export function conversationClosed(s: InteractionState, ctx: DecideContext): Decision {
  if (s.conversationClosed) return { state: s, effects: [] };
  const closedEvent: InteractionEffect[] = s.agentId && s.state !== "completed"
    ? [{ type: "event", agentId: s.agentId, event: "conversation.closed", data: {} }]
    : [];
  if (s.state === "closing") {
    // Nobody is left to answer the smart-closure question: complete now rather than wait.
    const done = completeNow(
      { ...s, conversationClosed: true },
      "smart_closure",
      "customer closed the conversation",
      ctx,
    );
    return {
      state: done.state,
      effects: [...closedEvent, { type: "audit", action: "conversation_closed" }, ...done.effects],
    };
  }
  return {
    state: { ...s, conversationClosed: true },
    effects: [
      ...closedEvent,
      ...updated(s.state === "completed" ? null : s.agentId),
      { type: "audit", action: "conversation_closed" },
    ],
  };
}

/** The commands this phase decides (joined in `decide.ts`). */
export const closingPhase = {
  complete,
  conversation_closed: (s, _cmd, ctx) => conversationClosed(s, ctx),
} satisfies Partial<CommandHandlers>;
