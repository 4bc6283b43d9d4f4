/**
 * Supervisors (API.md "Supervisors", SPEC M2): the overview, open interactions, setting an
 * agent's presence, and the overview stream. Thin: parse → call the desk → respond.
 */
import { z } from "zod";
import { describe } from "../../lib/server/openapi.ts";
import { Waiter } from "../../lib/server/wake_ups.ts";
import { folderQuerySchema, interactionSchema, presenceSchema } from "../../lib/shared/wire/api.ts";
import { agentView } from "../../actors/agent.ts";
import type { Desk } from "../../desk/desk.ts";
import {
  type BuiltOverview,
  builtOverview,
  deltaJson,
  supervisionHeads,
  watchSupervision,
} from "../../desk/supervisor_overview.ts";
import { candidatesFor, openInteractions } from "../../desk/supervisor_list.ts";
import { agentAudit, setAgentPresence } from "../../desk/supervisor_presence.ts";
import { scopeOf } from "../../desk/supervisor_scope.ts";
import { type App, requireAgent } from "../auth.ts";
import { agentAuditEntrySchema, candidateSchema, overviewSchema } from "../../lib/shared/wire/supervision.ts";
import { agentViewSchema } from "../../lib/shared/wire/agent.ts";
import { jsonBody, query } from "../http.ts";
import { KEEPALIVE_MS, serveEvents, type SseMessage } from "../sse.ts";

const id = z.string().min(1).max(200);
export const openQuerySchema = folderQuerySchema.extend({
  state: z.enum(["queued", "offered", "active", "deferred", "closing"]).optional(),
  sourceId: id.optional(),
  agentId: id.optional(),
  teamId: id.optional(),
  category: id.optional(),
  language: z.string().min(1).max(16).optional(),
});
describe({
  method: "get",
  path: "/api/v1/supervisor/overview",
  summary: "Queues per source (extensions: deferred, closing, serviceLevelTarget, availableAgents, today's " +
    "figures), channel groups (extension `groups`), agents in scope (extensions: handledToday, " +
    "handleAvgSeconds, presenceBy, today's figures) and trends (extension: waiting and available agents " +
    "per minute over the last hour, service level per hour today). Service level = answered within the " +
    "group's target ÷ (answered + abandoned), today (UTC). Supervisors see their teams; admins all",
  tag: "supervisors",
  auth: "bearer",
  responses: { 200: { description: "The overview", schema: overviewSchema } },
});
describe({
  method: "get",
  path: "/api/v1/supervisor/interactions",
  summary: "Open interactions in scope, from indexes: queued first in routing order (priority, then age), " +
    "then offered, active, deferred, closing. Filters combine; a page may come back short with a cursor " +
    "when filters skip many entries",
  tag: "supervisors",
  auth: "bearer",
  query: openQuerySchema,
  responses: {
    200: {
      description: "A page",
      schema: z.object({ items: z.array(interactionSchema), cursor: z.string().nullable() }),
    },
  },
});
describe({
  method: "get",
  path: "/api/v1/supervisor/interactions/:id/candidates",
  summary:
    "Extension: agents in scope for a force-assign picker, eligible first (`ineligible` null), the others " +
    "with the reason routing would skip them",
  tag: "supervisors",
  auth: "bearer",
  responses: {
    200: {
      description: "The agents",
      schema: z.object({ items: z.array(candidateSchema) }),
    },
  },
});
describe({
  method: "put",
  path: "/api/v1/agents/:agentId/presence",
  summary:
    "Set another agent's presence (supervise; agents in scope): audited, and the agent's stream gets " +
    "presence.changed with `by`; the agent's `presenceBy` says who set it",
  tag: "supervisors",
  auth: "bearer",
  body: presenceSchema,
  responses: {
    200: { description: "The agent", schema: agentViewSchema },
  },
});
describe({
  method: "get",
  path: "/api/v1/agents/:agentId/audit",
  summary: "Extension: actions on an agent (presence set by a supervisor), oldest first",
  tag: "supervisors",
  auth: "bearer",
  responses: {
    200: { description: "The entries", schema: z.object({ items: z.array(agentAuditEntrySchema) }) },
  },
});
const eventsQuerySchema = z.object({
  /** `0` (or `false`): a whole `overview` on every change instead of `overview.delta` events. */
  deltas: z.enum(["0", "1", "false", "true"]).optional(),
  lastEventId: z.string().max(200).optional(),
});

describe({
  method: "get",
  path: "/api/v1/supervisor/events",
  summary: "Server-sent events. `overview` (data as the overview) at once — on every connection, so a " +
    "resumed stream (Last-Event-ID header or ?lastEventId=) starts from a whole overview too —, then " +
    "`overview.delta` within 1 s of any change (coalesced: at most one every 250 ms): `{at, queues, " +
    "groups, trends}` whole, `agents` holding only the rows that changed, and `removedAgents` (ids " +
    "gone from the scope). A client applies a delta to the overview it holds: replace those four " +
    "members, replace or add each agent row by `id`, drop the removed ones, keep the rest in order. " +
    "Each event's id is `<queues head>.<agents head>`; a delta also carries `base`, the id of the " +
    "event it follows: a client whose last id differs reconnects to get a whole overview. A delta " +
    "also comes each minute when something shown moved without a change (trends slide; a new day). " +
    "Extension `?deltas=0`: a whole `overview` instead of each delta (simple clients; ~650 KB each at " +
    "2,000 agents)",
  tag: "supervisors",
  auth: "bearer",
  query: eventsQuerySchema,
  responses: {
    200: { description: "text/event-stream", contentType: "text/event-stream", schema: z.string() },
  },
});

