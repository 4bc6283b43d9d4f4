/** Anonymise a message (permission anonymize; supervisors and admins by default). */
import { z } from "zod";
import { describe } from "../../lib/server/openapi.ts";
import { messageSchema } from "../../lib/shared/wire/api.ts";
import { messageView } from "../../actors/thread.ts";
import type { Desk } from "../../desk/desk.ts";
import { anonymizeMessage } from "../../desk/anonymize.ts";
import { type App, requireAgent } from "../auth.ts";
import { jsonBody } from "../http.ts";

describe({
  method: "post",
  path: "/api/v1/threads/:id/messages/:messageId/anonymize",
  summary:
    'Extension: anonymise a message: its body becomes "[anonymized]" and its files, structured content and ' +
    "context data are removed, everywhere it is kept (thread, print, web chat, similar-questions index, pending " +
    "deliveries and expert histories, live feeds, audit excerpts, KV exports). Writes an audit entry " +
    "message.anonymized; repeating it changes nothing (permission anonymize)",
  tag: "threads",
  auth: "bearer",
  responses: { 200: { description: "The anonymised message", schema: z.object({ message: messageSchema }) } },
});

export function anonymizeRoutes(api: App, desk: Desk): void {
  api.post("/api/v1/threads/:id/messages/:messageId/anonymize", requireAgent(desk), async (c) => {
    await jsonBody(c, z.object({}));
    const m = await anonymizeMessage(desk, c.get("agent"), c.req.param("id"), c.req.param("messageId"));
    return c.json({ message: messageView(m) });
  });
}
