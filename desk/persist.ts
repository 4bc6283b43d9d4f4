/**
 * Turning actor states and effects into staged KV writes. Each actor's index keys are derived
 * from its state here, so a state and its indexes can never be written apart.
 */
import type { Tx } from "../lib/server/actor.ts";
import { MAX_CHECKS, newId } from "../lib/server/actor.ts";
import { decodeTime } from "ulid";
import { type FolderName, keys } from "../lib/server/keys.ts";
import { Conflict, Invalid } from "../lib/shared/errors.ts";
import { iso, ms } from "../lib/shared/time.ts";
import { type AgentCommand, type AgentState, decideAgent } from "../actors/agent.ts";
import {
  type Actor,
  folderOf,
  indexRecord,
  type InteractionEffect,
  type InteractionState,
  interactionView,
  isOpen,
  type TimerKind,
  timerOf,
} from "../actors/interaction.ts";
import { decideThread, type Message, type MessageStatus, type ThreadState } from "../actors/thread.ts";
import type { DeskContext } from "./context.ts";
import { stageAgentSupervision, stageSupervision } from "./supervisor_counters.ts";
import { scheduleAt, unschedule } from "./schedule.ts";
import { MAX_STORED_MESSAGE_BYTES, splitMessage, storedSize } from "./message_parts.ts";

export { MAX_QUEUE_DELAY } from "./schedule.ts";

export type TimerMessage = { type: "timer"; interactionId: string; epoch: number; dueAt: number };

export const timerId = (interactionId: string) => `interaction:${interactionId}`;

