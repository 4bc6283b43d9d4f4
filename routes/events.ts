/**
 * The agent event stream (API.md): server-sent events from the agent's feed, in commit order,
 * from any process. A client reconnecting with `Last-Event-ID` gets everything after it.
 */
import { z } from "zod";
import { describe } from "../lib/server/openapi.ts";
import { SERVER_STOPPING, STREAM_REPLACED, STREAMS_PER_OWNER } from "../lib/server/streams.ts";
import type { Desk } from "../desk/desk.ts";
import { sessionOf } from "../desk/sessions.ts";
import { agentEvents, SESSION_ENDED } from "../desk/live.ts";
import { FeedReader } from "../desk/feed.ts";
import { type App, requireAgent } from "./auth.ts";
import { KEEPALIVE_MS, serveEvents } from "./sse.ts";

export { KEEPALIVE_MS };

describe({
  method: "get",
  path: "/api/v1/me/events",
  summary:
    "Server-sent events: interaction.offered, interaction.withdrawn, interaction.updated, message.created, " +
    "interaction.idle, conversation.closed; extensions: cobrowse.updated (a co-browsing session changed), " +
    "message.updated (a message was anonymised), expert.answered (an expert's answer arrived as a private " +
    `note). Every event's data has interactionId. Event ids are opaque strings ("<versionstamp>.<index>.` +
    '<commit id>", ordered by commit): send the last one back as Last-Event-ID (header, or ?lastEventId=) ' +
    `to resume without loss; a comment line every ${KEEPALIVE_MS / 1000} s keeps the stream open. Events ` +
    `without an id end the stream: ${SESSION_ENDED} (every session of the agent was revoked; data ` +
    `{interactionId: null, reason}), ${STREAM_REPLACED} (more than ${STREAMS_PER_OWNER} streams were ` +
    `opened with one session: the oldest is closed; data {reason, limit}), ${SERVER_STOPPING} (this ` +
    "server is stopping: reconnect with Last-Event-ID, to another instance if needed). Extension: " +
    "message.created carries the message as stored; when its contextData or structured was too big for " +
    "one KV value it is null there and the message has partial: true (GET /api/v1/interactions/{id} " +
    "answers it whole).",
  tag: "agents",
  auth: "bearer",
  responses: {
    200: { description: "text/event-stream", contentType: "text/event-stream", schema: z.string() },
  },
});

export function eventRoutes(api: App, desk: Desk, keepAliveMs = KEEPALIVE_MS): void {
  api.get("/api/v1/me/events", requireAgent(desk), (c) => {
    const agentId = c.get("agent").id;
    const token = c.get("token");
    const resumeFrom = c.req.header("last-event-id") ?? c.req.query("lastEventId") ?? null;
    return serveEvents(c, desk.streams, {
      name: "agent event",
      owner: `session:${token}`,
      keepAliveMs,
      messages: async (signal) => {
        // The position is taken before the stream says it is connected.
        const reader = await FeedReader.open(desk.kv, agentId, resumeFrom);
        const stillSignedIn = async () => !!(await sessionOf(desk, token));
        return (async function* () {
          for await (const item of agentEvents(desk, reader, signal, stillSignedIn)) {
            yield { id: item.id, event: item.event, data: JSON.stringify(item.data) };
          }
        })();
      },
    });
  });
}
