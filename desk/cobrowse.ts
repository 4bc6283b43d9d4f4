/**
 * Co-browsing (SPEC A15): the session lifecycle and the relay between one agent and one
 * customer. A session is requested by the agent who owns the interaction, accepted or declined
 * by the customer — in the widget on a `chat` source, through a signed link on a `messaging`
 * source (see `cobrowse_invite.ts`) — and ended by either side. Each change is one commit with
 * its audit entry and an agent-feed event. The relay (`cobrowse_relay.ts`) is two short-lived logs
 * in KV (rrweb events up, commands down) with a head key per direction that the streams watch,
 * so it works across instances on a shared KV; the session record and the checks every
 * operation makes are in `cobrowse_session.ts`.
 *
 * A session lives only while its interaction is active with its agent: when the interaction is
 * transferred, deferred, completed, withdrawn or its conversation closed, the desk ends the
 * session right after that commit (`endStaleCobrowse`, called by `Desk.apply`), the streams of
 * both sides end it as soon as they see the interaction change, and every operation re-checks
 * the interaction in its own commit — so nothing is relayed after the interaction left, even
 * if the process died between the two commits.
 */
import { newId, read, transact } from "../lib/server/actor.ts";
import { Conflict, Forbidden, NotFound } from "../lib/shared/errors.ts";
import { keys } from "../lib/server/keys.ts";
import { iso } from "../lib/shared/time.ts";
import type { AgentState } from "../actors/agent.ts";
import type { InteractionState } from "../actors/interaction.ts";
import type { ThreadState } from "../actors/thread.ts";
import { can } from "./access.ts";
import { INVITE_TTL_MS, inviteText, inviteToken, inviteUrl, newGuestKey } from "./cobrowse_invite.ts";
import {
  agentActor,
  agentSession,
  COBROWSE_KINDS,
  cobrowseEligible,
  type CobrowseSession,
  type Customer,
  customerActor,
  customerSession,
  endBySystem,
  endReason,
  isLive,
  requireActive,
  requireHolds,
  save,
  settled,
  settling,
} from "./cobrowse_session.ts";
import type { Desk } from "./desk.ts";
import { postOutgoing } from "./messages.ts";
import type { Visitor } from "./webchat.ts";

// What other modules use of the session and the relay, from one place.
export {
  COBROWSE_KINDS,
  cobrowseEligible,
  type CobrowseSession,
  cobrowseView,
  type Customer,
  type Direction,
  type EndReason,
  endReason,
  endStaleCobrowse,
  endStaleSession,
  isLive,
  leavesCobrowse,
  type LogEntry,
} from "./cobrowse_session.ts";
export { logAfter, logHead, relayDown, relayUp, requestSnapshot } from "./cobrowse_relay.ts";

/**
 * The agent asks the customer to share their screen (permission `cobrowse`, own active
 * interaction). On a messaging source the invitation goes out through the connector in the
 * same commit; `origin` is the desk's address, for links to its own pages.
 */
export async function requestCobrowse(
  desk: Desk,
  agent: AgentState,
  interactionId: string,
  origin: string,
): Promise<CobrowseSession> {
  if (!can(desk.ctx, agent, "cobrowse")) throw new Forbidden('Your role does not allow "cobrowse".');
  return await transact(desk.kv, async (tx) => {
    const s = await tx.get<InteractionState>(keys.interaction(interactionId));
    if (!s) throw new NotFound("Unknown interaction.", "unknown_interaction");
    if (s.agentId !== agent.id) throw new Conflict("This is not your interaction.", "not_owner");
    if (s.state !== "active") throw new Conflict("Co-browsing needs an active interaction.", "not_active");
    const source = desk.ctx.findSource(s.sourceId);
    if (!source || !COBROWSE_KINDS.has(source.kind)) {
      throw new Conflict(
        "Co-browsing is only available on chat and messaging sources.",
        "cobrowse_unavailable",
      );
    }
    if (!cobrowseEligible(source)) {
      throw new Conflict(
        "This messaging source has no co-browsing page to send the customer to (cobrowseUrl).",
        "cobrowse_unavailable",
      );
    }
    const thread = await tx.get<ThreadState>(keys.thread(s.threadId));
    if (!thread) throw new NotFound("Unknown thread.", "unknown_thread");
    const currentId = await tx.get<string>(keys.cobrowseByVisitor(s.sourceId, thread.externalId));
    const current = currentId ? await tx.get<CobrowseSession>(keys.cobrowse(currentId)) : null;
    const now = desk.ctx.now();
    if (current && isLive(current)) {
      // An invitation nobody accepted in time does not block a new one.
      const lapsed = current.state === "requested" && current.inviteExpiresAt &&
        current.inviteExpiresAt <= now;
      const stale = lapsed
        ? "invite_expired"
        : endReason(current.agentId, current.interactionId === s.id ? s : null);
      if (!stale) {
        throw new Conflict(
          "A co-browsing session is already open for this customer.",
          "cobrowse_in_progress",
          {
            sessionId: current.id,
          },
        );
      }
      endBySystem(tx, desk, current, stale);
    }
    const at = iso(now);
    const link = source.kind === "messaging";
    const session: CobrowseSession = {
      id: newId(),
      interactionId: s.id,
      threadId: s.threadId,
      sourceId: s.sourceId,
      visitorId: thread.externalId,
      customerName: thread.identity.name,
      agentId: agent.id,
      agentName: agent.name,
      state: "requested",
      control: false,
      createdAt: at,
      updatedAt: at,
      acceptedAt: null,
      endedAt: null,
      endedBy: null,
      channel: link ? "link" : "widget",
      inviteExpiresAt: link ? now + INVITE_TTL_MS : null,
      guestKeyHash: null,
      endReason: null,
    };
    tx.set(keys.cobrowseByVisitor(s.sourceId, thread.externalId), session.id);
    if (link) {
      const url = inviteUrl(source, origin, await inviteToken(desk, session.id, now + INVITE_TTL_MS))!;
      await postOutgoing(tx, desk.ctx, s, {
        author: { type: "system", id: null, name: source.name },
        body: inviteText(thread.language, agent.name, url),
        structured: {
          type: "cobrowse_invite",
          url,
          agentName: agent.name,
          expiresAt: iso(now + INVITE_TTL_MS),
        },
      });
    }
    return save(tx, desk, session, agentActor(session), "cobrowse.requested", { channel: session.channel });
  });
}

