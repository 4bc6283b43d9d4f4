/** Read-side queries: folders (pointer indexes, cursor paging), interaction detail, audit log. */
import { read } from "../lib/actor.ts";
import { type FolderName, keys } from "../lib/keys.ts";
import type { AgentState } from "../actors/agent.ts";
import { type InteractionView, interactionView } from "../actors/interaction.ts";
import { type Message, messageView, threadView } from "../actors/thread.ts";
import type { Desk } from "./desk.ts";
import { loadVisible } from "./actions.ts";
import { loadThreadFor } from "./threads.ts";
import type { AuditEntry } from "./persist.ts";
import { Invalid } from "../lib/errors.ts";
import { requirePermission } from "./access.ts";
import { type AuditLang, type AuditNames, auditSummary } from "./audit_text.ts";

export type Page<T> = { items: T[]; cursor: string | null };

async function page<T, U>(
  kv: Deno.Kv,
  prefix: Deno.KvKey,
  limit: number,
  cursor: string | undefined,
  map: (v: T) => U,
  reverse = false,
): Promise<Page<U>> {
  const items: U[] = [];
  let iter: Deno.KvListIterator<T>;
  try {
    iter = kv.list<T>({ prefix }, { limit, cursor, reverse });
    for await (const e of iter) items.push(map(e.value));
  } catch {
    throw new Invalid("Invalid cursor.", [{ path: "cursor", message: "not a cursor from a previous page" }]);
  }
  const next = iter.cursor;
  return { items, cursor: items.length === limit && next ? next : null };
}

export function folder(
  desk: Desk,
  agent: AgentState,
  name: FolderName,
  limit: number,
  cursor?: string,
): Promise<Page<InteractionView>> {
  return page<InteractionView, InteractionView>(
    desk.kv,
    keys.folder(agent.id, name),
    limit,
    cursor,
    (v) => v,
  );
}

export async function folderCounts(desk: Desk, agentId: string): Promise<Record<FolderName, number>> {
  const out = { in_progress: 0, deferred: 0, history: 0 } as Record<FolderName, number>;
  for (const f of ["in_progress", "deferred"] as const) {
    for await (const _ of desk.kv.list({ prefix: keys.folder(agentId, f) }, { limit: 1000 })) out[f]++;
  }
  return out;
}

/** Interaction, thread and the latest messages (oldest first). */
export function interactionDetail(desk: Desk, agent: AgentState, id: string, messageLimit = 200) {
  return read(desk.kv, async (tx) => {
    const s = await loadVisible(tx, desk, agent, id);
    const thread = (await desk.kv.get<import("../actors/thread.ts").ThreadState>(keys.thread(s.threadId)))
      .value!;
    const messages: Message[] = [];
    for await (
      const e of desk.kv.list<Message>({ prefix: keys.messages(s.threadId) }, {
        limit: messageLimit,
        reverse: true,
      })
    ) {
      messages.push(e.value);
    }
    messages.reverse();
    return {
      interaction: interactionView(s),
      thread: threadView(thread),
      messages: messages.map(messageView),
    };
  });
}

/** The audit log of a thread (A9): every message and activity, oldest first, with a readable summary. */
export async function auditLog(
  desk: Desk,
  agent: AgentState,
  threadId: string,
  limit: number,
  cursor?: string,
  lang: AuditLang = "en",
) {
  requirePermission(desk.ctx, agent, "audit");
  await read(desk.kv, (tx) => loadThreadFor(tx, desk, agent, threadId));
  const c = desk.ctx.config;
  const byId = <T extends { id: string; name: string }>(list: T[]) => (id: string) =>
    list.find((x) => x.id === id)?.name;
  const names: AuditNames = {
    agent: (id) => desk.ctx.agentConfig(id)?.name,
    disposition: byId(c.dispositions),
    category: byId(c.categories),
    team: byId(c.teams),
  };
  return page<AuditEntry, Omit<AuditEntry, "threadId"> & { summary: string }>(
    desk.kv,
    keys.audits(threadId),
    limit,
    cursor,
    (e) => ({
      id: e.id,
      at: e.at,
      actor: e.actor,
      type: e.type,
      summary: auditSummary(e, names, lang),
      interactionId: e.interactionId,
      details: e.details,
    }),
  );
}
