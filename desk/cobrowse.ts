/**
 * Co-browsing (SPEC A15): the session lifecycle and the relay between one agent and one
 * customer. A session is requested by the agent who owns the interaction, accepted or declined
 * by the customer — in the widget on a `chat` source, through a signed link on a `messaging`
 * source (see `cobrowse_invite.ts`) — and ended by either side. Each change is one commit with
 * its audit entry and an agent-feed event. The relay is two short-lived logs in KV (rrweb events
 * up, commands down) with a head key per direction that the streams watch, so it works across
 * instances on a shared KV.
 *
 * A session lives only while its interaction is active with its agent: when the interaction is
 * transferred, deferred, completed, withdrawn or its conversation closed, the desk ends the
 * session right after that commit (`endStaleCobrowse`, called by `Desk.apply`), the streams of
 * both sides end it as soon as they see the interaction change, and every operation re-checks
 * the interaction in its own commit — so nothing is relayed after the interaction left, even
 * if the process died between the two commits.
 */
import type { AuthorType } from "../lib/shared/wire/views.ts";
import { newId, read, transact, type Tx } from "../lib/server/actor.ts";
import { Conflict, Forbidden, NotFound, Unauthorized } from "../lib/shared/errors.ts";
import { keys } from "../lib/server/keys.ts";
import { iso } from "../lib/shared/time.ts";
import type { CobrowseCommand, CobrowseState, CobrowseView } from "../lib/shared/wire/webchat.ts";
import type { AgentState } from "../actors/agent.ts";
import { type Actor, type InteractionState, SYSTEM } from "../actors/interaction.ts";
import type { ThreadState } from "../actors/thread.ts";
import { can } from "./access.ts";
import {
  checkInvite,
  guestKeyMatches,
  INVITE_TTL_MS,
  inviteText,
  inviteToken,
  inviteUrl,
  isInviteToken,
  newGuestKey,
} from "./cobrowse_invite.ts";
import type { Desk } from "./desk.ts";
import { postOutgoing } from "./messages.ts";
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
/** Relay entries are only needed while the other side catches up. */
const LOG_TTL_MS = 10 * 60_000;
/** One log value stays well under the 64 KiB KV value limit. */
const PART_CHARS = 30_000;
/** Parts per commit: KV caps one atomic operation at 800 KiB (UTF-16 text counts up to 3 bytes a character). */
const PARTS_PER_COMMIT = 8;

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

const agentActor = (s: CobrowseSession): Actor => ({ type: "agent", id: s.agentId, name: s.agentName });
const customerActor = (s: CobrowseSession): Actor => ({
  type: "customer",
  id: s.visitorId,
  name: s.customerName,
});