export async function getAgentSession(desk: Desk, agent: AgentState, id: string): Promise<CobrowseSession> {
  return await settled(desk, await read(desk.kv, (tx) => agentSession(tx, agent, id)));
}

/** The customer's view of a session (an invitation may look at the session it invites to). */
export async function getCustomerSession(desk: Desk, who: Customer, id: string): Promise<CobrowseSession> {
  return await settled(
    desk,
    await read(desk.kv, (tx) => customerSession(tx, desk, who, id, { invite: true })),
  );
}

/** The visitor's current session, if any (live or last ended). */
export async function currentVisitorSession(desk: Desk, v: Visitor): Promise<CobrowseSession | null> {
  const id = (await desk.kv.get<string>(keys.cobrowseByVisitor(v.sourceId, v.visitorId))).value;
  return id ? (await desk.kv.get<CobrowseSession>(keys.cobrowse(id))).value : null;
}

/**
 * The customer accepts or declines a requested session. A link session's acceptance returns
 * the browser key that authorises the rest of the session (shown once, only its hash kept).
 */
export function answerCobrowse(
  desk: Desk,
  who: Customer,
  id: string,
  accept: boolean,
): Promise<{ session: CobrowseSession; key: string | null }> {
  return settling(desk, async () => {
    const guestKey = "guest" in who && accept ? await newGuestKey() : null;
    return await transact(desk.kv, async (tx) => {
      const s = await customerSession(tx, desk, who, id, { invite: true });
      if (s.state !== "requested") {
        throw new Conflict(
          "This co-browsing request is no longer open.",
          s.state === "active" ? "cobrowse_already_accepted" : "cobrowse_ended",
        );
      }
      await requireHolds(tx, s);
      const at = iso(desk.ctx.now());
      const session = accept
        ? save(
          tx,
          desk,
          { ...s, state: "active", acceptedAt: at, guestKeyHash: guestKey?.hash ?? s.guestKeyHash ?? null },
          customerActor(s),
          "cobrowse.accepted",
        )
        : save(
          tx,
          desk,
          { ...s, state: "declined", endedAt: at, endedBy: "customer" },
          customerActor(s),
          "cobrowse.declined",
        );
      return { session, key: guestKey?.key ?? null };
    });
  });
}

/** The agent takes or gives back control (needs an active session). */
export function setAgentControl(
  desk: Desk,
  agent: AgentState,
  id: string,
  enabled: boolean,
): Promise<CobrowseSession> {
  return settling(desk, () =>
    transact(desk.kv, async (tx) => {
      const s = await agentSession(tx, agent, id);
      requireActive(s);
      await requireHolds(tx, s);
      if (s.control === enabled) return s;
      return save(
        tx,
        desk,
        { ...s, control: enabled },
        agentActor(s),
        enabled ? "cobrowse.control_taken" : "cobrowse.control_released",
      );
    }));
}

/** The customer revokes the agent's control in one click. */
export function revokeControl(desk: Desk, who: Customer, id: string): Promise<CobrowseSession> {
  return settling(desk, () =>
    transact(desk.kv, async (tx) => {
      const s = await customerSession(tx, desk, who, id);
      requireActive(s);
      await requireHolds(tx, s);
      if (!s.control) return s;
      return save(tx, desk, { ...s, control: false }, customerActor(s), "cobrowse.control_revoked");
    }));
}

/** Either side ends the session at once (ending an ended session changes nothing). */
export async function endCobrowse(
  desk: Desk,
  by: { agent: AgentState } | Customer,
  id: string,
): Promise<CobrowseSession> {
  return await transact(desk.kv, async (tx) => {
    const s = "agent" in by ? await agentSession(tx, by.agent, id) : await customerSession(tx, desk, by, id);
    if (!isLive(s)) return s;
    const side = "agent" in by ? "agent" : "customer";
    return save(
      tx,
      desk,
      { ...s, state: "ended", control: false, endedAt: iso(desk.ctx.now()), endedBy: side },
      side === "agent" ? agentActor(s) : customerActor(s),
      "cobrowse.ended",
      { by: side },
    );
  });
}

/** The agent's latest session on an interaction (null when there is none). */
export async function interactionSession(
  desk: Desk,
  agent: AgentState,
  interactionId: string,
): Promise<CobrowseSession | null> {
  const s = (await desk.kv.get<InteractionState>(keys.interaction(interactionId))).value;
  if (!s || (s.agentId !== agent.id && !can(desk.ctx, agent, "supervise"))) {
    throw new NotFound("Unknown interaction.", "unknown_interaction");
  }
  const thread = (await desk.kv.get<ThreadState>(keys.thread(s.threadId))).value;
  const id = thread
    ? (await desk.kv.get<string>(keys.cobrowseByVisitor(s.sourceId, thread.externalId))).value
    : null;
  const session = id ? (await desk.kv.get<CobrowseSession>(keys.cobrowse(id))).value : null;
  return session && session.interactionId === interactionId && session.agentId === agent.id
    ? await settled(desk, session)
    : null;
}
