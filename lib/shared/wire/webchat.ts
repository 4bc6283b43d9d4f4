/**
 * Wire shapes of the built-in web chat widget and of co-browsing (client-safe: the widget and
 * the agent pane import the types, the routes validate with the schemas).
 */
import { z } from "zod";
import { stripControls } from "../safe_text.ts";

/** A client-generated id: the widget's message id (idempotency) or an upload id. */
const clientId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, "8–64 letters, digits, _ or -");

export const widgetSessionSchema = z.strictObject({
  /** A token kept by the widget (localStorage) when the identity cookie is not sent (third-party embed). */
  token: z.string().max(400).optional(),
});

export const widgetMessageSchema = z.strictObject({
  id: clientId,
  body: z.string().max(5000).optional(),
  uploads: z.array(z.string().regex(/^[0-9A-Z]{26}$/, "an upload id")).max(5).optional(),
  quickReply: z.enum(["yes", "no"]).optional(),
  language: z.string().min(2).max(16).optional(),
  name: z.string().trim().min(1).max(100).transform((s) => stripControls(s) || undefined).optional(),
}).refine((m) => (m.body !== undefined && m.body.trim() !== "") || (m.uploads?.length ?? 0) > 0, {
  message: "body or uploads is required",
  path: ["body"],
});
export type WidgetMessageInput = z.infer<typeof widgetMessageSchema>;

/** A message as the widget shows it (the API.md outbound shape plus time and own-ness). */
export const widgetMessageViewSchema = z.object({
  id: z.string(),
  author: z.object({ type: z.enum(["customer", "agent", "system"]), name: z.string() }),
  body: z.string(),
  format: z.enum(["text", "html"]),
  attachments: z.array(
    z.object({ url: z.string(), name: z.string(), contentType: z.string(), size: z.number().optional() }),
  ),
  structured: z.looseObject({ type: z.string() }).nullable(),
  createdAt: z.string(),
});
export type WidgetMessageView = z.infer<typeof widgetMessageViewSchema>;

export const widgetSessionViewSchema = z.object({
  token: z.string(),
  visitorId: z.string(),
  source: z.object({ id: z.string(), name: z.string(), defaultLanguage: z.string() }),
});

export const uploadViewSchema = z.object({
  upload: z.object({
    id: z.string(),
    name: z.string(),
    contentType: z.string(),
    size: z.number(),
    url: z.string(),
  }),
});

export const COBROWSE_STATES = ["requested", "active", "declined", "ended"] as const;
export type CobrowseState = (typeof COBROWSE_STATES)[number];

/** What either side sees of a co-browsing session. */
export const cobrowseViewSchema = z.object({
  id: z.string(),
  interactionId: z.string(),
  threadId: z.string(),
  state: z.enum(COBROWSE_STATES),
  control: z.boolean(),
  agentName: z.string(),
  excludeSelectors: z.array(z.string()),
  createdAt: z.string(),
  endedBy: z.enum(["agent", "customer", "system"]).nullable(),
  /** `widget`: the chat widget's visitor; `link`: a customer invited by a link (messaging sources). */
  channel: z.enum(["widget", "link"]),
  /** Link sessions: until when the invitation can be accepted. */
  inviteExpiresAt: z.string().nullable(),
  /** Why the desk ended it: transferred, deferred, completed, conversation_closed, withdrawn, invite_expired. */
  endReason: z.string().nullable(),
});
export type CobrowseView = z.infer<typeof cobrowseViewSchema>;

/** Customer → agent: a batch of rrweb events (opaque JSON objects with a numeric `type`). */
export const cobrowseUpSchema = z.strictObject({
  events: z.array(z.looseObject({ type: z.number().int(), timestamp: z.number() })).min(1).max(2000),
});

/** Agent → customer commands. Coordinates are CSS pixels of the customer's viewport. */
export const cobrowseCommandSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("pointer"), x: z.number().finite(), y: z.number().finite() }),
  z.strictObject({
    kind: z.literal("click"),
    x: z.number().finite(),
    y: z.number().finite(),
    /** The rrweb mirror id of the target node, when the agent pane resolved one. */
    node: z.number().int().nonnegative().optional(),
  }),
  z.strictObject({
    kind: z.literal("key"),
    key: z.string().min(1).max(20),
    node: z.number().int().nonnegative().optional(),
  }),
  z.strictObject({ kind: z.literal("scroll"), dx: z.number().finite(), dy: z.number().finite() }),
  z.strictObject({
    kind: z.literal("highlight"),
    x: z.number().finite(),
    y: z.number().finite(),
    width: z.number().finite().nonnegative(),
    height: z.number().finite().nonnegative(),
  }),
]);
export type CobrowseCommand = z.infer<typeof cobrowseCommandSchema>;

export const cobrowseControlSchema = z.strictObject({ enabled: z.boolean() });

/**
 * The customer page's chat stream (`GET /api/v1/webchat/:source/events`): each event's data, as
 * sent. `typing` with `name: null` says nobody is typing.
 */
export type VisitorEvents = {
  message: WidgetMessageView;
  typing: { name: string | null; at: number; until: number };
  conversation: { closed: boolean };
  cobrowse: CobrowseView | null;
};

/**
 * A co-browsing session's streams: `state` on both sides; the customer's page also gets the
 * agent's `command`s, the agent's pane the page's `rrweb` events (a JSON array).
 */
export type CobrowseStreamEvents = {
  state: CobrowseView;
  /** An agent's command, or the desk asking the page for a full snapshot (a pane joined late). */
  command: CobrowseCommand | { kind: "snapshot" };
  rrweb: unknown[];
};