/** The one folder or queue index key of an interaction state (also used by operators' rebuild-indexes). */
export function indexKey(s: InteractionState): Deno.KvKey {
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

/**
 * The value stored under an interaction's index key: a pointer in a queue, its record in a folder
 * (the fields lists filter on: the folder's readers take the views from the interactions).
 */
export function indexValue(s: InteractionState): unknown {
  return folderOf(s) === "queue" ? { id: s.id, sourceId: s.sourceId } : indexRecord(s);
}

/** The available-agent index keys of an agent state (each holds `availableAgentValue`). */
export function availableAgentKeys(a: AgentState): Deno.KvKey[] {
  return a.presence === "available" ? a.teams.map((t) => keys.availableAgent(t, a.id)) : [];
}

/**
 * What an available-agent entry holds: the agent's id, a pointer. Not the state: the entry is
 * then written only when the agent comes, goes or changes teams, not on every load change (an
 * offer's commit carried a second copy of its agent, ~700 bytes). The dispatcher's pool reads
 * the agents themselves (desk/agent_pool.ts).
 */
export const availableAgentValue = (a: AgentState) => a.id;

const sameKey = (a: Deno.KvKey, b: Deno.KvKey) => a.length === b.length && a.every((x, i) => x === b[i]);

/** The agent folder an interaction state is counted in (null while it waits in a queue). */
export function countedFolder(s: InteractionState): { agentId: string; folder: FolderName } | null {
  const f = folderOf(s);
  return f === "queue" || !s.agentId ? null : { agentId: s.agentId, folder: f };
}

/**
 * Keeps the per-agent folder counters (`keys.folderCount`) in step with the folder entries, in
 * the same commit: -1 on the folder left, +1 on the folder entered (nothing when the interaction
 * stays in the same agent's same folder).
 */
function countFolderMove(tx: Tx, before: InteractionState | null, after: InteractionState): void {
  const from = before ? countedFolder(before) : null;
  const to = countedFolder(after);
  if (from && to && from.agentId === to.agentId && from.folder === to.folder) return;
  if (from) tx.sum(keys.folderCount(from.agentId, from.folder), -1);
  if (to) tx.sum(keys.folderCount(to.agentId, to.folder), 1);
}

/** Writes an interaction with its folder/queue index and its timer (record + queue message). */
export function writeInteraction(
  tx: Tx,
  ctx: DeskContext,
  before: InteractionState | null,
  after: InteractionState,
): void {
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
  tx.set(newIndex, indexValue(after));
  countFolderMove(tx, before, after);

  if (before?.scheduled) {
    tx.delete(keys.timer(before.scheduled.dueAt, timerId(before.id)));
    const old: TimerMessage = { type: "timer", interactionId: before.id, epoch: before.epoch, dueAt: 0 };
    unschedule(tx, ctx, old, before.scheduled.dueAt);
  }
  if (timer) {
    const rec = timerRecord(after, timer);
    tx.set(rec.key, rec.value);
    scheduleAt(tx, ctx, rec.msg, timer.dueAt);
  }
}

/** The timer record (key, value) and queue message of an interaction state's timer. */
export function timerRecord(s: InteractionState, timer: { kind: TimerKind; dueAt: number }) {
  const msg: TimerMessage = { type: "timer", interactionId: s.id, epoch: s.epoch, dueAt: timer.dueAt };
  return { key: keys.timer(timer.dueAt, timerId(s.id)), value: { ...msg, kind: timer.kind }, msg };
}

const agentCommitListeners = new WeakMap<Deno.Kv, Set<(agent: AgentState, versionstamp: string) => void>>();

/**
 * Calls `fn` after each commit on `kv` by this process that writes an agent, with the state
 * written and the commit's versionstamp (keeps in-memory views, such as the dispatcher's pool
 * of available agents, current without reading them all again).
 */
export function onAgentCommit(kv: Deno.Kv, fn: (agent: AgentState, versionstamp: string) => void): void {
  let set = agentCommitListeners.get(kv);
  if (!set) agentCommitListeners.set(kv, set = new Set());
  set.add(fn);
}

/** The last state of each agent a transaction wrote, published once it committed. */
const agentsWrittenBy = new WeakMap<Tx, Map<string, AgentState>>();

/**
 * Writes an agent, and its available-agent index entries when they change (presence, teams).
 * Other processes' dispatcher pools follow the agents' move log this commit also writes
 * (`stageAgentSupervision`).
 *
 * Listeners get each agent's FINAL state of the commit, all at once: a decision may write one
 * agent several times (a forced transfer to the owner releases, then occupies again), and every
 * intermediate state would carry the commit's versionstamp too. The dispatcher trusts a pool
 * entry whose versionstamp still matches the stored agent, so publishing an intermediate state
 * (even for the few microtasks between two hooks) let a racing offer commit on top of a load
 * that was never stored.
 */
export function writeAgent(tx: Tx, before: AgentState | null, after: AgentState): void {
  const listeners = agentCommitListeners.get(tx.kv);
  if (listeners) {
    let written = agentsWrittenBy.get(tx);
    if (!written) {
      agentsWrittenBy.set(tx, written = new Map());
      const all = written;
      tx.after(() => {
        const v = tx.versionstamp;
        if (v) { for (const a of all.values()) listeners.forEach((f) => f(a, v)); }
      });
    }
    written.set(after.id, after);
  }
  tx.set(keys.agent(after.id), after);
  stageAgentSupervision(tx, before, after);
  const listedIn = (a: AgentState | null) => new Set(a?.presence === "available" ? a.teams : []);
  const listed = listedIn(after), wasListed = listedIn(before);
  for (const t of wasListed) if (!listed.has(t)) tx.delete(keys.availableAgent(t, after.id));
  for (const t of listed) {
    if (!wasListed.has(t)) tx.set(keys.availableAgent(t, after.id), availableAgentValue(after));
  }
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
  e: {
    id?: string;
    threadId: string;
    interactionId: string | null;
    actor: Actor;
    type: string;
    details?: Record<string, unknown>;
  },
): void {
  const id = e.id ?? newId();
  // Entries are listed in key (id) order, so an entry that reuses an earlier id (a message's own)
  // takes that id's time: the commit may land later, and `at` must never run backwards in the list.
  const at = e.id ? decodeTime(e.id) : ctx.now();
  const entry: AuditEntry = { ...e, id, at: iso(at), details: e.details ?? {} };
  tx.set(keys.audit(e.threadId, id), entry);
}

/**
 * Refuses (400) a message too large for one KV value even once its `contextData` and
 * `structured` moved to part keys (`message_parts.ts`): a big body with many attachments.
 * Lists the big fields.
 */
export function assertStorable(m: Message): void {
  const size = storedSize;
  if (size(m) <= MAX_STORED_MESSAGE_BYTES) return;
  const fields = (["body", "attachments", "structured", "contextData"] as const)
    .map((f) => [f, size(m[f])] as const)
    .toSorted((a, b) => b[1] - a[1]);
  const big = fields.filter(([, n]) => n > MAX_STORED_MESSAGE_BYTES / 8);
  const details = (big.length ? big : fields.slice(0, 1))
    .map(([f, n]) => ({ path: f, message: `too large (${n} bytes)` }));
  const text = `The message is too large to store (max ${MAX_STORED_MESSAGE_BYTES} bytes).`;
  throw new Invalid(text, details, "message_too_large");
}

/** Stores a new message on a thread (the caller writes the thread, which guards its messages). */
export function writeMessage(
  tx: Tx,
  ctx: DeskContext,
  thread: ThreadState,
  m: Message,
  actor: Actor,
): ThreadState {
  const split = splitMessage(m);
  if (!split) return assertStorable({ ...m, contextData: null, structured: null }) as never;
  tx.set(keys.message(thread.id, m.id), split.stored);
  for (const [key, part] of split.parts) tx.set(key, part);
  writeAudit(tx, ctx, {
    // The message's own (time-ordered) id: an inbound message sorts before the routing it caused.
    id: m.id,
    threadId: thread.id,
    interactionId: m.interactionId,
    actor,
    type: `message.${m.author.type}`,
    details: {
      messageId: m.id,
      excerpt: m.body.slice(0, 140),
      status: m.status,
      private: m.private,
      // How many files it carried (uploads): the audit line says so when there is no text.
      ...(m.attachments.length ? { files: m.attachments.length } : {}),
    },
  });
  const latest = m.author.type === "customer" &&
      (!thread.lastCustomerMessageAt || m.createdAt > thread.lastCustomerMessageAt)
    ? { lastCustomerMessageAt: m.createdAt }
    : {};
  return { ...thread, ...latest, messageCount: thread.messageCount + 1 };
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
async function changeMessageStatuses(
  tx: Tx,
  ctx: DeskContext,
  s: InteractionState,
  to: "assigned" | "replied" | "ignored",
) {
  const thread = await getThread(tx, s.threadId);
  writeThread(tx, ctx, thread);
  const entries = await tx.getManyUnchecked<Message>(messageKeys(s));
  for (const e of entries) {
    if (e.value && STATUS_CHANGES[to].includes(e.value.status)) tx.set(e.key, { ...e.value, status: to });
  }
}

const messageKeys = (s: InteractionState) => s.pendingMessageIds.map((id) => keys.message(s.threadId, id));

/**
 * What `applyDecision` will read, asked for in one round trip: the thread when the interaction
 * opens or closes or its messages change status, the agents whose load changes, and (up to the
 * ten keys of one read) the messages whose status changes.
 */
function readsAhead(before: InteractionState | null, after: InteractionState, effects: InteractionEffect[]) {
  const messages = before && effects.some((e) => e.type === "messages");
  const thread = messages || (before && isOpen(before) !== isOpen(after));
  const ks: Deno.KvKey[] = thread ? [keys.thread(after.threadId)] : [];
  for (const e of effects) if (e.type === "agent") ks.push(keys.agent(e.agentId));
  if (messages && before) ks.push(...messageKeys(before).slice(0, Math.max(0, MAX_CHECKS - ks.length)));
  return ks;
}

export type Outbound = (
  tx: Tx,
  s: InteractionState,
  kind: "smart_closure_question" | "smart_closure_follow_up",
) => Promise<void>;

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
  await tx.prefetch(readsAhead(before, after, effects));
  if (before && isOpen(before) !== isOpen(after)) {
    const thread = await getThread(tx, after.threadId);
    const d = isOpen(after)
      ? decideThread(thread, { type: "interaction_opened", interactionId: after.id })
      : decideThread(thread, { type: "interaction_closed", interaction: after });
    writeThread(tx, ctx, d.state);
  }
  writeInteraction(tx, ctx, before, after);
  stageSupervision(tx, ctx, before, after, effects);
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
        writeAudit(tx, ctx, {
          threadId: after.threadId,
          interactionId: after.id,
          actor,
          type: e.action,
          details: e.details,
        });
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