function save(
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
function endBySystem(tx: Tx, desk: Desk, s: CobrowseSession, reason: EndReason): CobrowseSession {
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

/** Refuses a session the desk has ended meanwhile: the caller ends it for good (`settle`). */
class StaleSession extends Conflict {
  constructor(readonly sessionId: string) {
    super("This co-browsing session has ended.", "cobrowse_ended");
  }
}

/** Reads the session's interaction in `tx` (checked) and refuses when the session cannot run any more. */
async function requireHolds(tx: Tx, s: CobrowseSession): Promise<void> {
  if (!isLive(s)) return;
  if (endReason(s.agentId, await tx.get<InteractionState>(keys.interaction(s.interactionId)))) {
    throw new StaleSession(s.id);
  }
}

/**
 * Runs an operation; if it found the session's interaction gone from its agent, ends the session
 * (its own commit, audited once) before passing the 409 on.
 */
async function settling<T>(desk: Desk, op: () => Promise<T>): Promise<T> {
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
async function settled(desk: Desk, s: CobrowseSession): Promise<CobrowseSession> {
  return isLive(s) ? (await endStaleSession(desk, s.id)) ?? s : s;
}

/** Reads a session the agent may act on: its own (404 for anyone else's). */
async function agentSession(tx: Tx, agent: AgentState, id: string): Promise<CobrowseSession> {
  const s = await tx.get<CobrowseSession>(keys.cobrowse(id));
  if (!s || s.agentId !== agent.id) throw new NotFound("Unknown co-browsing session.", "unknown_cobrowse");
  return s;
}

/**
 * Reads a session the customer may act on (404 for anyone else's): the widget visitor of its
 * thread; or, for a link session, the holder of its key — or of its invitation when `invite`
 * allows (seeing, accepting or declining), 401 once that has expired.
 */
async function customerSession(
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

function requireActive(s: CobrowseSession): void {
  if (s.state === "requested") {
    throw new Conflict("The customer has not accepted co-browsing yet.", "cobrowse_not_accepted");
  }
  if (s.state !== "active") throw new Conflict("This co-browsing session has ended.", "cobrowse_ended");
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

/** Appends `text` (one JSON batch) to a session's log, checked against the session's state. */
async function appendLog(
  desk: Desk,
  id: string,
  dir: Direction,
  text: string,
  authorise: (tx: Tx) => Promise<void>,
): Promise<number> {
  const parts = Math.max(1, Math.ceil(text.length / PART_CHARS));
  let seq = 0;
  for (let first = 0; first < parts; first += PARTS_PER_COMMIT) {
    seq = await settling(desk, () =>
      transact(desk.kv, async (tx) => {
        await authorise(tx);
        let head = (await tx.get<number>(keys.cobrowseHead(id, dir))) ?? 0;
        for (let p = first; p < Math.min(parts, first + PARTS_PER_COMMIT); p++) {
          head++;
          const entry: LogEntry = {
            seq: head,
            batch: text.slice(p * PART_CHARS, (p + 1) * PART_CHARS),
            part: p,
            parts,
          };
          tx.set(keys.cobrowseEvent(id, dir, head), entry, LOG_TTL_MS);
        }
        tx.set(keys.cobrowseHead(id, dir), head, LOG_TTL_MS * 6);
        return head;
      }));
  }
  return seq;
}

/** Customer → agent: a batch of rrweb events (already masked and filtered by the widget). */
export async function relayUp(desk: Desk, who: Customer, id: string, events: unknown[]): Promise<number> {
  return await appendLog(desk, id, "up", JSON.stringify(events), async (tx) => {
    const s = await customerSession(tx, desk, who, id);
    requireActive(s);
    await requireHolds(tx, s);
  });
}

const NEEDS_CONTROL = new Set(["pointer", "click", "key", "scroll"]);

/** Agent → customer: a command; pointer, click, key and scroll need control (409 otherwise). */
export async function relayDown(
  desk: Desk,
  agent: AgentState,
  id: string,
  command: CobrowseCommand,
): Promise<number> {
  return await appendLog(desk, id, "down", JSON.stringify(command), async (tx) => {
    const s = await agentSession(tx, agent, id);
    requireActive(s);
    await requireHolds(tx, s);
    if (NEEDS_CONTROL.has(command.kind) && !s.control) {
      throw new Conflict("Take control first.", "no_control");
    }
  });
}

/** Asks the customer's page for a fresh full snapshot (an agent view just opened). */
export async function requestSnapshot(desk: Desk, agent: AgentState, id: string): Promise<void> {
  await appendLog(desk, id, "down", JSON.stringify({ kind: "snapshot" }), async (tx) => {
    const s = await agentSession(tx, agent, id);
    if (!isLive(s)) throw new Conflict("This co-browsing session has ended.", "cobrowse_ended");
    await requireHolds(tx, s);
  });
}

export async function logHead(desk: Desk, id: string, dir: Direction): Promise<number> {
  return (await desk.kv.get<number>(keys.cobrowseHead(id, dir))).value ?? 0;
}

/** Log entries after `afterSeq`, oldest first. */
export async function logAfter(
  desk: Desk,
  id: string,
  dir: Direction,
  afterSeq: number,
  limit = 200,
): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  const iter = desk.kv.list<LogEntry>({
    start: keys.cobrowseEvent(id, dir, afterSeq + 1),
    end: [...keys.cobrowseEvents(id, dir), Infinity],
  }, { limit });
  for await (const e of iter) out.push(e.value);
  return out;
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
