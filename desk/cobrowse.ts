/**
 * Co-browsing (SPEC A15): the session lifecycle and the relay between one agent and one
 * customer. A session is requested by the agent who owns the interaction, accepted or declined
 * by that thread's visitor in the widget, and ended by either side. Each change is one commit
 * with its audit entry and an agent-feed event. The relay is two short-lived logs in KV (rrweb
 * events up, commands down) with a head key per direction that the streams watch, so it works
 * across instances on a shared KV. Every read and write is authorised against the session's
 * own agent or visitor, and refused once the session has ended.
 */
import { newId, read, transact, type Tx } from "../lib/actor.ts";
import { Conflict, Forbidden, NotFound } from "../lib/errors.ts";
import { keys } from "../lib/keys.ts";
import { iso } from "../lib/time.ts";
import type { CobrowseCommand, CobrowseState, CobrowseView } from "../lib/webchat_schemas.ts";
import type { AgentState } from "../actors/agent.ts";
import type { Actor, InteractionState } from "../actors/interaction.ts";
import type { ThreadState } from "../actors/thread.ts";
import { can } from "./access.ts";
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
  endedBy: "agent" | "customer" | "system" | null;
};

export type Direction = "up" | "down";
export type LogEntry = { seq: number; batch: string; part: number; parts: number };

/** Sources whose customers can share their screen (A15). */
export const COBROWSE_KINDS = new Set(["chat", "messaging"]);
/** Relay entries are only needed while the other side catches up. */
const LOG_TTL_MS = 10 * 60_000;
/** One log value stays well under the 64 KiB KV value limit. */
const PART_CHARS = 30_000;
/** Parts per commit: KV caps one atomic operation at 800 KiB (UTF-16 text counts up to 3 bytes a character). */
const PARTS_PER_COMMIT = 8;

export const isLive = (s: CobrowseSession) => s.state === "requested" || s.state === "active";

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

/** The agent asks the customer to share their screen (permission `cobrowse`, own active interaction). */
export async function requestCobrowse(
  desk: Desk,
  agent: AgentState,
  interactionId: string,
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
    const thread = await tx.get<ThreadState>(keys.thread(s.threadId));
    if (!thread) throw new NotFound("Unknown thread.", "unknown_thread");
    const currentId = await tx.get<string>(keys.cobrowseByVisitor(s.sourceId, thread.externalId));
    const current = currentId ? await tx.get<CobrowseSession>(keys.cobrowse(currentId)) : null;
    if (current && isLive(current)) {
      throw new Conflict("A co-browsing session is already open for this customer.", "cobrowse_in_progress", {
        sessionId: current.id,
      });
    }
    const at = iso(desk.ctx.now());
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
    };
    tx.set(keys.cobrowseByVisitor(s.sourceId, thread.externalId), session.id);
    return save(tx, desk, session, agentActor(session), "cobrowse.requested");
  });
}

/** Reads a session the agent may act on: its own (404 for anyone else's). */
async function agentSession(tx: Tx, agent: AgentState, id: string): Promise<CobrowseSession> {
  const s = await tx.get<CobrowseSession>(keys.cobrowse(id));
  if (!s || s.agentId !== agent.id) throw new NotFound("Unknown co-browsing session.", "unknown_cobrowse");
  return s;
}

/** Reads a session the visitor may act on: the one of its own thread (404 for anyone else's). */
async function visitorSession(tx: Tx, v: Visitor, id: string): Promise<CobrowseSession> {
  const s = await tx.get<CobrowseSession>(keys.cobrowse(id));
  if (!s || s.sourceId !== v.sourceId || s.visitorId !== v.visitorId) {
    throw new NotFound("Unknown co-browsing session.", "unknown_cobrowse");
  }
  return s;
}

function requireActive(s: CobrowseSession): void {
  if (s.state === "requested") {
    throw new Conflict("The customer has not accepted co-browsing yet.", "cobrowse_not_accepted");
  }
  if (s.state !== "active") throw new Conflict("This co-browsing session has ended.", "cobrowse_ended");
}

