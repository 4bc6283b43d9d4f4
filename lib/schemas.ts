/**
 * Wire shapes of the public API (API.md), one zod schema each. Route validation, the OpenAPI
 * document and tests all use these; types come from `z.infer`, never declared twice.
 */
import { z } from "zod";

const externalId = z.string().min(1).max(200);

export const attachmentSchema = z.object({
  url: z.url({ protocol: /^https?$/ }),
  name: z.string().min(1).max(300),
  contentType: z.string().min(1).max(200),
  size: z.number().int().nonnegative().optional(),
});

/** Inbound connector message. Unknown keys are ignored (connectors may send more). */
export const inboundMessageSchema = z.object({
  id: externalId,
  thread: z.object({ id: externalId, title: z.string().max(500).optional() }),
  author: z.object({ id: externalId, name: z.string().max(200).optional() }),
  body: z.string().max(20_000).optional(),
  format: z.enum(["text", "html"]).default("text"),
  language: z.string().min(2).max(16).optional(),
  categories: z.array(z.string().min(1).max(100)).max(50).optional(),
  createdAt: z.iso.datetime({ offset: true }).optional(),
  attachments: z.array(attachmentSchema).max(20).optional(),
  structured: z.looseObject({ type: z.string().min(1).max(100) }).optional(),
  contextData: z.record(z.string(), z.unknown()).optional(),
  /** Extension: urgency added to the source's priority. */
  priority: z.number().int().min(-1000).max(1000).optional(),
}).refine((m) => (m.body !== undefined && m.body.trim() !== "") || (m.attachments?.length ?? 0) > 0, {
  message: "body or attachments is required",
  path: ["body"],
});
export type InboundMessage = z.infer<typeof inboundMessageSchema>;

export const inboundEventSchema = z.object({
  type: z.enum(["conversation.closed"]),
  thread: z.object({ id: externalId }),
});
export type InboundEvent = z.infer<typeof inboundEventSchema>;

export const inboundAcceptedSchema = z.object({
  messageId: z.string(),
  threadId: z.string(),
  interactionId: z.string().nullable(),
  duplicate: z.boolean(),
});

export const signInSchema = z.strictObject({
  login: z.string().min(1).max(100),
  password: z.string().min(1).max(200),
});
export const presenceSchema = z.strictObject({ presence: z.enum(["available", "away", "offline"]) });
export const replySchema = z.strictObject({
  body: z.string().max(20_000).refine((b) => b.trim() !== "", "must not be empty"),
  format: z.enum(["text", "html"]).default("text"),
  attachments: z.array(attachmentSchema).max(20).optional(),
  structured: z.looseObject({ type: z.string().min(1).max(100) }).optional(),
});
export const deferSchema = z.strictObject({ until: z.iso.datetime({ offset: true }) });
export const transferSchema = z.strictObject({
  agentId: z.string().min(1).max(100).optional(),
  teamId: z.string().min(1).max(100).optional(),
  categories: z.array(z.string().min(1).max(100)).max(50).optional(),
  language: z.string().min(2).max(16).optional(),
  comment: z.string().max(2000).optional(),
  force: z.boolean().optional(),
}).refine((t) => t.agentId || t.teamId || (t.categories && t.categories.length) || t.language, {
  message: "at least one target (agentId, teamId, categories, language) is required",
  path: ["agentId"],
});
export const completeSchema = z.strictObject({
  disposition: z.strictObject({
    categoryId: z.string().min(1).max(100),
    notes: z.string().max(2000).optional(),
  }).optional(),
  waitForReply: z.boolean().optional(),
});
export const categorizeSchema = z.strictObject({ categories: z.array(z.string().min(1).max(100)).max(50) });
export const languageSchema = z.strictObject({ language: z.string().min(2).max(16) });
export const folderQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(2000).optional(),
});
export const FOLDERS = ["in_progress", "deferred", "history"] as const;
/** Audit log paging plus the language of the readable `summary` (extension). */
export const auditQuerySchema = folderQuerySchema.extend({ lang: z.enum(["en", "fr"]).default("en") });
/** One audit item (API.md `{at, actor, type, details}` plus `id`, `interactionId` and `summary`). */
export const auditItemSchema = z.object({
  id: z.string(),
  at: z.string(),
  actor: z.object({
    type: z.enum(["agent", "customer", "system"]),
    id: z.string().nullable(),
    name: z.string(),
  }),
  type: z.string(),
  summary: z.string(),
  interactionId: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
});

/** Response shapes (documentation and tests). */
export const interactionSchema = z.looseObject({
  id: z.string(),
  threadId: z.string(),
  sourceId: z.string(),
  state: z.enum(["queued", "offered", "active", "deferred", "closing", "completed"]),
  agentId: z.string().nullable(),
  categories: z.array(z.string()),
  language: z.string(),
  priority: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
  acceptDeadline: z.string().nullable(),
  deferredUntil: z.string().nullable(),
  disposition: z.looseObject({ categoryId: z.string() }).nullable(),
  conversationClosed: z.boolean(),
});
export const messageSchema = z.looseObject({
  id: z.string(),
  threadId: z.string(),
  author: z.object({
    type: z.enum(["customer", "agent", "system"]),
    id: z.string().nullable(),
    name: z.string(),
  }),
  body: z.string(),
  status: z.enum(["new", "assigned", "replied", "ignored"]),
  createdAt: z.string(),
});
export const threadSchema = z.looseObject({
  id: z.string(),
  sourceId: z.string(),
  categories: z.array(z.string()),
});
export const errorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});
