/** Thread controls and the audit log (API.md "Agents"). */
import { z } from "zod";
import { describe } from "../../lib/server/openapi.ts";
import {
  auditItemSchema,
  auditQuerySchema,
  categorizeSchema,
  interactionSchema,
  languageSchema,
  lockSchema,
  threadSchema,
} from "../../lib/shared/wire/api.ts";
import { type ThreadState, threadView } from "../../actors/thread.ts";
import type { AgentState } from "../../actors/agent.ts";
import type { Desk } from "../../desk/desk.ts";
import { auditLog, threadInteraction } from "../../desk/queries.ts";
import { categorize, changeLanguage, type ThreadControl, threadControl } from "../../desk/threads.ts";
import { type App, requireAgent } from "../auth.ts";
import { jsonBody, query } from "../http.ts";

const CONTROLS: ThreadControl[] = ["ignore", "unignore", "mute", "unmute", "lock", "unlock"];
/**
 * Thread actions answer with the thread and, as API.md's "Actions answer `{"interaction": …}`"
 * asks, the thread's open (else last) interaction the agent may see, or null.
 */
const threadResponse = z.object({ thread: threadSchema, interaction: interactionSchema.nullable() });

describe({
  method: "post",
  path: "/api/v1/threads/:id/categorize",
  summary:
    "Set the thread's categories, validated against the configuration (re-routes a queued interaction; permission categorize)",
  tag: "threads",
  auth: "bearer",
  body: categorizeSchema,
  responses: { 200: { description: "The thread", schema: threadResponse } },
});
describe({
  method: "post",
  path: "/api/v1/threads/:id/language",
  summary:
    "Set the thread's language, one of the configured languages (re-routes a queued interaction; permission change_language)",
  tag: "threads",
  auth: "bearer",
  body: languageSchema,
  responses: { 200: { description: "The thread", schema: threadResponse } },
});
const CONTROL_SUMMARIES: Record<ThreadControl, string> = {
  ignore:
    "Ignore the thread: future customer messages are stored as ignored and open no interaction (permission ignore)",
  unignore: "Extension: stop ignoring the thread (permission ignore)",
  mute:
    "Mute the thread for the acting agent: its message.created events carry muted: true (permission mute)",
  unmute: "Unmute the thread for the acting agent (permission mute)",
  lock: "Lock the thread (A13): it closes — the open interaction is completed at once (no smart-closure " +
    "question; permissions lock and complete; optional body `{disposition}`, required when the source requires " +
    "one: else 400 `disposition_required`; an interaction not active answers 409 `lock_needs_active`) — and " +
    "replies are refused with 409 for every agent until unlocked",
  unlock: "Unlock the thread (permission lock); it reopens nothing",
};
for (const control of CONTROLS) {
  describe({
    method: "post",
    path: `/api/v1/threads/:id/${control}`,
    summary: CONTROL_SUMMARIES[control],
    tag: "threads",
    auth: "bearer",
    ...(control === "lock" ? { body: lockSchema } : {}),
    responses: { 200: { description: "The thread", schema: threadResponse } },
  });
}
describe({
  method: "get",
  path: "/api/v1/threads/:id/audit",
  summary:
    "Every message and activity of the thread across its interactions, oldest first, paged, each with a " +
    "readable summary in `lang` (en or fr) (permission audit)",
  tag: "threads",
  auth: "bearer",
  query: auditQuerySchema,
  responses: {
    200: {
      description: "A page",
      schema: z.object({ items: z.array(auditItemSchema), cursor: z.string().nullable() }),
    },
  },
});

/** The body of every thread action's answer. */
async function answer(desk: Desk, agent: AgentState, thread: ThreadState) {
  return { thread: threadView(thread), interaction: await threadInteraction(desk, agent, thread) };
}

export function threadRoutes(api: App, desk: Desk): void {
  const auth = requireAgent(desk);
  api.get("/api/v1/threads/:id/audit", auth, async (c) => {
    const { limit, cursor, lang } = query(c, auditQuerySchema, { emptyIsAbsent: true });
    return c.json(await auditLog(desk, c.get("agent"), c.req.param("id"), limit, cursor, lang));
  });
  api.post("/api/v1/threads/:id/categorize", auth, async (c) => {
    const { categories } = await jsonBody(c, categorizeSchema);
    const agent = c.get("agent");
    return c.json(await answer(desk, agent, await categorize(desk, agent, c.req.param("id"), categories)));
  });
  api.post("/api/v1/threads/:id/language", auth, async (c) => {
    const { language } = await jsonBody(c, languageSchema);
    const agent = c.get("agent");
    return c.json(await answer(desk, agent, await changeLanguage(desk, agent, c.req.param("id"), language)));
  });
  // One route per control (not `/:control`), so the served routes match the OpenAPI paths exactly.
  for (const control of CONTROLS) {
    api.post(`/api/v1/threads/:id/${control}`, auth, async (c) => {
      const { disposition } = control === "lock"
        ? await jsonBody(c, lockSchema)
        : await jsonBody(c, z.object({}));
      const agent = c.get("agent");
      const thread = await threadControl(desk, agent, c.req.param("id"), control, { disposition });
      return c.json(await answer(desk, agent, thread));
    });
  }
}
