/**
 * The reply assistant (SPEC K1–K4) for an agent working on a thread: knowledge-base entries and
 * similar past questions, both in the thread's language and categories when possible.
 */
import { read } from "../../lib/server/actor.ts";
import { NotFound } from "../../lib/shared/errors.ts";
import type { AgentState } from "../../actors/agent.ts";
import { requirePermission } from "../access.ts";
import type { Desk } from "../desk.ts";
import { loadThreadFor } from "../threads.ts";
import { entryForShortcut, type KbEntry, listEntries, type Scope, searchEntries } from "./knowledge.ts";
import { pairIndexOf, type SimilarHit } from "./service.ts";

export type AssistantQuery = { threadId?: string; language?: string };

/** The language and categories to search in: the thread's (when visible to the agent), else the query's. */
async function scopeOf(desk: Desk, agent: AgentState, q: AssistantQuery): Promise<Scope> {
  requirePermission(desk.ctx, agent, "reply");
  if (!q.threadId) return { language: q.language ?? null, categories: [] };
  const { thread, open } = await read(desk.kv, (tx) => loadThreadFor(tx, desk, agent, q.threadId!));
  return { language: q.language ?? thread.language ?? open?.language ?? null, categories: thread.categories };
}

export async function assistantEntries(desk: Desk, agent: AgentState, q: AssistantQuery) {
  const scope = await scopeOf(desk, agent, q);
  return { scope, groups: listEntries(desk.config, scope) };
}

export async function assistantSearch(
  desk: Desk,
  agent: AgentState,
  q: AssistantQuery & { q: string; limit: number },
): Promise<{ scope: Scope; entries: KbEntry[]; similar: SimilarHit[] }> {
  const scope = await scopeOf(desk, agent, q);
  return {
    scope,
    entries: searchEntries(desk.config, q.q, scope, q.limit),
    similar: await pairIndexOf(desk).search(desk.kv, q.q, { ...scope, limit: q.limit }),
  };
}

export async function shortcutEntry(
  desk: Desk,
  agent: AgentState,
  keyword: string,
  q: AssistantQuery,
): Promise<KbEntry> {
  const scope = await scopeOf(desk, agent, q);
  const e = entryForShortcut(desk.config, keyword, scope);
  if (!e) throw new NotFound(`No reply-assistant entry has the shortcut "${keyword}".`, "unknown_shortcut");
  return e;
}
