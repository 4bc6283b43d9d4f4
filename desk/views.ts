/**
 * Read models for the routing view (U1): everything the page renders from, in one place, plus
 * the extra reads its dialogs use (message paging, the agent directory with presence).
 */
import { read } from "../lib/server/actor.ts";
import { keys } from "../lib/server/keys.ts";
import { getManyInChunks } from "../lib/server/get_many.ts";
import { actionLayoutOf, permissionsOf } from "../lib/shared/config.ts";
import { type AgentState, agentView } from "../actors/agent.ts";
import type { InteractionView } from "../actors/interaction.ts";
import type { FolderItem } from "../lib/shared/wire/views.ts";
import type { Directory, Me } from "../lib/shared/wire/agent.ts";
import { type Message, messageView } from "../actors/thread.ts";
import type { Desk } from "./desk.ts";
import { feedCursor } from "./feed.ts";
import { folder, interactionDetail } from "./queries.ts";
import { loadThreadFor } from "./threads.ts";
import { cobrowseEligible } from "./cobrowse.ts";
import { joinParts } from "./message_parts.ts";

/** Most interactions read per open folder for the page; history pages on demand. */
export const OPEN_FOLDER_LIMIT = 200;
export const HISTORY_PAGE = 50;
export const THREAD_PAGE = 200;

export function directoryOf(desk: Desk): Directory {
  const c = desk.config;
  return {
    sources: c.sources.map((s) => ({
      id: s.id,
      name: s.name,
      kind: s.kind,
      dispositionRequired: s.dispositionRequired,
      smartClosure: s.smartClosure?.enabled ?? false,
      waitForReply: s.smartClosure?.waitForReply ?? false,
      cobrowse: cobrowseEligible(s),
    })),
    categories: c.categories.map(({ id, name }) => ({ id, name })),
    teams: c.teams.map(({ id, name }) => ({ id, name })),
    languages: [...c.languages],
    dispositions: c.dispositions.map(({ id, name }) => ({ id, name })),
    agents: c.agents.map((a) => ({ id: a.id, name: a.name, initials: desk.ctx.profileOf(a).initials })),
    experts: c.experts.map(({ id, name }) => ({ id, name })),
  };
}

export function meOf(desk: Desk, agent: AgentState): Me {
  const v = agentView(agent);
  return {
    id: v.id,
    name: v.name,
    initials: v.initials,
    role: v.role,
    presence: v.presence,
    presenceBy: v.presenceBy,
    load: v.load,
    capacity: v.capacity,
    permissions: [...permissionsOf(desk.config, agent.role)],
    actionLayout: actionLayoutOf(desk.config, agent.role),
  };
}

/**
 * The routing view's starting point: the feed position first (so the event stream replays
 * whatever changes while the folders are read), then both open folders and the first page of
 * history, and the open interaction's thread when one is selected.
 */
export async function routingView(desk: Desk, agent: AgentState, selectedId: string | null) {
  const feedCursorAtRender = await feedCursor(desk.kv, agent.id);
  const [inProgress, deferred, history, selected] = await Promise.all([
    folder(desk, agent, "in_progress", OPEN_FOLDER_LIMIT),
    folder(desk, agent, "deferred", OPEN_FOLDER_LIMIT),
    folder(desk, agent, "history", HISTORY_PAGE),
    selectedId
      ? interactionDetail(desk, agent, selectedId, THREAD_PAGE).catch(() => null)
      : Promise.resolve(null),
  ]);
  const interactions = [...inProgress.items, ...deferred.items, ...history.items].map(listItem);
  return {
    feedCursor: feedCursorAtRender,
    interactions,
    historyCursor: history.cursor,
    selected: selected
      ? {
        ...selected,
        earlier: selected.messages.length > 0 && selected.messages.length < selected.thread.messageCount
          ? selected.messages[0].id
          : null,
      }
      : null,
  };
}

/** What a folder list shows of an interaction (the page carries up to a few hundred). */
export function listItem(v: InteractionView): FolderItem {
  return {
    id: v.id,
    threadId: v.threadId,
    sourceId: v.sourceId,
    state: v.state,
    agentId: v.agentId,
    categories: v.categories,
    language: v.language,
    priority: v.priority,
    createdAt: v.createdAt,
    updatedAt: v.updatedAt,
    acceptDeadline: v.acceptDeadline,
    deferredUntil: v.deferredUntil,
    disposition: v.disposition,
    conversationClosed: v.conversationClosed,
    closing: v.closing,
    transfer: v.transfer,
    customer: v.customer,
    preview: v.preview,
    offeredAt: v.offeredAt,
    acceptedAt: v.acceptedAt,
    completedAt: v.completedAt,
    lastActivityAt: v.lastActivityAt,
  };
}

/**
 * Messages of a thread older than message `before`, oldest first; `cursor` is the `before` of
 * the next older page, or null at the start of the thread.
 */
export async function olderMessages(
  desk: Desk,
  agent: AgentState,
  threadId: string,
  before: string,
  limit: number,
) {
  await read(desk.kv, (tx) => loadThreadFor(tx, desk, agent, threadId));
  const items: Message[] = [];
  const iter = desk.kv.list<Message>(
    { start: keys.messages(threadId), end: keys.message(threadId, before) },
    { limit: limit + 1, reverse: true },
  );
  for await (const e of iter) items.push(e.value);
  const more = items.length > limit;
  const page = items.slice(0, limit).reverse();
  const whole = await joinParts(desk.kv, page);
  return { items: whole.map(messageView), cursor: more && page.length ? page[0].id : null };
}

/** Every configured agent with presence (the transfer dialog's picker). */
export async function agentDirectory(desk: Desk) {
  const ids = desk.config.agents.map((a) => a.id);
  const out: { id: string; name: string; presence: string; teams: string[]; languages: string[] }[] = [];
  for (const e of await getManyInChunks<AgentState>(desk.kv, ids.map((id) => keys.agent(id)))) {
    if (e.value) {
      out.push({
        id: e.value.id,
        name: e.value.name,
        presence: e.value.presence,
        teams: e.value.teams,
        languages: e.value.languages,
      });
    }
  }
  return out;
}