/** Shortest spacing of two overview events on one stream (coalescing). */
export const STREAM_SPACING_MS = 250;

export function supervisorRoutes(api: App, desk: Desk, keepAliveMs = KEEPALIVE_MS): void {
  const auth = requireAgent(desk);
  api.get("/api/v1/supervisor/overview", auth, async (c) => {
    const { body } = await builtOverview(desk, scopeOf(desk.ctx, c.get("agent")));
    return c.body(body as Uint8Array<ArrayBuffer>, 200, {
      "content-type": "application/json; charset=utf-8",
    });
  });
  api.get("/api/v1/supervisor/interactions", auth, async (c) => {
    const scope = scopeOf(desk.ctx, c.get("agent"));
    const { limit, cursor, ...filter } = query(c, openQuerySchema, { emptyIsAbsent: true });
    return c.json(await openInteractions(desk, scope, filter, limit, cursor));
  });
  api.get("/api/v1/supervisor/interactions/:id/candidates", auth, async (c) => {
    const scope = scopeOf(desk.ctx, c.get("agent"));
    return c.json({ items: await candidatesFor(desk, scope, c.req.param("id")) });
  });
  api.put("/api/v1/agents/:agentId/presence", auth, async (c) => {
    const supervisor = c.get("agent");
    scopeOf(desk.ctx, supervisor);
    const { presence } = await jsonBody(c, presenceSchema);
    return c.json(agentView(await setAgentPresence(desk, supervisor, c.req.param("agentId"), presence)));
  });
  api.get("/api/v1/agents/:agentId/audit", auth, async (c) => {
    return c.json({ items: await agentAudit(desk, c.get("agent"), c.req.param("agentId")) });
  });
  api.get("/api/v1/supervisor/events", auth, (c) => {
    const scope = scopeOf(desk.ctx, c.get("agent"));
    const { deltas } = query(c, eventsQuerySchema, { emptyIsAbsent: true });
    return serveEvents(c, desk.streams, {
      name: "supervisor",
      owner: `supervisor:session:${c.get("token")}`,
      keepAliveMs,
      messages: (signal) => overviewEvents(desk, scope, signal, deltas !== "0" && deltas !== "false"),
    });
  });
}

/**
 * Overview events: a whole `overview` at once, then an `overview.delta` on every change of the
 * supervision heads (coalesced) and each minute, diffed against what this stream sent last.
 */
async function* overviewEvents(
  desk: Desk,
  scope: ReturnType<typeof scopeOf>,
  signal: AbortSignal,
  deltas: boolean,
): AsyncGenerator<SseMessage> {
  const watcher = watchSupervision(desk).getReader();
  // Waits `ms`, or less when the stream ends (no timer or listener left behind).
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener("abort", done);
    });
  let closed = false;
  let sent: { head: string; built: BuiltOverview } | null = null;
  let sentAt = 0;
  // One read of the watch in flight at a time, ending a one-shot wait: racing the same pending
  // read against a new pause every 250 ms would add a reaction to it each time, kept for as long
  // as nothing changes (hours on a quiet desk).
  const waiter = new Waiter();
  let reading = false;
  let woken = false;
  const readWatch = () => {
    reading = true;
    watcher.read().then(
      (r) => {
        reading = false;
        woken = true;
        if (r.done) closed = true;
        waiter.notify();
      },
      () => {
        reading = false;
        closed = true;
        waiter.notify();
      },
    );
  };
  const onAbort = () => waiter.notify();
  signal.addEventListener("abort", onAbort, { once: true });
  const decoder = new TextDecoder();
  try {
    while (!closed && !signal.aborted) {
      const heads = await supervisionHeads(desk);
      const head = `${heads.queues}.${heads.agents}`;
      // Trends slide and a new day starts at zero even when nothing moves: a look each minute.
      if (!sent || head !== sent.head || Date.now() - sentAt > 60_000) {
        const built = await builtOverview(desk, scope);
        if (signal.aborted) break;
        if (!sent || !deltas) {
          if (!sent || sent.built !== built) {
            yield { id: head, event: "overview", data: decoder.decode(built.body) };
          }
        } else {
          const delta = deltaJson(sent.built, built);
          if (delta !== null) {
            yield {
              id: head,
              event: "overview.delta",
              data: `{"base":${JSON.stringify(sent.head)},${delta.slice(1)}`,
            };
          }
        }
        sent = { head, built };
        sentAt = Date.now();
      }
      // Wake on the head's watch (this process, or a remote KV) or poll (other processes on one file).
      if (!reading) readWatch();
      const poll = setTimeout(() => waiter.notify(), STREAM_SPACING_MS);
      await waiter.wait(() => woken || closed || signal.aborted);
      clearTimeout(poll);
      woken = false;
      await pause(Math.max(0, sentAt + STREAM_SPACING_MS - Date.now()));
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
    watcher.cancel().catch(() => {});
  }
}
