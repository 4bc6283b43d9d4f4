/**
 * Rules every phase of the interaction shares: who may act, the refusals, the states it goes
 * back to (a queue, its owner's In progress) and the bounded list of unanswered messages.
 */
import { iso } from "../../lib/shared/time.ts";
import { conflict, refuse } from "../refusal.ts";
import type { UpdatedReason } from "../../lib/shared/wire/events.ts";
import type { InteractionEffect, InteractionState } from "./state.ts";

const MAX_PENDING = 200;
export const PREVIEW_CHARS = 140;

/** Refuses `action` in the interaction's current state (409 `invalid_state`). */
export function wrongState(s: InteractionState, action: string): never {
  refuse(
    conflict("invalid_state", `Cannot ${action} an interaction that is ${s.state}.`, { state: s.state }),
  );
}

/** Refuses unless `agentId` owns the interaction (409 `not_owner`). */
export function requireOwner(s: InteractionState, agentId: string, action: string): void {
  if (s.agentId !== agentId) {
    refuse(conflict("not_owner", `Cannot ${action}: this interaction is not yours.`));
  }
}

/** The owner's "interaction.updated" event, when there is an owner. */
export const updated = (agentId: string | null, reason?: UpdatedReason): InteractionEffect[] =>
  agentId ? [{ type: "event", agentId, event: "interaction.updated", data: reason ? { reason } : {} }] : [];

/** Back in a queue: the state a miss, a transfer or an unavailable owner leads to. */
export function requeue(
  s: InteractionState,
  now: number,
  patch: Partial<InteractionState>,
): InteractionState {
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
export function reactivate(s: InteractionState, now: number): InteractionState {
  return {
    ...s,
    state: "active",
    deferredUntil: null,
    closing: null,
    idleNotified: false,
    lastActivityAt: iso(now),
  };
}

/** Adds a customer message to the pending list (bounded). Used by the desk on inbound messages. */
export function addPending(s: InteractionState, messageId: string): InteractionState {
  const list = [...s.pendingMessageIds, messageId];
  return { ...s, pendingMessageIds: list.length > MAX_PENDING ? list.slice(-MAX_PENDING) : list };
}
