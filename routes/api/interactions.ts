/** Actions on interactions (API.md "Agents"). Thin: parse → call the desk → respond. */
import { z } from "zod";
import { describe } from "../../lib/server/openapi.ts";
import {
  completeSchema,
  deferSchema,
  interactionSchema,
  messageSchema,
  replySchema,
  threadSchema,
  transferSchema,
} from "../../lib/shared/wire/api.ts";
import { interactionView } from "../../actors/interaction.ts";
import { messageView } from "../../actors/thread.ts";
import { accept, complete, defer, reply, resume, transfer } from "../../desk/actions.ts";
import type { Desk } from "../../desk/desk.ts";
import { interactionDetail } from "../../desk/queries.ts";
import { type App, requireAgent } from "../auth.ts";
import { jsonBody } from "../http.ts";

const one = z.object({ interaction: interactionSchema });
const actions: { name: string; summary: string; body?: z.ZodType }[] = [
  { name: "accept", summary: "Accept an offer: offered → active (messages become assigned)" },
  {
    name: "defer",
    summary: "Defer until a future time: active → deferred (frees capacity)",
    body: deferSchema,
  },
  { name: "resume", summary: "Resume: deferred or completed → active for the acting agent" },
  {
    name: "transfer",
    summary:
      "Transfer to an agent, a team, categories or a language (force: supervisors, straight to the agent)",
    body: transferSchema,
  },
  {
    name: "complete",
    summary:
      "Complete: active → completed, or closing under smart closure (disposition when the source requires one)",
    body: completeSchema,
  },
];
describe({
  method: "get",
  path: "/api/v1/interactions/:id",
  summary: "An interaction with its thread and latest messages (oldest first)",
  tag: "interactions",
  auth: "bearer",
  responses: {
    200: {
      description: "Detail",
      schema: z.object({
        interaction: interactionSchema,
        thread: threadSchema,
        messages: z.array(messageSchema),
      }),
    },
  },
});
describe({
  method: "post",
  path: "/api/v1/interactions/:id/reply",
  summary:
    "Reply to the customer (refused with 409 on a locked thread); delivered through the source's connector",
  tag: "interactions",
  auth: "bearer",
  body: replySchema,
  responses: { 201: { description: "The message", schema: z.object({ message: messageSchema }) } },
});
for (const a of actions) {
  describe({
    method: "post",
    path: `/api/v1/interactions/:id/${a.name}`,
    summary: a.summary,
    tag: "interactions",
    auth: "bearer",
    body: a.body,
    responses: { 200: { description: "The interaction", schema: one } },
  });
}

export function interactionRoutes(api: App, desk: Desk): void {
  const auth = requireAgent(desk);
  const id = (c: { req: { param(n: string): string | undefined } }) => c.req.param("id")!;
  api.get(
    "/api/v1/interactions/:id",
    auth,
    async (c) => c.json(await interactionDetail(desk, c.get("agent"), id(c))),
  );
  api.post("/api/v1/interactions/:id/accept", auth, async (c) => {
    await jsonBody(c, z.object({}));
    return c.json({ interaction: interactionView(await accept(desk, c.get("agent"), id(c))) });
  });
  api.post("/api/v1/interactions/:id/reply", auth, async (c) => {
    const body = await jsonBody(c, replySchema);
    return c.json({ message: messageView(await reply(desk, c.get("agent"), id(c), body)) }, 201);
  });
  api.post("/api/v1/interactions/:id/defer", auth, async (c) => {
    const { until } = await jsonBody(c, deferSchema);
    return c.json({ interaction: interactionView(await defer(desk, c.get("agent"), id(c), until)) });
  });
  api.post("/api/v1/interactions/:id/resume", auth, async (c) => {
    await jsonBody(c, z.object({}));
    return c.json({ interaction: interactionView(await resume(desk, c.get("agent"), id(c))) });
  });
  api.post("/api/v1/interactions/:id/transfer", auth, async (c) => {
    const body = await jsonBody(c, transferSchema);
    return c.json({ interaction: interactionView(await transfer(desk, c.get("agent"), id(c), body)) });
  });
  api.post("/api/v1/interactions/:id/complete", auth, async (c) => {
    const body = await jsonBody(c, completeSchema);
    return c.json({ interaction: interactionView(await complete(desk, c.get("agent"), id(c), body)) });
  });
}
