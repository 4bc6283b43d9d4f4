/** The signed-in agent: profile, presence, folders (API.md "Agents"). */
import { z } from "zod";
import { NotFound } from "../../lib/shared/errors.ts";
import { describe } from "../../lib/server/openapi.ts";
import { folderQuerySchema, interactionSchema, presenceSchema } from "../../lib/shared/wire/api.ts";
import { FOLDER_NAMES, type FolderName, folderNameSchema } from "../../lib/shared/wire/views.ts";
import { agentViewSchema } from "../../lib/shared/wire/agent.ts";
import { agentView } from "../../actors/agent.ts";
import { setPresence, setUiLanguage } from "../../desk/agents.ts";
import type { Desk } from "../../desk/desk.ts";
import { folder, folderCounts } from "../../desk/queries.ts";
import { type App, requireAgent } from "../auth.ts";
import { jsonBody, query } from "../http.ts";

const agentSchema = agentViewSchema;
const meAnswerSchema = agentViewSchema.extend({ folders: z.record(folderNameSchema, z.number()) });
const uiLanguageSchema = z.strictObject({ language: z.enum(["en", "fr"]) });

describe({
  method: "get",
  path: "/api/v1/me",
  summary: "The signed-in agent, with presence, load and folder counts",
  tag: "agents",
  auth: "bearer",
  responses: { 200: { description: "The agent, with its folder counts", schema: meAnswerSchema } },
});
describe({
  method: "put",
  path: "/api/v1/me/presence",
  summary: "Set presence; becoming available dispatches waiting work",
  tag: "agents",
  auth: "bearer",
  body: presenceSchema,
  responses: { 200: { description: "The agent", schema: agentSchema } },
});
describe({
  method: "put",
  path: "/api/v1/me/language",
  summary: "Extension: remember the agent's interface language",
  tag: "agents",
  auth: "bearer",
  body: uiLanguageSchema,
  responses: { 200: { description: "The agent", schema: agentSchema } },
});
describe({
  method: "get",
  path: "/api/v1/me/folders/:folder",
  summary: "A folder (in_progress, deferred, history), newest page first, with cursor paging: `cursor` is " +
    "opaque, valid only for the listing that returned it (anything else is a 400 on `cursor`); an empty " +
    "`limit=` or `cursor=` reads as absent",
  tag: "agents",
  auth: "bearer",
  query: folderQuerySchema,
  responses: {
    200: {
      description: "A page",
      schema: z.object({ items: z.array(interactionSchema), cursor: z.string().nullable() }),
    },
  },
});

export function meRoutes(api: App, desk: Desk): void {
  const auth = requireAgent(desk);
  api.get("/api/v1/me", auth, async (c) => {
    const agent = c.get("agent");
    return c.json({ ...agentView(agent), folders: await folderCounts(desk, agent.id) });
  });
  api.put("/api/v1/me/presence", auth, async (c) => {
    const { presence } = await jsonBody(c, presenceSchema);
    return c.json(agentView(await setPresence(desk, c.get("agent").id, presence)));
  });
  api.put("/api/v1/me/language", auth, async (c) => {
    const { language } = await jsonBody(c, uiLanguageSchema);
    return c.json(agentView(await setUiLanguage(desk, c.get("agent").id, language)));
  });
  api.get("/api/v1/me/folders/:folder", auth, async (c) => {
    const name = c.req.param("folder") as FolderName;
    if (!(FOLDER_NAMES as readonly string[]).includes(name)) {
      throw new NotFound(`Unknown folder "${name}".`, "unknown_folder");
    }
    const { limit, cursor } = query(c, folderQuerySchema, { emptyIsAbsent: true });
    return c.json(await folder(desk, c.get("agent"), name, limit, cursor));
  });
}
