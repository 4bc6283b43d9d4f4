/**
 * Ask an expert (SPEC A14): the draft (directory + shareable history), sending a question, the
 * expert's signed answer webhook, and the week-long signed links to shared attachments.
 */
import { z } from "zod";
import { NotFound, Unauthorized } from "../../lib/shared/errors.ts";
import { describe } from "../../lib/server/openapi.ts";
import type { Desk } from "../../desk/desk.ts";
import { askExpert, expertDraft, openAttachmentLink, receiveExpertAnswer } from "../../desk/expert/mod.ts";
import { verifyExpertSignature } from "../../desk/secrets.ts";
import { type App, requireAgent } from "../auth.ts";
import { jsonBody, parseJson, publicOrigin, query, rawBody, validate } from "../http.ts";

const langQuery = z.object({ lang: z.enum(["en", "fr"]).optional() });
// The 300-character limit is checked by the desk, so its error names the field with the rest.
const askSchema = z.strictObject({
  expertId: z.string().min(1).max(100),
  question: z.string().max(5_000),
  lang: z.enum(["en", "fr"]).optional(),
  messageIds: z.array(z.string().min(1).max(100)).max(200).optional(),
});
const answerSchema = z.object({
  id: z.string().min(1).max(200),
  questionId: z.string().min(1).max(100),
  body: z.string().max(20_000).refine((b) => b.trim() !== "", "must not be empty"),
  format: z.enum(["text", "html"]).default("text"),
});
const lineSchema = z.object({
  messageId: z.string(),
  author: z.enum(["customer", "agent", "system"]),
  label: z.string().describe('"Customer", "Agent" ("Client", "Agent" in French)'),
  text: z.string(),
  at: z.string(),
  attachments: z.array(
    z.object({ index: z.number(), name: z.string(), contentType: z.string(), url: z.string() }),
  ),
  line: z.string().describe("the line as the expert reads it; its length counts toward the limit"),
});
const questionSchema = z.object({
  id: z.string(),
  expertId: z.string(),
  threadId: z.string(),
  interactionId: z.string(),
  agentId: z.string(),
  question: z.string(),
  messageIds: z.array(z.string()),
  askedAt: z.string(),
});

describe({
  method: "get",
  path: "/api/v1/interactions/:id/expert",
  summary:
    "Extension: the expert directory and the history the agent may share (the last 20 messages, customer " +
    "messages only if no agent replied, names replaced by Customer/Agent or Client/Agent, structured messages " +
    "copied partially, attachments as signed links valid 7 days); `lang` picks the labels, default the thread's " +
    "(permission ask_expert)",
  tag: "experts",
  auth: "bearer",
  query: langQuery,
  responses: {
    200: {
      description: "The draft",
      schema: z.object({
        experts: z.array(z.object({ id: z.string(), name: z.string() })),
        lang: z.enum(["en", "fr"]),
        history: z.array(lineSchema),
        length: z.number(),
        maxHistoryChars: z.number(),
        maxQuestionChars: z.number(),
      }),
    },
  },
});
describe({
  method: "post",
  path: "/api/v1/interactions/:id/expert",
  summary:
    "Extension: ask an expert. `question` ≤ 300 characters; `messageIds` = the history lines kept (a subset of " +
    "the draft's), ≤ 1,500 characters in all (400 history_too_long); unknown expert → 400 unknown_expert. The " +
    "question goes to the expert's webhookUrl through the outbox (X-Signature with the expert's secret, retried): " +
    '{"type": "expert.question", "id", "expert", "question", "language", "history", "historyText", "answer": {"url", ' +
    '"questionId"}, "askedAt"} (permission ask_expert)',
  tag: "experts",
  auth: "bearer",
  body: askSchema,
  responses: {
    201: { description: "Sent (queued for delivery)", schema: z.object({ question: questionSchema }) },
  },
});
describe({
  method: "post",
  path: "/api/v1/experts/:expertId/answers",
  summary:
    "Extension: an expert's answer, signed (X-Signature: hex HMAC-SHA512 of the raw body keyed with the " +
    "expert's `secret`; experts without a secret cannot answer). Stored as a private note on the question's thread, " +
    "visible to agents only and never sent to the customer; idempotent on `id`",
  tag: "experts",
  auth: "signature",
  body: answerSchema,
  responses: {
    202: { description: "Stored", schema: z.object({ messageId: z.string(), duplicate: z.boolean() }) },
  },
});
describe({
  method: "get",
  path: "/api/v1/expert-links/:threadId/:messageId/:index",
  summary:
    "Extension: a shared attachment (signed link from a question's history, valid 7 days): redirects to the " +
    "file; 401 bad_link when forged or expired, 404 when the file or its message is gone or anonymised",
  tag: "experts",
  auth: "none",
  query: z.object({ exp: z.string(), sig: z.string() }),
  responses: { 302: { description: "Redirect to the file" } },
});

export function expertRoutes(api: App, desk: Desk): void {
  const auth = requireAgent(desk);
  api.get("/api/v1/interactions/:id/expert", auth, async (c) => {
    const { lang } = query(c, langQuery);
    return c.json(await expertDraft(desk, c.get("agent"), c.req.param("id"), lang, publicOrigin(c, desk)));
  });
  api.post("/api/v1/interactions/:id/expert", auth, async (c) => {
    const input = await jsonBody(c, askSchema);
    const q = await askExpert(desk, c.get("agent"), c.req.param("id"), input, publicOrigin(c, desk));
    const { answers: _answers, ...question } = q;
    return c.json({ question }, 201);
  });
  api.post("/api/v1/experts/:expertId/answers", async (c) => {
    const expert = desk.config.experts.find((e) => e.id === c.req.param("expertId"));
    if (!expert) throw new NotFound("Unknown expert.", "unknown_expert");
    const bytes = await rawBody(c);
    if (!(await verifyExpertSignature(desk.ctx, expert.id, bytes, c.req.header("x-signature")))) {
      throw new Unauthorized("Missing or bad X-Signature.", "bad_signature");
    }
    const answer = validate(answerSchema, parseJson(bytes));
    return c.json(await receiveExpertAnswer(desk, expert.id, answer), 202);
  });
  api.get("/api/v1/expert-links/:threadId/:messageId/:index", async (c) => {
    // Canonical digits only ("00" or "+0" would verify as 0): one signed link, one spelling.
    const raw = c.req.param("index");
    const index = /^(0|[1-9]\d{0,2})$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isInteger(index) || index > 100) throw new NotFound("No such file.", "unknown_attachment");
    const url = await openAttachmentLink(desk, {
      threadId: c.req.param("threadId"),
      messageId: c.req.param("messageId"),
      index,
      exp: c.req.query("exp"),
      sig: c.req.query("sig"),
    });
    c.header("cache-control", "no-store");
    c.header("referrer-policy", "no-referrer");
    return c.redirect(new URL(url, publicOrigin(c, desk)).href, 302);
  });
}
