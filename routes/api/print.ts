/** Print thread (SPEC A8): the print sheet as JSON (the print page renders the same sheet). */
import { z } from "zod";
import { describe } from "../../lib/server/openapi.ts";
import { messageSchema, threadSchema } from "../../lib/shared/wire/api.ts";
import type { Desk } from "../../desk/desk.ts";
import { PRINT_LIMIT, type PrintFilter, printSheet } from "../../desk/print.ts";
import { type App, requireAgent } from "../auth.ts";
import { validate } from "../http.ts";

/** Print filter query: the same on the JSON route and the print page. */
export const printQuerySchema = z.object({
  author: z.enum(["customer", "agent", "system"]).optional(),
  agentId: z.string().min(1).max(100).optional(),
  from: z.string().max(40).optional(),
  to: z.string().max(40).optional(),
  q: z.string().max(200).optional(),
  folded: z.enum(["include", "exclude"]).default("exclude"),
});
export type PrintQuery = z.infer<typeof printQuerySchema>;

/** Parses a print query; empty fields (an HTML form sends them) mean "no filter". Throws 400. */
export function printFilterOf(raw: Record<string, string>): PrintFilter {
  const f = validate(
    printQuerySchema,
    Object.fromEntries(Object.entries(raw).filter(([, v]) => v.trim() !== "")),
  );
  return { ...f, folded: f.folded === "include" };
}

describe({
  method: "get",
  path: "/api/v1/threads/:id/print",
  summary:
    `Extension: the print sheet (A8): at most the last ${PRINT_LIMIT} messages, oldest first, reduced by a ` +
    "filter (author, agentId, from/to as YYYY-MM-DD or ISO date-time, text `q`); folded messages (agent and system " +
    "messages, customer messages answered or ignored) are left out unless `folded=include`. 400 print_empty when " +
    `nothing matches, 400 print_too_many when a filter selects more than ${PRINT_LIMIT}. The page /threads/{id}/print ` +
    "renders it for printing (permission print)",
  tag: "threads",
  auth: "bearer",
  query: printQuerySchema,
  responses: {
    200: {
      description: "The sheet",
      schema: z.object({
        thread: threadSchema,
        source: z.object({ id: z.string(), name: z.string() }),
        printedAt: z.string(),
        printedBy: z.object({ type: z.string(), id: z.string().nullable(), name: z.string() }),
        filter: z.record(z.string(), z.unknown()),
        truncated: z.boolean().describe(
          `true when the thread had more than ${PRINT_LIMIT} printable messages`,
        ),
        messages: z.array(
          messageSchema.extend({ handledBy: z.object({ id: z.string(), name: z.string() }).nullable() }),
        ),
      }),
    },
  },
});

export function printRoutes(api: App, desk: Desk): void {
  const auth = requireAgent(desk);
  api.get("/api/v1/threads/:id/print", auth, async (c) => {
    return c.json(await printSheet(desk, c.get("agent"), c.req.param("id"), printFilterOf(c.req.query())));
  });
}
