/** The reply assistant (SPEC K1–K4): knowledge-base entries, keyword search, shortcuts. */
import { z } from "zod";
import { describe } from "../../lib/server/openapi.ts";
import type { Desk } from "../../desk/desk.ts";
import { assistantEntries, assistantSearch, shortcutEntry } from "../../desk/assistant/mod.ts";
import { type App, requireAgent } from "../auth.ts";
import { query } from "../http.ts";

const scopeQuery = z.object({
  threadId: z.string().min(1).max(100).optional(),
  language: z.string().min(2).max(16).optional(),
});
const searchQuery = scopeQuery.extend({
  // Not trimmed: a trailing space ends the last word (no prefix search).
  q: z.string().max(200).refine((q) => q.trim() !== "", "must not be empty"),
  limit: z.coerce.number().int().min(1).max(50).default(10),
});
const entrySchema = z.object({
  id: z.string(),
  groupId: z.string(),
  groupName: z.string(),
  title: z.string(),
  body: z.string(),
  shortcut: z.string().nullable(),
  language: z.string().nullable(),
  categories: z.array(z.string()),
});
const scopeSchema = z.object({ language: z.string().nullable(), categories: z.array(z.string()) });
const similarSchema = z.object({
  id: z.string().describe("the answer's message id"),
  threadId: z.string(),
  question: z.string(),
  answer: z.string(),
  language: z.string().nullable(),
  categories: z.array(z.string()),
  at: z.string(),
  score: z.number(),
});

describe({
  method: "get",
  path: "/api/v1/assistant/entries",
  summary:
    "Extension: every knowledge-base entry by reply-assistant group, those fitting the thread's language and " +
    "categories first (permission reply)",
  tag: "assistant",
  auth: "bearer",
  query: scopeQuery,
  responses: {
    200: {
      description: "The groups",
      schema: z.object({
        scope: scopeSchema,
        groups: z.array(z.object({ id: z.string(), name: z.string(), entries: z.array(entrySchema) })),
      }),
    },
  },
});
describe({
  method: "get",
  path: "/api/v1/assistant/search",
  summary:
    "Extension: knowledge-base entries and answers to similar past questions (ranked full-text search with " +
    "French and English stemming; the last word is a prefix unless `q` ends with a space), in the thread's language " +
    "and categories when any match there (permission reply)",
  tag: "assistant",
  auth: "bearer",
  query: searchQuery,
  responses: {
    200: {
      description: "Matches, best first",
      schema: z.object({
        scope: scopeSchema,
        entries: z.array(entrySchema),
        similar: z.array(similarSchema),
      }),
    },
  },
});
describe({
  method: "get",
  path: "/api/v1/assistant/shortcuts/:keyword",
  summary:
    "Extension: the knowledge-base entry a shortcut keyword stands for (typed as `/keyword` in the reply box), " +
    "the one in the thread's language first (permission reply); 404 unknown_shortcut",
  tag: "assistant",
  auth: "bearer",
  query: scopeQuery,
  responses: { 200: { description: "The entry", schema: z.object({ entry: entrySchema }) } },
});

export function assistantRoutes(api: App, desk: Desk): void {
  const auth = requireAgent(desk);
  api.get(
    "/api/v1/assistant/entries",
    auth,
    async (c) => c.json(await assistantEntries(desk, c.get("agent"), query(c, scopeQuery))),
  );
  api.get(
    "/api/v1/assistant/search",
    auth,
    async (c) => c.json(await assistantSearch(desk, c.get("agent"), query(c, searchQuery))),
  );
  api.get("/api/v1/assistant/shortcuts/:keyword", auth, async (c) => {
    const keyword = c.req.param("keyword").slice(0, 60);
    return c.json({ entry: await shortcutEntry(desk, c.get("agent"), keyword, query(c, scopeQuery)) });
  });
}
