/**
 * Offer and accept (SPEC R5–R7): a queued interaction is offered to one agent, who accepts it
 * or lets the accept time limit pass (the miss puts it back in the queue without that agent).
 */
import { iso } from "../../lib/shared/time.ts";
import { conflict, refuse } from "../refusal.ts";
import { requeue, updated, wrongState } from "./rules.ts";
import type { CommandHandlers, CommandOf, DecideContext, Decision, InteractionState } from "./state.ts";

/** The commands of the offer phase. */
export type OfferCommand =
  | { type: "offer"; agentId: string; newRound: boolean }
  | { type: "accept"; agentId: string }
  /** The offer is taken back: its agent can no longer work (sessions ended, SPEC M1b). No miss counted. */
  | { type: "withdraw_offer"; agentId: string };

export function offer(s: InteractionState, cmd: CommandOf<"offer">, ctx: DecideContext): Decision {
  if (s.state !== "queued") wrongState(s, "offer");
  const now = ctx.now;
  const acceptDeadline = ctx.acceptTimeout ? iso(now + ctx.acceptTimeout * 1000) : null;
  return {
    state: {
      ...s,
      state: "offered",
      agentId: cmd.agentId,
      acceptDeadline,
      offeredAt: iso(now),
      enqueuedAt: null,
      excludedAgents: cmd.newRound ? [] : s.excludedAgents,
    },
    effects: [
      { type: "agent", agentId: cmd.agentId, command: { type: "occupy", group: s.group, now, offer: true } },
      { type: "event", agentId: cmd.agentId, event: "interaction.offered", data: { acceptDeadline } },
      { type: "audit", action: "offered", details: { agentId: cmd.agentId, acceptDeadline } },
    ],
  };
}

export function accept(s: InteractionState, cmd: CommandOf<"accept">, ctx: DecideContext): Decision {
  if (s.state !== "offered") {
    if (s.agentId === cmd.agentId && s.state === "active") {
      refuse(conflict("already_accepted", "You already accepted this interaction."));
    }
    if (s.state === "active" || s.state === "queued") {
      refuse(conflict("not_offered", "This interaction is no longer offered to you."));
    }
    wrongState(s, "accept");
  }
  if (s.agentId !== cmd.agentId) {
    refuse(conflict("not_owner", "This interaction is offered to someone else."));
  }
  const at = iso(ctx.now);
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

/** The accept time limit passed (R6): withdrawn, counted as missed, routed to someone else. */
export function acceptTimedOut(s: InteractionState, ctx: DecideContext): Decision {
  const agentId = s.agentId!;
  const now = ctx.now;
  return {
    state: requeue(s, now, {
      excludedAgents: [...s.excludedAgents, agentId],
      enqueuedAt: s.offeredAt ?? iso(now),
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

/**
 * The offer is taken back because its agent's sessions ended (SPEC M1b: disabled, removed, new
 * password or role): back in the queue at its place, without that agent, not counted as missed.
 * Anything but a pending offer to that agent is left as it is.
 */
export function withdrawOffer(
  s: InteractionState,
  cmd: CommandOf<"withdraw_offer">,
  ctx: DecideContext,
): Decision {
  if (s.state !== "offered" || s.agentId !== cmd.agentId) return { state: s, effects: [] };
  const now = ctx.now;
  return {
    state: requeue(s, now, {
      excludedAgents: [...s.excludedAgents, cmd.agentId],
      enqueuedAt: s.offeredAt ?? iso(now),
    }),
    effects: [
      { type: "agent", agentId: cmd.agentId, command: { type: "release", group: s.group, now } },
      {
        type: "event",
        agentId: cmd.agentId,
        event: "interaction.withdrawn",
        data: { reason: "agent_signed_out" },
      },
      { type: "audit", action: "offer_withdrawn", details: { agentId: cmd.agentId } },
      { type: "dispatch", group: s.group },
    ],
  };
}

/** The commands this phase decides (joined in `decide.ts`). */
export const offerPhase = {
  offer,
  accept,
  withdraw_offer: withdrawOffer,
} satisfies Partial<CommandHandlers>;
