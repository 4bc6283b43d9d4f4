/**
 * Agent actions on an interaction (SPEC A1–A7, API.md): each is one transaction that reads the
 * interaction, checks permission and ownership, decides, and commits state + effects.
 */
import { transact, type Tx } from "../lib/server/actor.ts";
import { Conflict, Forbidden, Invalid, NotFound } from "../lib/shared/errors.ts";
import { keys } from "../lib/server/keys.ts";
import { ms } from "../lib/shared/time.ts";
import type { AgentState } from "../actors/agent.ts";
import {
  decideInteraction,
  type Disposition,
  type InteractionCommand,
  type InteractionState,
  type TransferTarget,
  transferTargetProblems,
} from "../actors/interaction.ts";
import type { Message, ThreadState } from "../actors/thread.ts";
import { actorOf, isSupervisor, requirePermission } from "./access.ts";
import type { Desk } from "./desk.ts";
import { postOutgoing } from "./messages.ts";
import { stagePair } from "./assistant/pairs.ts";
import { pairIndexOf } from "./assistant/service.ts";
import type { Permission } from "../lib/shared/config.ts";
import type { InteractionActionInput, InteractionActionName } from "../lib/shared/wire/api.ts";

/** Loads an interaction for `agent`: 404 when unknown or not visible. */
export async function loadVisible(
  tx: Tx,
  desk: Desk,
  agent: AgentState,
  id: string,
): Promise<InteractionState> {
  const s = await tx.get<InteractionState>(keys.interaction(id));
  if (!s) throw new NotFound("Unknown interaction.", "unknown_interaction");
  if (s.agentId !== agent.id && s.transfer?.fromAgentId !== agent.id && !isSupervisor(desk.ctx, agent)) {
    throw new NotFound("Unknown interaction.", "unknown_interaction");
  }
  return s;
}

/** Loads an interaction whose owner the decision itself checks (accept): unknown → 404. */
async function loadExisting(tx: Tx, _desk: Desk, _agent: AgentState, id: string): Promise<InteractionState> {
  const s = await tx.get<InteractionState>(keys.interaction(id));
  if (!s) throw new NotFound("Unknown interaction.", "unknown_interaction");
  return s;
}

/** Loads an interaction to act on: unknown → 404, someone else's → 409 (supervisors pass). */
async function loadForAction(tx: Tx, desk: Desk, agent: AgentState, id: string): Promise<InteractionState> {
  const s = await tx.get<InteractionState>(keys.interaction(id));
  if (!s) throw new NotFound("Unknown interaction.", "unknown_interaction");
  if (s.agentId !== agent.id && !isSupervisor(desk.ctx, agent)) {
    throw new Conflict("This interaction is not yours.", "not_owner");
  }
  return s;
}

/**
 * What a command on interaction `id` by `agent` holds this process's lock on: commands of one
 * process on one interaction, or by one agent (whose load they change), take turns.
 */
const actingOn = (id: string, agent: AgentState) => [keys.interaction(id), keys.agent(agent.id)];

/** The agent a command acts as: supervisors act on behalf of the owner. */
const ownerOrSelf = (s: InteractionState, agent: AgentState, desk: Desk) =>
  s.agentId && isSupervisor(desk.ctx, agent) ? s.agentId : agent.id;

/** One action: permission, load (404/409), decide, commit; `command` builds the actor's command. */
async function act(
  desk: Desk,
  agent: AgentState,
  id: string,
  permission: Permission,
  command: (s: InteractionState, tx: Tx) => InteractionCommand | Promise<InteractionCommand>,
  load: typeof loadForAction = loadForAction,
): Promise<InteractionState> {
  requirePermission(desk.ctx, agent, permission);
  return await transact(desk.kv, async (tx) => {
    const s = await load(tx, desk, agent, id);
    const d = decideInteraction(s, await command(s, tx), desk.ctx.decideContext(s.sourceId));
    await desk.apply(tx, s, d, actorOf(agent));
    return d.state;
  }, { lock: actingOn(id, agent) });
}

/** Accept an offer (A1): the actor refuses it when it is offered to someone else. */
export function accept(desk: Desk, agent: AgentState, id: string): Promise<InteractionState> {
  return act(desk, agent, id, "accept", () => ({ type: "accept", agentId: agent.id }), loadExisting);
}

export type ReplyInput = {
  body: string;
  format?: "text" | "html";
  attachments?: Message["attachments"];
  structured?: Record<string, unknown>;
};

