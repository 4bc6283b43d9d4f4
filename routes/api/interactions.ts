/** Actions on interactions (API.md "Agents"). Thin: parse → call the desk → respond. */
import { z } from "zod";
import { describe } from "../../lib/server/openapi.ts";
import {
  INTERACTION_ACTIONS,
  interactionActionBody,
  type InteractionActionInput,
  type InteractionActionName,
  interactionSchema,
  messageSchema,
  replySchema,
  threadSchema,
} from "../../lib/shared/wire/api.ts";
import { interactionView } from "../../actors/interaction.ts";
import { messageView } from "../../actors/thread.ts";
import { interactionActionOps, reply } from "../../desk/actions.ts";
import type { Desk } from "../../desk/desk.ts";
import { interactionDetail } from "../../desk/queries.ts";
import { type App, requireAgent } from "../auth.ts";
import { jsonBody } from "../http.ts";

const one = z.object({ interaction: interactionSchema });
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
for (const [name, a] of Object.entries(INTERACTION_ACTIONS)) {
  describe({
    method: "post",
    path: `/api/v1/interactions/:id/${name}`,
    summary: a.summary,
    tag: "interactions",
    auth: "bearer",
    body: "body" in a ? a.body : undefined,
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
  api.post("/api/v1/interactions/:id/reply", auth, async (c) => {
    const body = await jsonBody(c, replySchema);
    return c.json({ message: messageView(await reply(desk, c.get("agent"), id(c), body)) }, 201);
  });
  // One handler per declared action: parse its body, run its desk operation, answer the interaction.
  const register = <K extends InteractionActionName>(name: K) =>
    api.post(`/api/v1/interactions/:id/${name}`, auth, async (c) => {
      const input = await jsonBody(c, interactionActionBody(name)) as InteractionActionInput<K>;
      const run = interactionActionOps[name];
      return c.json({ interaction: interactionView(await run(desk, c.get("agent"), id(c), input)) });
    });
  for (const name of Object.keys(INTERACTION_ACTIONS) as InteractionActionName[]) register(name);
}
