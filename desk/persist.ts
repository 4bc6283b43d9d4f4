/**
 * Turning actor states and effects into staged KV writes. Each actor's index keys are derived
 * from its state here, so a state and its indexes can never be written apart.
 */
import type { Tx } from "../lib/actor.ts";
import { newId } from "../lib/actor.ts";
import { keys } from "../lib/keys.ts";
import { Conflict } from "../lib/errors.ts";
import { iso, ms } from "../lib/time.ts";
import { type AgentCommand, type AgentState, decideAgent } from "../actors/agent.ts";
import {
  type Actor,
  folderOf,
  type InteractionEffect,
  type InteractionState,
  interactionView,
  isOpen,
  timerOf,
} from "../actors/interaction.ts";
import type { Message, MessageStatus, ThreadState } from "../actors/thread.ts";
import type { DeskContext } from "./context.ts";

/** Longest delay of one Deno KV queue message; longer timers are chained. */
export const MAX_QUEUE_DELAY = 30 * 24 * 3600_000;

export type TimerMessage = { type: "timer"; interactionId: string; epoch: number; dueAt: number };

export const timerId = (interactionId: string) => `interaction:${interactionId}`;

function indexKey(s: InteractionState): Deno.KvKey {
  const f = folderOf(s);
  if (f === "queue") return keys.queueEntry(s.group, s.priority, ms(s.enqueuedAt ?? s.createdAt), s.id);
  const agentId = s.agentId;
  if (!agentId) throw new Error(`interaction ${s.id} is ${s.state} without an agent`);
  const sort = f === "in_progress"
    ? (s.state === "offered" ? ms(s.offeredAt ?? s.updatedAt) : 1e13 + ms(s.createdAt))
    : f === "deferred"
    ? ms(s.deferredUntil ?? s.updatedAt)
    : -ms(s.completedAt ?? s.updatedAt);
  return keys.folderEntry(agentId, f, sort, s.id);
}

const sameKey = (a: Deno.KvKey, b: Deno.KvKey) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Writes an interaction with its folder/queue index and its timer (record + queue message). */
export function writeInteraction(tx: Tx, ctx: DeskContext, before: InteractionState | null, after: InteractionState): void {
  const timer = timerOf(after, ctx.config.routing.idleTimeout);
  const next: InteractionState = { ...after, scheduled: timer };
  tx.set(keys.interaction(after.id), next);

  const newIndex = indexKey(after);
  if (before) {
    const oldIndex = indexKey(before);
    if (!sameKey(oldIndex, newIndex)) tx.delete(oldIndex);
  } else {
    tx.set(keys.threadInteraction(after.threadId, after.id), { id: after.id, createdAt: after.createdAt });
  }
  tx.set(newIndex, folderOf(after) === "queue" ? { id: after.id, sourceId: after.sourceId } : interactionView(after));

  if (before?.scheduled) tx.delete(keys.timer(before.scheduled.dueAt, timerId(before.id)));
  if (timer) {
    const msg: TimerMessage = { type: "timer", interactionId: after.id, epoch: after.epoch, dueAt: timer.dueAt };
    tx.set(keys.timer(timer.dueAt, timerId(after.id)), { ...msg, kind: timer.kind });
    const delay = Math.min(Math.max(0, timer.dueAt - ctx.now()), MAX_QUEUE_DELAY);
    tx.enqueue(msg, { delay });
  }
}

/** Writes an agent with its available-agent index entries (same commit, so same versionstamp). */
export function writeAgent(tx: Tx, before: AgentState | null, after: AgentState): void {
  tx.set(keys.agent(after.id), after);
  const listed = after.presence === "available" ? new Set(after.teams) : new Set<string>();
  if (before?.presence === "available") {
    for (const t of before.teams) if (!listed.has(t)) tx.delete(keys.availableAgent(t, after.id));
  }
  for (const t of listed) tx.set(keys.availableAgent(t, after.id), after);
}

/** Reads an agent, applies a command and writes it back. */
export async function updateAgent(tx: Tx, agentId: string, command: AgentCommand): Promise<AgentState> {
  const before = await tx.get<AgentState>(keys.agent(agentId));
  if (!before) throw new Conflict(`Unknown agent "${agentId}".`, "unknown_agent");
  const after = decideAgent(before, command);
  if (after !== before) writeAgent(tx, before, after);
  return after;
}

export async function getThread(tx: Tx, threadId: string): Promise<ThreadState> {
  const t = await tx.get<ThreadState>(keys.thread(threadId));
  if (!t) throw new Error(`thread ${threadId} is missing`);
  return t;
}