export async function reply(desk: Desk, agent: AgentState, id: string, input: ReplyInput): Promise<Message> {
  requirePermission(desk.ctx, agent, "reply");
  return await transact(desk.kv, async (tx) => {
    const s = await loadForAction(tx, desk, agent, id);
    const thread = await tx.get<ThreadState>(keys.thread(s.threadId));
    if (thread?.locked) throw new Conflict("This thread is locked: unlock it to reply.", "thread_locked");
    const d = decideInteraction(
      s,
      { type: "reply", agentId: ownerOrSelf(s, agent, desk), text: input.body },
      desk.ctx.decideContext(s.sourceId),
    );
    await desk.apply(tx, s, d, actorOf(agent));
    const m = await postOutgoing(tx, desk.ctx, d.state, {
      author: { type: "agent", id: agent.id, name: agent.name },
      body: input.body,
      format: input.format,
      attachments: input.attachments,
      structured: input.structured ?? null,
    });
    // The answered customer messages and this reply become a "similar question" (K4).
    if (thread) await stagePair(tx, s, thread, m, (p) => pairIndexOf(desk).put(p));
    return m;
  }, { lock: actingOn(id, agent) });
}

/** Defer (A5); the actor refuses a date that is not in the future. */
export function defer(desk: Desk, agent: AgentState, id: string, until: string): Promise<InteractionState> {
  const when = ms(until);
  return act(
    desk,
    agent,
    id,
    "defer",
    (s) => ({ type: "defer", agentId: ownerOrSelf(s, agent, desk), until: when }),
  );
}

export function resume(desk: Desk, agent: AgentState, id: string): Promise<InteractionState> {
  return act(desk, agent, id, "resume", () => ({ type: "resume", agentId: agent.id }));
}

export type TransferInput = TransferTarget & { comment?: string; force?: boolean };

export function transfer(
  desk: Desk,
  agent: AgentState,
  id: string,
  input: TransferInput,
): Promise<InteractionState> {
  const c = desk.ctx.config;
  if (input.force) {
    requirePermission(desk.ctx, agent, "transfer");
    if (!c.roles[agent.role]?.includes("force_transfer")) {
      throw new Forbidden('Your role does not allow "force_transfer".');
    }
  }
  const bad: { path: string; message: string }[] = [];
  if (input.agentId && !desk.ctx.agentConfig(input.agentId)) {
    bad.push({ path: "agentId", message: `unknown agent "${input.agentId}"` });
  }
  if (input.teamId && !c.teams.some((t) => t.id === input.teamId)) {
    bad.push({ path: "teamId", message: `unknown team "${input.teamId}"` });
  }
  (input.categories ?? []).forEach((cat, i) =>
    !c.categories.some((x) => x.id === cat) &&
    bad.push({ path: `categories.${i}`, message: `unknown category "${cat}"` })
  );
  if (input.language && !c.languages.includes(input.language)) {
    bad.push({ path: "language", message: `unknown language "${input.language}"` });
  }
  // The target's own rules (one given; an agent when forced) are the actor's: listed together.
  bad.push(...transferTargetProblems(input, input.force ?? false));
  if (bad.length) {
    requirePermission(desk.ctx, agent, "transfer");
    throw new Invalid("Invalid transfer.", bad);
  }
  return act(desk, agent, id, "transfer", (s) => {
    if (input.agentId && input.agentId === s.agentId && !input.force) {
      throw new Invalid("The interaction is already with this agent.", [{
        path: "agentId",
        message: "already the owner",
      }]);
    }
    return {
      type: "transfer",
      agentId: agent.id,
      target: {
        agentId: input.agentId,
        teamId: input.teamId,
        categories: input.categories,
        language: input.language,
      },
      comment: input.comment ?? null,
      force: input.force ?? false,
    };
  });
}

export function complete(
  desk: Desk,
  agent: AgentState,
  id: string,
  input: { disposition?: Disposition; waitForReply?: boolean },
): Promise<InteractionState> {
  return act(desk, agent, id, "complete", (s) => ({
    type: "complete",
    agentId: ownerOrSelf(s, agent, desk),
    disposition: input.disposition ?? null,
    waitForReply: input.waitForReply ?? null,
  }));
}

/**
 * The desk operation of every action in `INTERACTION_ACTIONS` (lib/shared/wire/api.ts), taking
 * the parsed body: the route registers one handler per entry. It fails to compile while an
 * action declared there has no operation here.
 */
export const interactionActionOps: {
  [K in InteractionActionName]: (
    desk: Desk,
    agent: AgentState,
    id: string,
    input: InteractionActionInput<K>,
  ) => Promise<InteractionState>;
} = {
  accept: (desk, agent, id) => accept(desk, agent, id),
  defer: (desk, agent, id, input) => defer(desk, agent, id, input.until),
  resume: (desk, agent, id) => resume(desk, agent, id),
  transfer,
  complete,
};
