/**
 * Co-browsing sessions (SPEC A15), the ground the operations stand on: the session record and its
 * public view, saving a change (state, audit entry and agent-feed event in one commit), and the
 * checks every operation makes — who may act on a session, and whether its interaction still
 * holds it (ending it for good when it does not). The operations are in `cobrowse.ts`, the relay
 * in `cobrowse_relay.ts`.
 */
import type { AuthorType } from "../lib/shared/wire/views.ts";
import { transact, type Tx } from "../lib/server/actor.ts";
import { Conflict, NotFound, Unauthorized } from "../lib/shared/errors.ts";
import { keys } from "../lib/server/keys.ts";
import { iso } from "../lib/shared/time.ts";
import type { CobrowseState, CobrowseView } from "../lib/shared/wire/webchat.ts";
import type { AgentState } from "../actors/agent.ts";
import { type Actor, type InteractionState, SYSTEM } from "../actors/interaction.ts";
import type { ThreadState } from "../actors/thread.ts";
import { checkInvite, guestKeyMatches, isInviteToken } from "./cobrowse_invite.ts";
import type { Desk } from "./desk.ts";
import { writeAudit } from "./persist.ts";
import type { Visitor } from "./webchat.ts";

export type CobrowseSession = {
  id: string;
  interactionId: string;
  threadId: string;
  sourceId: string;
  visitorId: string;
  customerName: string;
  agentId: string;
  agentName: string;
  state: CobrowseState;
  control: boolean;
  createdAt: string;
  updatedAt: string;
  acceptedAt: string | null;
  endedAt: string | null;
  endedBy: AuthorType | null;
  /** How the customer takes part: our widget (chat), or a link sent by the connector (messaging). */
  channel?: "widget" | "link";
  /** Link sessions: until when the invitation can be accepted, and the accepted browser's key hash. */
  inviteExpiresAt?: number | null;
  guestKeyHash?: string | null;
  /** Why the desk ended it (system ends). */
  endReason?: EndReason | null;
};

export type Direction = "up" | "down";
export type LogEntry = { seq: number; batch: string; part: number; parts: number };
export type EndReason =
  | "transferred"
  | "deferred"
  | "completed"
  | "conversation_closed"
  | "withdrawn"
  | "gone"
  | "invite_expired";

/** The customer side of a call: the widget's visitor, or the holder of an invitation or its key. */
export type Customer = { visitor: Visitor } | { guest: string };

/** Sources whose customers can share their screen (A15). */
export const COBROWSE_KINDS = new Set(["chat", "messaging"]);

export const isLive = (s: CobrowseSession) => s.state === "requested" || s.state === "active";

/**
 * Why a session of `agentId` can no longer run on interaction `i`, or null while it can (the
 * interaction is active with that agent and its conversation open). Pure.
 */
export function endReason(agentId: string, i: InteractionState | null): EndReason | null {
  if (!i) return "gone";
  if (i.conversationClosed) return "conversation_closed";
  if (i.state === "active" && i.agentId === agentId) return null;
  if (i.state === "deferred") return "deferred";
  if (i.state === "closing" || i.state === "completed") return "completed";
  if (i.state === "active" || i.transfer?.fromAgentId === agentId) return "transferred";
  return "withdrawn";
}

/** Pure: does this change of an interaction end any co-browsing session of its agent? */
export function leavesCobrowse(before: InteractionState, after: InteractionState): boolean {
  return !!before.agentId && endReason(before.agentId, before) === null &&
    endReason(before.agentId, after) !== null;
}

/** A source offers co-browsing: chat, or messaging with a page to send the customer to. */
export const cobrowseEligible = (s: { kind: string; cobrowseUrl?: string }) =>
  s.kind === "chat" || (s.kind === "messaging" && !!s.cobrowseUrl);

export function cobrowseView(desk: Desk, s: CobrowseSession): CobrowseView {
  return {
    id: s.id,
    interactionId: s.interactionId,
    threadId: s.threadId,
    state: s.state,
    control: s.control,
    agentName: s.agentName,
    excludeSelectors: desk.config.cobrowse.excludeSelectors,
    createdAt: s.createdAt,
    endedBy: s.endedBy,
    channel: s.channel ?? "widget",
    inviteExpiresAt: s.inviteExpiresAt ? iso(s.inviteExpiresAt) : null,
    endReason: s.endReason ?? null,
  };
}

export const agentActor = (s: CobrowseSession): Actor => ({
  type: "agent",
  id: s.agentId,
  name: s.agentName,
});
export const customerActor = (s: CobrowseSession): Actor => ({
  type: "customer",
  id: s.visitorId,
  name: s.customerName,
});

export function save(
  tx: Tx,
  desk: Desk,
  s: CobrowseSession,
  actor: Actor,
  audit: string,
  details: Record<string, unknown> = {},
) {
  const next = { ...s, updatedAt: iso(desk.ctx.now()) };
  tx.set(keys.cobrowse(s.id), next);
  writeAudit(tx, desk.ctx, {
    threadId: s.threadId,
    interactionId: s.interactionId,
    actor,
    type: audit,
    details: { sessionId: s.id, ...details },
  });
  tx.emit(s.agentId, "cobrowse.updated", {
    interactionId: s.interactionId,
    cobrowse: cobrowseView(desk, next),
  });
  return next;
}

