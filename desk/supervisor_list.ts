/**
 * Open interactions for supervisors (API.md `GET /api/v1/supervisor/interactions`), read from
 * the open-interaction indexes: by source, or by state — queued ones first, in routing order
 * (priority, then age) — or an agent's own folders (In progress, then Deferred: every open
 * interaction with an agent is in one of them, as a record). Filters the listing cannot answer
 * are applied while paging, with a bound on how many entries one page may pass over.
 */
import { Invalid, NotFound } from "../lib/shared/errors.ts";
import { ineligibility, type RoutingRequest } from "../lib/shared/routing.ts";
import type { AgentState } from "../actors/agent.ts";
import { keys } from "../lib/server/keys.ts";
import { folderOfState } from "../lib/shared/folders.ts";
import { openCursor, sealCursor } from "../lib/server/cursor.ts";
import {
  type IndexRecord,
  type InteractionState,
  type InteractionStatus,
  type InteractionView,
  interactionView,
  OPEN_STATES,
} from "../actors/interaction.ts";
import { getManyInChunks } from "../lib/server/get_many.ts";
import type { Desk } from "./desk.ts";
import { appSecret } from "./secrets.ts";
import { type Scope, seesAgent, seesInteraction } from "./supervisor_scope.ts";

export type OpenFilter = {
  state?: InteractionStatus;
  sourceId?: string;
  agentId?: string;
  teamId?: string;
  category?: string;
  language?: string;
};

/** Most index entries one page reads while filtering (a page may come back short, with a cursor). */
const MAX_SCANNED = 5_000;

const badCursor = () =>
  new Invalid("Invalid cursor.", [{ path: "cursor", message: "not a cursor from a previous page" }]);

/** The folders that hold an agent's open interactions (queued ones have no agent). */
const AGENT_FOLDERS = ["in_progress", "deferred"] as const;

/** The index listings that answer `f`, in the order their entries are returned. */
function listingsOf(f: OpenFilter): Deno.KvKey[] {
  const states = f.state ? [f.state] : OPEN_STATES.filter((s) => s !== "completed");
  if (f.agentId) {
    const agentId = f.agentId;
    return AGENT_FOLDERS.filter((folder) => states.some((s) => folderOfState(s) === folder))
      .map((folder) => keys.folder(agentId, folder));
  }
  if (f.sourceId) return states.map((s) => keys.openBySourcePrefix(f.sourceId!, s));
  return states.map((s) => keys.openByStatePrefix(s));
}

const b64 = (s: string) => btoa(String.fromCharCode(...new TextEncoder().encode(s)));
const unb64 = (s: string) => new TextDecoder().decode(Uint8Array.from(atob(s), (c) => c.charCodeAt(0)));