export async function getAgentSession(desk: Desk, agent: AgentState, id: string): Promise<CobrowseSession> {
  return await read(desk.kv, (tx) => agentSession(tx, agent, id));
}

export async function getVisitorSession(desk: Desk, v: Visitor, id: string): Promise<CobrowseSession> {
  return await read(desk.kv, (tx) => visitorSession(tx, v, id));
}

/** The visitor's current session, if any (live or last ended). */
export async function currentVisitorSession(desk: Desk, v: Visitor): Promise<CobrowseSession | null> {
  const id = (await desk.kv.get<string>(keys.cobrowseByVisitor(v.sourceId, v.visitorId))).value;
  return id ? (await desk.kv.get<CobrowseSession>(keys.cobrowse(id))).value : null;
}

/** The customer accepts or declines a requested session. */
export async function answerCobrowse(
  desk: Desk,
  v: Visitor,
  id: string,
  accept: boolean,
): Promise<CobrowseSession> {
  return await transact(desk.kv, async (tx) => {
    const s = await visitorSession(tx, v, id);
    if (s.state !== "requested") {
      throw new Conflict(
        "This co-browsing request is no longer open.",
        s.state === "active" ? "cobrowse_already_accepted" : "cobrowse_ended",
      );
    }
    const at = iso(desk.ctx.now());
    return accept
      ? save(tx, desk, { ...s, state: "active", acceptedAt: at }, customerActor(s), "cobrowse.accepted")
      : save(
        tx,
        desk,
        { ...s, state: "declined", endedAt: at, endedBy: "customer" },
        customerActor(s),
        "cobrowse.declined",
      );
  });
}

/** The agent takes or gives back control (needs an active session). */
export async function setAgentControl(
  desk: Desk,
  agent: AgentState,
  id: string,
  enabled: boolean,
): Promise<CobrowseSession> {
  return await transact(desk.kv, async (tx) => {
    const s = await agentSession(tx, agent, id);
    requireActive(s);
    if (s.control === enabled) return s;
    return save(
      tx,
      desk,
      { ...s, control: enabled },
      agentActor(s),
      enabled ? "cobrowse.control_taken" : "cobrowse.control_released",
    );
  });
}

/** The customer revokes the agent's control in one click. */
export async function revokeControl(desk: Desk, v: Visitor, id: string): Promise<CobrowseSession> {
  return await transact(desk.kv, async (tx) => {
    const s = await visitorSession(tx, v, id);
    requireActive(s);
    if (!s.control) return s;
    return save(tx, desk, { ...s, control: false }, customerActor(s), "cobrowse.control_revoked");
  });
}

/** Either side ends the session at once (ending an ended session changes nothing). */
export async function endCobrowse(
  desk: Desk,
  by: { agent: AgentState } | { visitor: Visitor },
  id: string,
): Promise<CobrowseSession> {
  return await transact(desk.kv, async (tx) => {
    const s = "agent" in by ? await agentSession(tx, by.agent, id) : await visitorSession(tx, by.visitor, id);
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
    seq = await transact(desk.kv, async (tx) => {
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
    });
  }
  return seq;
}

/** Customer → agent: a batch of rrweb events (already masked and filtered by the widget). */
export async function relayUp(desk: Desk, v: Visitor, id: string, events: unknown[]): Promise<number> {
  return await appendLog(
    desk,
    id,
    "up",
    JSON.stringify(events),
    async (tx) => requireActive(await visitorSession(tx, v, id)),
  );
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
    if (NEEDS_CONTROL.has(command.kind) && !s.control) {
      throw new Conflict("Take control first.", "no_control");
    }
  });
}

/** Asks the customer's page for a fresh full snapshot (an agent view just opened). */
export async function requestSnapshot(desk: Desk, agent: AgentState, id: string): Promise<void> {
  await appendLog(desk, id, "down", JSON.stringify({ kind: "snapshot" }), async (tx) => {
    const s = await agentSession(tx, agent, id);
    if (s.state !== "active" && s.state !== "requested") {
      throw new Conflict("This co-browsing session has ended.", "cobrowse_ended");
    }
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
  return session && session.interactionId === interactionId && session.agentId === agent.id ? session : null;
}
