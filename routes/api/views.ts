/** Extension reads for the routing view: older messages of a thread, the agent directory. */
import { z } from "zod";
import { describe } from "../../lib/server/openapi.ts";
import { messageSchema } from "../../lib/shared/wire/api.ts";
import type { Desk } from "../../desk/desk.ts";
import { agentDirectory, olderMessages } from "../../desk/views.ts";
import { type App, requireAgent } from "../auth.ts";
import { query } from "../http.ts";

const olderQuery = z.object({
  before: z.string().min(1).max(100),
  limit: z.coerce.number().int().min(1).max(200).default(100),
});
const directoryAgent = z.object({
  id: z.string(),
  name: z.string(),
  presence: z.enum(["available", "away", "offline"]),
  teams: z.array(z.string()),
  languages: z.array(z.string()),
});

describe({
  method: "get",
  path: "/api/v1/threads/:id/messages",
  summary:
    "Extension: messages older than `before` (a message id), oldest first; `cursor` is the next `before` or null",
  tag: "threads",
  auth: "bearer",
  query: olderQuery,
  responses: {
    200: {
      description: "A page",
      schema: z.object({ items: z.array(messageSchema), cursor: z.string().nullable() }),
    },
  },
});
describe({
  method: "get",
  path: "/api/v1/directory/agents",
  summary: "Extension: every agent with presence, teams and languages (transfer picker)",
  tag: "agents",
  auth: "bearer",
  responses: { 200: { description: "The agents", schema: z.object({ agents: z.array(directoryAgent) }) } },
});

export function viewRoutes(api: App, desk: Desk): void {
  const auth = requireAgent(desk);
  api.get("/api/v1/threads/:id/messages", auth, async (c) => {
    const { before, limit } = query(c, olderQuery);
    return c.json(await olderMessages(desk, c.get("agent"), c.req.param("id"), before, limit));
  });
  api.get("/api/v1/directory/agents", auth, async (c) => c.json({ agents: await agentDirectory(desk) }));
}
