/**
 * The public views the API answers and the routing view works with (API.md "Interaction",
 * "Message", "Thread"): one zod schema per shape, and every type of these shapes — the actors'
 * view functions, the routes' OpenAPI, the islands' store — is `z.infer` of it.
 *
 * Browser code imports these types only (`import type`), so no zod reaches its bundles.
 */
import { z } from "zod";
import { CHANNEL_GROUPS } from "../config.ts";

/** The agent's folders (API.md `GET /me/folders/{name}`). */
export const FOLDER_NAMES = ["in_progress", "deferred", "history"] as const;
export const folderNameSchema = z.enum(FOLDER_NAMES);
export type FolderName = z.infer<typeof folderNameSchema>;

export const interactionStatusSchema = z.enum([
  "queued",
  "offered",
  "active",
  "deferred",
  "closing",
  "completed",
]);
export type InteractionStatus = z.infer<typeof interactionStatusSchema>;

export const presenceSchema = z.enum(["available", "away", "offline"]);
export type Presence = z.infer<typeof presenceSchema>;

export const authorTypeSchema = z.enum(["customer", "agent", "system"]);
export type AuthorType = z.infer<typeof authorTypeSchema>;

/** Who wrote a message or did an audited thing. */
export const authorSchema = z.object({ type: authorTypeSchema, id: z.string().nullable(), name: z.string() });
export type Author = z.infer<typeof authorSchema>;

/** A stored attachment (inbound attachments are parsed by `attachmentSchema` in schemas.ts). */
export const attachmentViewSchema = z.object({
  url: z.string(),
  name: z.string(),
  contentType: z.string(),
  size: z.number().int().nonnegative().optional(),
});
export type Attachment = z.infer<typeof attachmentViewSchema>;

export const messageStatusSchema = z.enum(["new", "assigned", "replied", "ignored"]);
export type MessageStatus = z.infer<typeof messageStatusSchema>;

export const dispositionSchema = z.object({ categoryId: z.string(), notes: z.string().optional() });
export type Disposition = z.infer<typeof dispositionSchema>;

const customerSchema = z.object({ id: z.string(), name: z.string() });

/** API.md `Interaction`, as `interactionView` (actors/interaction/view.ts) builds it. */
export const interactionViewSchema = z.object({
  id: z.string(),
  threadId: z.string(),
  sourceId: z.string(),
  group: z.enum(CHANNEL_GROUPS),
  state: interactionStatusSchema,
  agentId: z.string().nullable(),
  categories: z.array(z.string()),
  language: z.string(),
  priority: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
  acceptDeadline: z.string().nullable(),
  deferredUntil: z.string().nullable(),
  disposition: dispositionSchema.nullable(),
  conversationClosed: z.boolean(),
  closing: z.object({
    phase: z.enum(["waiting_reply", "asked"]),
    deadline: z.string(),
    waitForReply: z.boolean(),
  }).nullable(),
  transfer: z.object({
    fromAgentId: z.string(),
    comment: z.string().nullable(),
    at: z.string(),
    forced: z.boolean(),
  }).nullable(),
  customer: customerSchema,
  /** The folder list's line: the latest public message. */
  preview: z.object({ text: z.string(), at: z.string(), author: authorTypeSchema }),
  offeredAt: z.string().nullable(),
  acceptedAt: z.string().nullable(),
  completedAt: z.string().nullable(),
  completedBy: z.enum(["agent", "smart_closure"]).nullable(),
  lastActivityAt: z.string(),
});
export type InteractionView = z.infer<typeof interactionViewSchema>;

/** API.md `Message`, as `messageView` (actors/thread.ts) builds it. */
export const messageViewSchema = z.object({
  id: z.string(),
  threadId: z.string(),
  interactionId: z.string().nullable(),
  externalId: z.string().nullable(),
  author: authorSchema,
  body: z.string(),
  format: z.enum(["text", "html"]),
  attachments: z.array(attachmentViewSchema),
  structured: z.record(z.string(), z.unknown()).nullable(),
  contextData: z.record(z.string(), z.unknown()).nullable(),
  language: z.string().nullable(),
  status: messageStatusSchema,
  anonymized: z.boolean(),
  /** Private notes (an expert's answer) are never sent to the customer. */
  private: z.boolean(),
  createdAt: z.string(),
  /**
   * Extension, on a live `message.created` only: a big `contextData`/`structured` kept in KV parts
   * is null here; read the message whole (GET /api/v1/interactions/{id}).
   */
  partial: z.literal(true).optional(),
});
export type MessageView = z.infer<typeof messageViewSchema>;

/** API.md `Thread`, as `threadView` (actors/thread.ts) builds it. */
export const threadViewSchema = z.object({
  id: z.string(),
  sourceId: z.string(),
  externalId: z.string(),
  title: z.string().nullable(),
  customer: customerSchema,
  categories: z.array(z.string()),
  language: z.string().nullable(),
  locked: z.boolean(),
  ignored: z.boolean(),
  mutedBy: z.array(z.string()),
  openInteractionId: z.string().nullable(),
  lastAgentId: z.string().nullable(),
  conversationClosed: z.boolean(),
  messageCount: z.number().int().nonnegative(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ThreadView = z.infer<typeof threadViewSchema>;

/**
 * What a folder list (and the routing view's store) holds of an interaction: the view without
 * what the page never shows (`listItem` in desk/views.ts builds it). A full view is one too.
 */
export const folderItemSchema = interactionViewSchema.omit({ group: true, completedBy: true });
export type FolderItem = z.infer<typeof folderItemSchema>;