/** One page of the open interactions `scope` sees that match `f`. */
export async function openInteractions(
  desk: Desk,
  scope: Scope,
  f: OpenFilter,
  limit: number,
  cursor: string | undefined,
): Promise<{ items: InteractionView[]; cursor: string | null }> {
  if (f.state === "completed") return { items: [], cursor: null };
  const listings = listingsOf(f);
  const scopeName = JSON.stringify(["supervisor_open", f]);
  let at = { listing: 0, after: null as Deno.KvKey | null };
  if (cursor !== undefined) {
    if (!(await desk.kv.get(keys.appSecret("links"))).value) throw badCursor();
    const raw = await openCursor(await appSecret(desk.kv, "links"), scopeName, cursor);
    if (raw === null) throw badCursor();
    try {
      at = JSON.parse(unb64(raw));
    } catch {
      throw badCursor();
    }
    if (!Number.isInteger(at.listing) || at.listing < 0 || at.listing >= listings.length) throw badCursor();
    if (at.after !== null && !Array.isArray(at.after)) throw badCursor();
    // A cursor of an earlier version may point into an index no longer read (the by-agent copies).
    const prefix = listings[at.listing];
    if (at.after !== null && !prefix.every((part, i) => at.after![i] === part)) throw badCursor();
  }
  const teamsOf = (id: string) => desk.ctx.agentConfig(id)?.teams ?? [];
  const team = f.teamId;
  const teamSources = team
    ? new Set(desk.config.sources.filter((s) => s.teams.includes(team)).map((s) => s.id))
    : null;
  const matches = (i: IndexRecord) =>
    (!f.state || i.state === f.state) &&
    (!f.sourceId || i.sourceId === f.sourceId) &&
    (!f.agentId || i.agentId === f.agentId) &&
    (!f.category || i.categories.includes(f.category)) &&
    (!f.language || i.language === f.language) &&
    (!team || teamSources!.has(i.sourceId) || (i.agentId !== null && teamsOf(i.agentId).includes(team))) &&
    seesInteraction(scope, i, teamsOf);
  // Index entries hold records (the fields filtered on; an older version wrote views there), and
  // the page's views are read from the interactions once the page is known.
  const found: IndexRecord[] = [];
  let scanned = 0;
  let last: { listing: number; after: Deno.KvKey } | null = null;
  const page = async (more: boolean) => {
    const items = await viewsOf(desk.kv, found, matches);
    const cursor = more
      ? await sealCursor(await appSecret(desk.kv, "links"), scopeName, b64(JSON.stringify(last)))
      : null;
    return { items, cursor };
  };
  for (let l = at.listing; l < listings.length; l++) {
    const prefix = listings[l];
    const after = l === at.listing ? at.after : null;
    const sel: Deno.KvListSelector = after ? { prefix, start: [...after, ""] as Deno.KvKey } : { prefix };
    // `start` after the last key read: a key extended by the smallest part sorts right after it.
    const iter = desk.kv.list<IndexRecord>(sel, {
      batchSize: Math.min(500, limit + 50),
    });
    for await (const e of iter) {
      scanned++;
      last = { listing: l, after: e.key };
      if (matches(e.value)) found.push(e.value);
      if (found.length >= limit || scanned >= MAX_SCANNED) return await page(true);
    }
  }
  return await page(false);
}

/**
 * The views of a page's entries, read from their interactions, which may have moved since the
 * listing: one that no longer matches, or is gone, is left out (the cursor stays on the last
 * entry listed, so nothing after it is skipped).
 */
async function viewsOf(
  kv: Deno.Kv,
  found: IndexRecord[],
  matches: (i: IndexRecord) => boolean,
): Promise<InteractionView[]> {
  const entries = await getManyInChunks<InteractionState>(kv, found.map((e) => keys.interaction(e.id)));
  const out: InteractionView[] = [];
  for (const { value: s } of entries) {
    if (s && s.state !== "completed" && matches(s)) out.push(interactionView(s));
  }
  return out;
}

export type Candidate = {
  id: string;
  name: string;
  presence: string;
  load: Record<string, number>;
  capacity: Record<string, { capacity: number; maxCapacity: number }>;
  /** Why routing would not pick this agent now (R2), or null when it would. */
  ineligible: string | null;
};

/**
 * The agents `scope` sees for a force-assign picker, eligible ones first (R2, as the dispatcher
 * judges them); the others come with the reason, for an override.
 */
export async function candidatesFor(desk: Desk, scope: Scope, interactionId: string): Promise<Candidate[]> {
  const s = (await desk.kv.get<InteractionState>(keys.interaction(interactionId))).value;
  const teamsOf = (id: string) => desk.ctx.agentConfig(id)?.teams ?? [];
  if (!s || !seesInteraction(scope, s, teamsOf)) {
    throw new NotFound("Unknown interaction.", "unknown_interaction");
  }
  const source = desk.ctx.findSource(s.sourceId);
  const req: RoutingRequest = {
    group: s.group,
    teams: s.target?.teamId ? [s.target.teamId] : source?.teams ?? [],
    categories: s.categories,
    language: s.language,
    targetAgentId: null,
    excludedAgents: [],
    preferredAgentId: null,
  };
  const out: Candidate[] = [];
  for await (const e of desk.kv.list<AgentState>({ prefix: keys.agents() }, { batchSize: 1000 })) {
    const a = e.value;
    if (!desk.ctx.agentConfig(a.id) || !seesAgent(scope, a) || a.id === s.agentId) continue;
    out.push({
      id: a.id,
      name: a.name,
      presence: a.presence,
      load: a.load,
      capacity: a.capacity,
      ineligible: ineligibility(a, req),
    });
  }
  return out.sort((a, b) =>
    Number(a.ineligible !== null) - Number(b.ineligible !== null) || a.name.localeCompare(b.name)
  );
}