/** Stages the end of a live session by the desk (audit `cobrowse.ended`, by system, with the reason). */
export function endBySystem(tx: Tx, desk: Desk, s: CobrowseSession, reason: EndReason): CobrowseSession {
  return save(
    tx,
    desk,
    {
      ...s,
      state: "ended",
      control: false,
      endedAt: iso(desk.ctx.now()),
      endedBy: "system",
      endReason: reason,
    },
    SYSTEM,
    "cobrowse.ended",
    { by: "system", reason },
  );
}

/** Refuses a session the desk has ended meanwhile: the caller ends it for good (`settle`). */
class StaleSession extends Conflict {
  constructor(readonly sessionId: string) {
    super("This co-browsing session has ended.", "cobrowse_ended");
  }
}

/** Reads the session's interaction in `tx` (checked) and refuses when the session cannot run any more. */
export async function requireHolds(tx: Tx, s: CobrowseSession): Promise<void> {
  if (!isLive(s)) return;
  if (endReason(s.agentId, await tx.get<InteractionState>(keys.interaction(s.interactionId)))) {
    throw new StaleSession(s.id);
  }
}

/**
 * Runs an operation; if it found the session's interaction gone from its agent, ends the session
 * (its own commit, audited once) before passing the 409 on.
 */
export async function settling<T>(desk: Desk, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (e) {
    if (e instanceof StaleSession) await endStaleSession(desk, e.sessionId);
    throw e;
  }
}

/** Ends a live session whose interaction left its agent (idempotent; null when it still holds). */
export async function endStaleSession(desk: Desk, id: string): Promise<CobrowseSession | null> {
  return await transact(desk.kv, async (tx) => {
    const s = await tx.get<CobrowseSession>(keys.cobrowse(id));
    if (!s || !isLive(s)) return null;
    const reason = endReason(s.agentId, await tx.get<InteractionState>(keys.interaction(s.interactionId)));
    return reason ? endBySystem(tx, desk, s, reason) : null;
  });
}

/**
 * The desk's hook after an interaction left its agent (`Desk.apply`): ends that interaction's
 * live session, if any, telling both sides at once.
 */
export async function endStaleCobrowse(desk: Desk, interactionId: string): Promise<void> {
  const i = (await desk.kv.get<InteractionState>(keys.interaction(interactionId))).value;
  const thread = i ? (await desk.kv.get<ThreadState>(keys.thread(i.threadId))).value : null;
  if (!i || !thread) return;
  const id = (await desk.kv.get<string>(keys.cobrowseByVisitor(i.sourceId, thread.externalId))).value;
  const s = id ? (await desk.kv.get<CobrowseSession>(keys.cobrowse(id))).value : null;
  if (s?.interactionId === interactionId) await endStaleSession(desk, s.id);
}

/** The session as it stands, ended first if its interaction left its agent. */
export async function settled(desk: Desk, s: CobrowseSession): Promise<CobrowseSession> {
  return isLive(s) ? (await endStaleSession(desk, s.id)) ?? s : s;
}

/** Reads a session the agent may act on: its own (404 for anyone else's). */
export async function agentSession(tx: Tx, agent: AgentState, id: string): Promise<CobrowseSession> {
  const s = await tx.get<CobrowseSession>(keys.cobrowse(id));
  if (!s || s.agentId !== agent.id) throw new NotFound("Unknown co-browsing session.", "unknown_cobrowse");
  return s;
}

/**
 * Reads a session the customer may act on (404 for anyone else's): the widget visitor of its
 * thread; or, for a link session, the holder of its key — or of its invitation when `invite`
 * allows (seeing, accepting or declining), 401 once that has expired.
 */
export async function customerSession(
  tx: Tx,
  desk: Desk,
  who: Customer,
  id: string,
  opts: { invite?: boolean } = {},
): Promise<CobrowseSession> {
  const s = await tx.get<CobrowseSession>(keys.cobrowse(id));
  const unknown = new NotFound("Unknown co-browsing session.", "unknown_cobrowse");
  if (!s) throw unknown;
  if ("visitor" in who) {
    if (
      s.channel === "link" || s.sourceId !== who.visitor.sourceId || s.visitorId !== who.visitor.visitorId
    ) {
      throw unknown;
    }
    return s;
  }
  if (s.channel !== "link") throw unknown;
  if (isInviteToken(who.guest)) {
    const check = await checkInvite(desk, id, who.guest);
    if (check === "bad") throw unknown;
    if (!opts.invite) throw new Unauthorized("Accept the invitation first.", "bad_cobrowse_link");
    // Once accepted, the invitation is spent: only the accepting browser's key works.
    if (s.guestKeyHash) {
      throw new Conflict("This invitation was already accepted.", "cobrowse_already_accepted");
    }
    if (check === "expired") {
      throw new Unauthorized("This co-browsing link has expired.", "cobrowse_link_expired");
    }
    return s;
  }
  if (!(await guestKeyMatches(who.guest, s.guestKeyHash ?? null))) throw unknown;
  return s;
}

export function requireActive(s: CobrowseSession): void {
  if (s.state === "requested") {
    throw new Conflict("The customer has not accepted co-browsing yet.", "cobrowse_not_accepted");
  }
  if (s.state !== "active") throw new Conflict("This co-browsing session has ended.", "cobrowse_ended");
}
