/**
 * Read-only operator views of the store (SPEC O1): interactions, threads, agents, queues, pending
 * timers, undeliverable messages, audit entries and key counts. Each returns plain rows; the CLI
 * prints them as a table or as JSON lines.
 */
import { keys } from "../../lib/server/keys.ts";
import { CHANNEL_GROUPS } from "../../lib/shared/config.ts";
import type { AgentState } from "../../actors/agent.ts";
import type { InteractionState } from "../../actors/interaction.ts";
import type { Message, ThreadState } from "../../actors/thread.ts";
import type { AuditEntry, TimerMessage } from "../../desk/persist.ts";
import { indexKey, timerId } from "../../desk/persist.ts";
import type { DeliveryRecord } from "../../desk/outbox.ts";
import { showKey } from "./codec.ts";

export type Row = Record<string, unknown>;

async function all<T>(kv: Deno.Kv, prefix: Deno.KvKey): Promise<Deno.KvEntry<T>[]> {
  const out: Deno.KvEntry<T>[] = [];
  for await (const e of kv.list<T>({ prefix })) out.push(e);
  return out;
}

const iso = (ms: number) => new Date(ms).toISOString();

export async function listInteractions(
  kv: Deno.Kv,
  filter: { state?: string; agent?: string } = {},
): Promise<Row[]> {
  return (await all<InteractionState>(kv, keys.interactionsPrefix()))
    .map((e) => e.value)
    .filter((s) =>
      (!filter.state || s.state === filter.state) && (!filter.agent || s.agentId === filter.agent)
    )
    .map((s) => ({
      id: s.id,
      state: s.state,
      agent: s.agentId,
      group: s.group,
      source: s.sourceId,
      thread: s.threadId,
      priority: s.priority,
      updatedAt: s.updatedAt,
      timer: s.scheduled ? `${s.scheduled.kind}@${iso(s.scheduled.dueAt)}` : null,
    }));
}

/** One interaction with its index entry and timer record (and whether they are where its state says). */
export async function showInteraction(kv: Deno.Kv, id: string): Promise<Row | null> {
  const s = (await kv.get<InteractionState>(keys.interaction(id))).value;
  if (!s) return null;
  let index: Row;
  try {
    const key = indexKey(s);
    index = { key: showKey(key), present: (await kv.get(key)).versionstamp !== null };
  } catch (e) {
    index = { error: (e as Error).message };
  }
  const timer = s.scheduled
    ? (await kv.get<TimerMessage>(keys.timer(s.scheduled.dueAt, timerId(s.id)))).value
    : null;
  const thread = (await kv.get<ThreadState>(keys.thread(s.threadId))).value;
  return {
    interaction: s,
    index,
    timer: s.scheduled ? { ...s.scheduled, due: iso(s.scheduled.dueAt), record: timer } : null,
    thread: thread
      ? { id: thread.id, externalId: thread.externalId, openInteractionId: thread.openInteractionId }
      : null,
  };
}

export async function listThreads(kv: Deno.Kv): Promise<Row[]> {
  return (await all<ThreadState>(kv, keys.threadsPrefix())).map(({ value: t }) => ({
    id: t.id,
    source: t.sourceId,
    externalId: t.externalId,
    customer: t.identity.name,
    open: t.openInteractionId,
    messages: t.messageCount,
    flags:
      [t.locked && "locked", t.ignored && "ignored", t.conversationClosed && "closed"].filter(Boolean).join(
        ",",
      ) || null,
    updatedAt: t.updatedAt,
  }));
}