export function writeThread(tx: Tx, ctx: DeskContext, t: ThreadState): void {
  tx.set(keys.thread(t.id), { ...t, updatedAt: iso(ctx.now()) });
}

export type AuditEntry = {
  id: string;
  at: string;
  threadId: string;
  interactionId: string | null;
  actor: Actor;
  type: string;
  details: Record<string, unknown>;
};

export function writeAudit(
  tx: Tx,
  ctx: DeskContext,
  e: { threadId: string; interactionId: string | null; actor: Actor; type: string; details?: Record<string, unknown> },
): void {
  const id = newId();
  const entry: AuditEntry = { id, at: iso(ctx.now()), ...e, details: e.details ?? {} };
  tx.set(keys.audit(e.threadId, id), entry);
}

/** Stores a new message on a thread (the caller writes the thread, which guards its messages). */
export function writeMessage(tx: Tx, ctx: DeskContext, thread: ThreadState, m: Message, actor: Actor): ThreadState {
  tx.set(keys.message(thread.id, m.id), m);
  writeAudit(tx, ctx, {
    threadId: thread.id,
    interactionId: m.interactionId,
    actor,
    type: `message.${m.author.type}`,
    details: { messageId: m.id, excerpt: m.body.slice(0, 140), status: m.status, private: m.private },
  });
  return { ...thread, messageCount: thread.messageCount + 1 };
}

const STATUS_CHANGES: Record<"assigned" | "replied" | "ignored", MessageStatus[]> = {
  assigned: ["new"],
  replied: ["new", "assigned"],
  ignored: ["new", "assigned"],
};

/**
 * Changes the statuses of an interaction's pending customer messages. Message keys are guarded
 * by their thread: the caller's commit writes the thread, so these are not checked one by one.
 */
async function changeMessageStatuses(tx: Tx, ctx: DeskContext, s: InteractionState, to: "assigned" | "replied" | "ignored") {
  const ids = s.pendingMessageIds;
  const thread = await getThread(tx, s.threadId);
  writeThread(tx, ctx, thread);
  for (let i = 0; i < ids.length; i += 10) {
    const entries = await tx.kv.getMany<Message[]>(ids.slice(i, i + 10).map((id) => keys.message(s.threadId, id)));
    for (const e of entries) {
      if (e.value && STATUS_CHANGES[to].includes(e.value.status)) tx.set(e.key, { ...e.value, status: to });
    }
  }
}

export type Outbound = (tx: Tx, s: InteractionState, kind: "smart_closure_question" | "smart_closure_follow_up") => Promise<void>;

/**
 * Writes an interaction's new state and carries out its decision's effects, all in `tx`:
 * agent load and counters, feed events, audit entries, message statuses, outbound messages,
 * the thread's open-interaction pointer, and (after commit) a dispatch of the queue.
 */
export async function applyDecision(
  tx: Tx,
  ctx: DeskContext,
  before: InteractionState | null,
  after: InteractionState,
  effects: InteractionEffect[],
  actor: Actor,
  hooks: { dispatch: (group: InteractionState["group"]) => void; outbound: Outbound },
): Promise<void> {
  if (before && isOpen(before) !== isOpen(after)) {
    const thread = await getThread(tx, after.threadId);
    if (isOpen(after)) {
      if (thread.openInteractionId && thread.openInteractionId !== after.id) {
        throw new Conflict("This thread already has another open interaction.", "thread_has_open_interaction", {
          interactionId: thread.openInteractionId,
        });
      }
      writeThread(tx, ctx, { ...thread, openInteractionId: after.id });
    } else {
      writeThread(tx, ctx, {
        ...thread,
        openInteractionId: thread.openInteractionId === after.id ? null : thread.openInteractionId,
        lastInteractionId: after.id,
        lastAgentId: after.agentId,
        lastCompletedAt: after.completedAt,
      });
    }
  }
  writeInteraction(tx, ctx, before, after);
  const view = interactionView(after);
  for (const e of effects) {
    switch (e.type) {
      case "agent":
        await updateAgent(tx, e.agentId, e.command);
        break;
      case "event":
        tx.emit(e.agentId, e.event, { interactionId: after.id, ...e.data, interaction: view });
        break;
      case "audit":
        writeAudit(tx, ctx, { threadId: after.threadId, interactionId: after.id, actor, type: e.action, details: e.details });
        break;
      case "messages":
        if (before) await changeMessageStatuses(tx, ctx, before, e.to);
        break;
      case "outbound":
        await hooks.outbound(tx, after, e.kind);
        break;
      case "dispatch":
        tx.after(() => hooks.dispatch(e.group));
        break;
      default: {
        const never: never = e;
        throw new Error(`unknown effect ${JSON.stringify(never)}`);
      }
    }
  }
}
