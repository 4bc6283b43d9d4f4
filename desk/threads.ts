/**
 * Thread controls (SPEC A4, A10–A13, R10): categorize, change language, ignore, mute, lock.
 * A change of categories or language re-routes a queued interaction whose requirements changed.
 */
import { transact } from "../lib/server/actor.ts";
import { Conflict, Invalid, NotFound } from "../lib/shared/errors.ts";
import { keys } from "../lib/server/keys.ts";
import type { Permission } from "../lib/shared/config.ts";
import type { AgentState } from "../actors/agent.ts";
import { decideInteraction, type Disposition, type InteractionState } from "../actors/interaction.ts";
import { decideThread, type ThreadControl, type ThreadState } from "../actors/thread.ts";
import { actorOf, isSupervisor, requirePermission } from "./access.ts";
import type { Desk } from "./desk.ts";
import { applyThreadDecision } from "./thread_apply.ts";
import type { Tx } from "../lib/server/actor.ts";

/** A thread is visible to its current or last agent, and to supervisors. */
export async function loadThreadFor(tx: Tx, desk: Desk, agent: AgentState, threadId: string) {
  const t = await tx.get<ThreadState>(keys.thread(threadId));
  if (!t) throw new NotFound("Unknown thread.", "unknown_thread");
  if (isSupervisor(desk.ctx, agent) || t.lastAgentId === agent.id) {
    return { thread: t, open: await openOf(tx, t) };
  }
  const open = await openOf(tx, t);
  if (open?.agentId === agent.id || open?.transfer?.fromAgentId === agent.id) return { thread: t, open };
  throw new NotFound("Unknown thread.", "unknown_thread");
}

async function openOf(tx: Tx, t: ThreadState): Promise<InteractionState | null> {
  return t.openInteractionId ? await tx.get<InteractionState>(keys.interaction(t.openInteractionId)) : null;
}

export type { ThreadControl };
const PERMISSION: Record<ThreadControl, Permission> = {
  ignore: "ignore",
  unignore: "ignore",
  mute: "mute",
  unmute: "mute",
  lock: "lock",
  unlock: "lock",
};

export function threadControl(
  desk: Desk,
  agent: AgentState,
  threadId: string,
  control: ThreadControl,
  options: { disposition?: Disposition } = {},
): Promise<ThreadState> {
  requirePermission(desk.ctx, agent, PERMISSION[control]);
  return transact(desk.kv, async (tx) => {
    const loaded = await loadThreadFor(tx, desk, agent, threadId);
    if (control === "lock" && loaded.open) {
      await completeForLock(tx, desk, agent, loaded.open, options.disposition);
    }
    // Read again: completing wrote the thread (its open interaction) in this same commit.
    const thread = (await tx.get<ThreadState>(keys.thread(threadId)))!;
    const d = decideThread(thread, { type: "control", control, agentId: agent.id });
    await applyThreadDecision(tx, desk, d, actorOf(agent), null);
    return d.state;
  }, { lock: [keys.thread(threadId), keys.agent(agent.id)] });
}

/**
 * Lock closes the thread (SPEC A13, the guide: "fermera et verrouillera le fil"): its open
 * interaction is completed at once — with the disposition the source may require, and without
 * a smart-closure question, since nobody could answer the customer on a locked thread. Only an
 * active interaction can be completed; a waiting, offered or deferred one must be taken first.
 * Unlocking reopens nothing.
 */
async function completeForLock(
  tx: Tx,
  desk: Desk,
  agent: AgentState,
  open: InteractionState,
  disposition: Disposition | undefined,
): Promise<void> {
  if (open.state === "completed") return;
  if (open.state !== "active") {
    throw new Conflict(
      `Locking closes the thread by completing its interaction, which is ${open.state}: accept or resume it first.`,
      "lock_needs_active",
    );
  }
  if (open.agentId !== agent.id && !isSupervisor(desk.ctx, agent)) {
    throw new Conflict("This interaction is not yours.", "not_owner");
  }
  requirePermission(desk.ctx, agent, "complete");
  const ctx = { ...desk.ctx.decideContext(open.sourceId), smartClosure: null };
  const d = decideInteraction(
    open,
    { type: "complete", agentId: open.agentId!, disposition: disposition ?? null, waitForReply: null },
    ctx,
  );
  await desk.apply(tx, open, d, actorOf(agent));
}

export function categorize(
  desk: Desk,
  agent: AgentState,
  threadId: string,
  categories: string[],
): Promise<ThreadState> {
  requirePermission(desk.ctx, agent, "categorize");
  const known = new Set(desk.ctx.config.categories.map((c) => c.id));
  const bad = categories.flatMap((
    c,
    i,
  ) => (known.has(c) ? [] : [{ path: `categories.${i}`, message: `unknown category "${c}"` }]));
  if (bad.length) throw new Invalid("Unknown categories.", bad);
  return changeRequirements(desk, agent, threadId, { categories });
}

export function changeLanguage(
  desk: Desk,
  agent: AgentState,
  threadId: string,
  language: string,
): Promise<ThreadState> {
  requirePermission(desk.ctx, agent, "change_language");
  if (!desk.ctx.config.languages.includes(language)) {
    throw new Invalid("Unknown language.", [{
      path: "language",
      message: `"${language}" is not a configured language`,
    }]);
  }
  return changeRequirements(desk, agent, threadId, { language });
}

function changeRequirements(
  desk: Desk,
  agent: AgentState,
  threadId: string,
  change: { categories?: string[]; language?: string },
): Promise<ThreadState> {
  return transact(desk.kv, async (tx) => {
    const { thread, open } = await loadThreadFor(tx, desk, agent, threadId);
    const d = decideThread(thread, { type: "set_requirements", ...change });
    await applyThreadDecision(tx, desk, d, actorOf(agent), open);
    return d.state;
  }, { lock: [keys.thread(threadId), keys.agent(agent.id)] });
}