/** A thread with its interactions and messages (oldest first). */
export async function showThread(kv: Deno.Kv, id: string): Promise<Row | null> {
  const thread = (await kv.get<ThreadState>(keys.thread(id))).value;
  if (!thread) return null;
  const links = await all<{ id: string }>(kv, keys.threadInteractions(id));
  const interactions = [];
  for (const l of links) {
    const s = (await kv.get<InteractionState>(keys.interaction(l.value.id))).value;
    interactions.push(
      s
        ? { id: s.id, state: s.state, agent: s.agentId, createdAt: s.createdAt }
        : { id: l.value.id, missing: true },
    );
  }
  const messages = (await all<Message>(kv, keys.messages(id))).map(({ value: m }) => ({
    id: m.id,
    at: m.createdAt,
    author: `${m.author.type}:${m.author.name}`,
    status: m.status,
    private: m.private,
    externalId: m.externalId,
    interaction: m.interactionId,
    body: m.body,
  }));
  return { thread, interactions, messages };
}

export async function listAgents(kv: Deno.Kv): Promise<Row[]> {
  return (await all<AgentState>(kv, keys.agents())).map(({ value: a }) => ({
    id: a.id,
    name: a.name,
    role: a.role,
    presence: a.presence,
    since: a.presenceSince,
    ...Object.fromEntries(
      CHANNEL_GROUPS.map((
        g,
      ) => [g, `${a.load[g]}/${a.capacity[g].capacity} (max ${a.capacity[g].maxCapacity})`]),
    ),
    teams: a.teams.join(","),
  }));
}

/** Waiting interactions per channel group, in dispatch order. */
export async function listQueues(kv: Deno.Kv, now = Date.now()): Promise<Row[]> {
  const rows: Row[] = [];
  for (const group of CHANNEL_GROUPS) {
    let position = 0;
    for (const e of await all<{ id: string; sourceId: string }>(kv, keys.queue(group))) {
      const since = Number(e.key[3]);
      rows.push({
        group,
        position: ++position,
        interaction: e.value.id,
        source: e.value.sourceId,
        priority: -Number(e.key[2]),
        waitingSince: iso(since),
        waitedSeconds: Math.round((now - since) / 1000),
      });
    }
  }
  return rows;
}

export async function listTimers(kv: Deno.Kv, now = Date.now()): Promise<Row[]> {
  return (await all<TimerMessage & { kind?: string }>(kv, keys.timers())).map(({ key, value }) => ({
    due: iso(Number(key[1])),
    inSeconds: Math.round((Number(key[1]) - now) / 1000),
    kind: value.kind ?? null,
    interaction: value.interactionId,
    epoch: value.epoch,
  }));
}

/** Deliveries that ran out of retries, with their kept records (what, where, last error). */
export async function listUndeliverable(kv: Deno.Kv): Promise<Row[]> {
  const rows: Row[] = [];
  for (const { key } of await all<unknown>(kv, keys.undeliverables())) {
    const id = String(key[1]);
    const rec = (await kv.get<DeliveryRecord>(keys.delivery(id))).value;
    rows.push(
      rec
        ? {
          id,
          url: rec.url,
          signer: `${rec.signer.type}:${rec.signer.id}`,
          attempts: rec.attempts,
          lastError: rec.lastError,
          createdAt: rec.createdAt,
          body: rec.body,
        }
        : { id, record: "missing" },
    );
  }
  return rows;
}

export async function listAudit(kv: Deno.Kv, threadId: string): Promise<Row[]> {
  return (await all<AuditEntry>(kv, keys.audits(threadId))).map(({ value: e }) => ({
    at: e.at,
    type: e.type,
    actor: `${e.actor.type}:${e.actor.name}`,
    interaction: e.interactionId,
    details: e.details,
  }));
}

/** Keys per first key part, and the total. */
export async function counts(kv: Deno.Kv): Promise<Row[]> {
  const by = new Map<string, number>();
  for await (const e of kv.list({ prefix: [] })) {
    by.set(String(e.key[0]), (by.get(String(e.key[0])) ?? 0) + 1);
  }
  const rows: Row[] = [...by].sort(([a], [b]) => a.localeCompare(b)).map(([prefix, n]) => ({
    prefix,
    keys: n,
  }));
  rows.push({ prefix: "(total)", keys: [...by.values()].reduce((a, b) => a + b, 0) });
  return rows;
}
