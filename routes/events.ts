/**
 * The agent event stream (API.md): server-sent events from the agent's feed. Each event's id is
 * its feed sequence number; a client reconnecting with `Last-Event-ID` gets everything after it.
 */
import { streamSSE } from "hono/streaming";
import { z } from "zod";
import { describe } from "../lib/openapi.ts";
import type { Desk } from "../desk/desk.ts";
import { feedAfter, feedHead, watchFeed } from "../desk/feed.ts";
import { type App, requireAgent } from "./auth.ts";

export const KEEPALIVE_MS = 20_000;

describe({
  method: "get",
  path: "/api/v1/me/events",
  summary:
    "Server-sent events: interaction.offered, interaction.withdrawn, interaction.updated, message.created, " +
    "interaction.idle, conversation.closed; extensions: cobrowse.updated (a co-browsing session changed), " +
    "message.updated (a message was anonymised), expert.answered (an expert's answer arrived as a private " +
    "note). Every event's data has interactionId. Send Last-Event-ID (header, or ?lastEventId=) to resume; " +
    `a comment line every ${KEEPALIVE_MS / 1000} s keeps the stream open.`,
  tag: "agents",
  auth: "bearer",
  responses: {
    200: { description: "text/event-stream", contentType: "text/event-stream", schema: z.string() },
  },
});

export function eventRoutes(api: App, desk: Desk, keepAliveMs = KEEPALIVE_MS): void {
  api.get("/api/v1/me/events", requireAgent(desk), (c) => {
    const agentId = c.get("agent").id;
    const resumeFrom = c.req.header("last-event-id") ?? c.req.query("lastEventId");
    c.header("x-accel-buffering", "no");
    return streamSSE(c, async (stream) => {
      let last = resumeFrom !== undefined && /^\d+$/.test(resumeFrom)
        ? Number(resumeFrom)
        : await feedHead(desk, agentId);
      const watcher = watchFeed(desk, agentId).getReader();
      let closed = false;
      stream.onAbort(() => {
        closed = true;
        watcher.cancel().catch(() => {});
      });
      const keepAlive = setInterval(() => {
        if (!closed) stream.write(": keep-alive\n\n").catch(() => {});
      }, keepAliveMs);
      try {
        await stream.write(": connected\n\n");
        while (!closed) {
          const { done } = await watcher.read();
          if (done || closed) break;
          for (;;) {
            const items = await feedAfter(desk, agentId, last);
            for (const item of items) {
              await stream.writeSSE({
                id: String(item.seq),
                event: item.event,
                data: JSON.stringify(item.data),
              });
              last = item.seq;
            }
            if (items.length < 500) break;
          }
        }
      } finally {
        clearInterval(keepAlive);
        closed = true;
        watcher.cancel().catch(() => {});
      }
    }, (err) => {
      console.error("event stream failed:", err);
      return Promise.resolve();
    });
  });
}
