/** Read-side queries: folders (pointer indexes, cursor paging), interaction detail, audit log. */
import { read } from "../lib/server/actor.ts";
import { type FolderName, keys } from "../lib/server/keys.ts";
import type { AgentState } from "../actors/agent.ts";
import {
  folderOf,
  type InteractionState,
  type InteractionView,
  interactionView,
} from "../actors/interaction.ts";
import { getManyInChunks } from "../lib/server/get_many.ts";
import { type Message, messageView, type ThreadState, threadView } from "../actors/thread.ts";
import type { Desk } from "./desk.ts";
import { loadVisible } from "./actions.ts";
import { loadThreadFor } from "./threads.ts";
import type { AuditEntry } from "./persist.ts";
import { Invalid, NotFound } from "../lib/shared/errors.ts";
import { requirePermission } from "./access.ts";
import { appSecret } from "./secrets.ts";
import { openCursor, sealCursor } from "../lib/server/cursor.ts";
import { type AuditLang, type AuditNames, auditSummary } from "./audit_text.ts";
import { folderCounts as countersOf } from "./folder_counts.ts";
import { joinParts } from "./message_parts.ts";

export type Page<T> = { items: T[]; cursor: string | null };

/** A cursor refused before the store is read (forged, damaged, or from another listing). */
const badCursor = () =>
  new Invalid("Invalid cursor.", [{ path: "cursor", message: "not a cursor from a previous page" }]);

/** One page of a KV listing; cursors are sealed to the listing (lib/server/cursor.ts), so a forged one is a 400. */
export async function page<T, U>(
  kv: Deno.Kv,
  prefix: Deno.KvKey,
  limit: number,
  cursor: string | undefined,
  map: (v: T) => U,
  reverse = false,
): Promise<Page<U>> {
  const listed = await listPage<T>(kv, prefix, limit, cursor, reverse);
  return { items: listed.values.map(map), cursor: listed.cursor };
}

/** The values of one page of a KV listing and the sealed cursor after it (null on the last page). */
async function listPage<T>(
  kv: Deno.Kv,
  prefix: Deno.KvKey,
  limit: number,
  cursor: string | undefined,
  reverse = false,
): Promise<{ values: T[]; cursor: string | null }> {
  const scope = JSON.stringify([prefix, reverse]);
  let raw: string | undefined;
  if (cursor !== undefined) {
    // No secret yet means no cursor was ever handed out; asking for one would create it (a write).
    if (!(await kv.get(keys.appSecret("links"))).value) throw badCursor();
    const opened = await openCursor(await appSecret(kv, "links"), scope, cursor);
    if (opened === null) throw badCursor();
    raw = opened;
  }
  const values: T[] = [];
  let iter: Deno.KvListIterator<T>;
  try {
    iter = kv.list<T>({ prefix }, { limit, cursor: raw, reverse });
    for await (const e of iter) values.push(e.value);
  } catch {
    throw badCursor();
  }
  const next = iter.cursor;
  const sealed = values.length === limit && next
    ? await sealCursor(await appSecret(kv, "links"), scope, next)
    : null;
  return { values, cursor: sealed };
}

/**
 * One page of an agent's folder. Folder entries hold records (desk/persist.ts `indexValue`; an
 * older version wrote views there): the views are read from the interactions, and one that left
 * the folder since it was listed is left out (its new place reaches the page through the feed).
 * The cursor follows the listing, so nothing after the page's last entry is skipped.
 */
export async function folder(
  desk: Desk,
  agent: AgentState,
  name: FolderName,
  limit: number,
  cursor?: string,
): Promise<Page<InteractionView>> {
  const listed = await listPage<{ id: string }>(desk.kv, keys.folder(agent.id, name), limit, cursor);
  const entries = await getManyInChunks<InteractionState>(
    desk.kv,
    listed.values.map((v) => keys.interaction(v.id)),
  );
  const items: InteractionView[] = [];
  for (const { value: s } of entries) {
    if (s && s.agentId === agent.id && folderOf(s) === name) items.push(interactionView(s));
  }
  return { items, cursor: listed.cursor };
}

/** Every folder's count, from the per-agent counters (desk/folder_counts.ts): no listing. */
export function folderCounts(desk: Desk, agentId: string): Promise<Record<FolderName, number>> {
  return countersOf(desk.kv, agentId);
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
      messages: (await joinParts(desk.kv, messages)).map(messageView),
    };
  });
}

/**
 * The thread's open interaction, else its last one, when `agent` may see it (else null). Thread
 * actions answer with it beside the thread: API.md says actions answer `{"interaction": …}`.
 */
export async function threadInteraction(
  desk: Desk,
  agent: AgentState,
  thread: ThreadState,
): Promise<InteractionView | null> {
  for (const id of [thread.openInteractionId, thread.lastInteractionId]) {
    if (!id) continue;
    try {
      return interactionView(await read(desk.kv, (tx) => loadVisible(tx, desk, agent, id)));
    } catch (e) {
      if (!(e instanceof NotFound)) throw e;
    }
  }
  return null;
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
