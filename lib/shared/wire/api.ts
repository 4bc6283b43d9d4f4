/**
 * Wire shapes of the public API (API.md), one zod schema each. Route validation, the OpenAPI
 * document and tests all use these; types come from `z.infer`, never declared twice.
 */
import { z } from "zod";
import { authorTypeSchema, presenceSchema as presenceNameSchema } from "./views.ts";
import { stripControls } from "../safe_text.ts";

const externalId = z.string().min(1).max(200);

const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/**
 * Milliseconds of an ISO 8601 date or date-time as clients write it (`2026-11-23`,
 * `2026-11-23T10:00Z`, `2026-11-23T10:00:00.123+02:00`), or null. A date alone, or a time
 * without an offset, is read as UTC. Impossible dates (February 30) are refused, unlike
 * `Date.parse`, which rolls them over.
 * @example parseIso8601("2026-11-23T12:00+02:00") === Date.parse("2026-11-23T10:00:00Z") // true
 */
export function parseIso8601(value: string): number | null {
  const m = ISO_8601.exec(value);
  if (!m) return null;
  const [y, mo, d, h = 0, mi = 0, sec = 0] = m.slice(1, 7).map((
    x,
  ) => (x === undefined ? undefined : Number(x)));
  const days = new Date(Date.UTC(y!, mo!, 0)).getUTCDate();
  if (mo! < 1 || mo! > 12 || d! < 1 || d! > days || h! > 23 || mi! > 59 || sec! > 59) return null;
  const fraction = m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
  let offsetMin = 0;
  const off = m[8];
  if (off && off.toUpperCase() !== "Z") {
    const oh = Number(off.slice(1, 3));
    const om = off.length > 3 ? Number(off.slice(-2)) : 0;
    if (oh > 23 || om > 59) return null;
    offsetMin = (off[0] === "-" ? -1 : 1) * (oh * 60 + om);
  }
  return Date.UTC(y!, mo! - 1, d!, h!, mi!, sec!, fraction) - offsetMin * 60_000;
}

/** An ISO 8601 date or date-time (see `parseIso8601`), normalised to `toISOString()` form (UTC). */
export const isoDateTime = z.string().max(64)
  .refine((v) => parseIso8601(v) !== null, "Invalid ISO 8601 date or date-time")
  .transform((v) => new Date(parseIso8601(v)!).toISOString())
  .meta({ format: "date-time", description: "ISO 8601 (a date alone, or no offset, is UTC)" });

/** An optional field that also accepts JSON `null` for "absent" (clients often send both). */
const optional = <T extends z.ZodType>(schema: T) =>
  schema.nullish().transform((v) => (v ?? undefined) as z.output<T> | undefined);

const CONTENT_TYPES: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  svg: "image/svg+xml",
  mp4: "video/mp4",
  webm: "video/webm",
  mp3: "audio/mpeg",
  pdf: "application/pdf",
  txt: "text/plain",
};

/**
 * An attachment: only `url` is required (API.md lists `name` and `contentType` in its example but
 * not among the required fields); a missing name comes from the URL's last segment and a missing
 * type from its extension.
 */
export const attachmentSchema = z.object({
  url: z.url({ protocol: /^https?$/ }),
  name: z.string().min(1).max(300).optional(),
  contentType: z.string().min(1).max(200).optional(),
  size: z.number().int().nonnegative().optional(),
}).transform((a) => {
  const segment = new URL(a.url).pathname.split("/").pop() || "";
  let last = segment;
  try {
    last = decodeURIComponent(segment);
  } catch { /* a malformed escape: keep the raw segment */ }
  last = last.slice(0, 300);
  const ext = /\.([a-z0-9]+)$/i.exec(last)?.[1].toLowerCase() ?? "";
  return {
    ...a,
    name: stripControls(a.name ?? last) || "attachment",
    contentType: a.contentType ?? CONTENT_TYPES[ext] ?? "application/octet-stream",
  };
});

/**
 * A name or title shown to people: control and bidi characters removed (see `stripControls`);
 * nothing left reads as absent.
 */
export const displayText = (max: number) =>
  z.string().max(max).transform((s) => stripControls(s) || undefined);

/** Inbound connector message. Unknown keys are ignored (connectors may send more). */
export const inboundMessageSchema = z.object({
  id: externalId,
  thread: z.object({ id: externalId, title: displayText(500).optional() }),
  author: z.object({ id: externalId, name: displayText(200).optional() }),
  body: z.string().max(20_000).optional(),
  format: z.enum(["text", "html"]).default("text"),
  language: z.string().min(2).max(16).optional(),
  categories: z.array(z.string().min(1).max(100)).max(50).optional(),
  createdAt: isoDateTime.optional(),
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
  /** The connector's event id: a repeated id answers `duplicate: true` and changes nothing. */
  id: externalId.optional(),
  type: z.enum(["conversation.closed"]),
  thread: z.object({ id: externalId }),
  /** When it happened: a `conversation.closed` older than the latest customer message closes nothing. */
  occurredAt: isoDateTime.optional(),
});
export type InboundEvent = z.infer<typeof inboundEventSchema>;

export const inboundEventAcceptedSchema = z.object({
  threadId: z.string().nullable(),
  interactionId: z.string().nullable(),
  /** Extension: whether this delivery closed the conversation (false: unknown thread, already closed, or stale). */
  closed: z.boolean(),
  duplicate: z.boolean(),
});
export type InboundEventAccepted = z.infer<typeof inboundEventAcceptedSchema>;

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
export const presenceSchema = z.strictObject({ presence: presenceNameSchema });
export const replySchema = z.strictObject({
  body: z.string().max(20_000).refine((b) => b.trim() !== "", "must not be empty"),
  format: z.enum(["text", "html"]).default("text"),
  attachments: z.array(attachmentSchema).max(20).optional(),
  structured: z.looseObject({ type: z.string().min(1).max(100) }).optional(),
});
export const deferSchema = z.strictObject({ until: isoDateTime });
export const transferSchema = z.strictObject({
  agentId: optional(z.string().min(1).max(100)),
  teamId: optional(z.string().min(1).max(100)),
  categories: optional(z.array(z.string().min(1).max(100)).max(50)),
  language: optional(z.string().min(2).max(16)),
  comment: optional(z.string().max(2000)),
  force: optional(z.boolean()),
}).refine((t) => t.agentId || t.teamId || (t.categories && t.categories.length) || t.language, {
  message: "at least one target (agentId, teamId, categories, language) is required",
  path: ["agentId"],
});
export const completeSchema = z.strictObject({
  disposition: optional(z.strictObject({
    categoryId: z.string().min(1).max(100),
    notes: optional(z.string().max(2000)),
  })),
  waitForReply: optional(z.boolean()),
});
/**
 * The actions on one interaction: `POST /api/v1/interactions/{id}/<name>`, answering
 * `{ interaction }`. One entry declares an action's request body (none: an empty object) and its
 * summary in the served OpenAPI; the route and its documentation (routes/api/interactions.ts),
 * the desk operation's argument (desk/actions.ts `interactionActionOps`) and the browser's call
 * (lib/browser/actions.ts `act`) are derived from it.
 */
export const INTERACTION_ACTIONS = {
  accept: { summary: "Accept an offer: offered → active (messages become assigned)" },
  defer: { summary: "Defer until a future time: active → deferred (frees capacity)", body: deferSchema },
  resume: { summary: "Resume: deferred or completed → active for the acting agent" },
  transfer: {
    summary:
      "Transfer to an agent, a team, categories or a language (force: supervisors, straight to the agent)",
    body: transferSchema,
  },
  complete: {
    summary:
      "Complete: active → completed, or closing under smart closure (disposition when the source requires one)",
    body: completeSchema,
  },
} satisfies Record<string, { summary: string; body?: z.ZodType }>;
export type InteractionActionName = keyof typeof INTERACTION_ACTIONS;
type BodySchemaOf<K extends InteractionActionName> = (typeof INTERACTION_ACTIONS)[K] extends
  { body: infer B extends z.ZodType } ? B : typeof noBody;
/** An action without a body takes an empty object (other keys are ignored). */
export const noBody = z.object({});
/** The body schema of action `name`. */
export const interactionActionBody = <K extends InteractionActionName>(name: K): BodySchemaOf<K> =>
  ((INTERACTION_ACTIONS[name] as { body?: z.ZodType }).body ?? noBody) as BodySchemaOf<K>;
/** What the browser sends for action `K`. */
export type InteractionActionBody<K extends InteractionActionName> = z.input<BodySchemaOf<K>>;
/** What the desk operation of action `K` receives (the body once parsed). */
export type InteractionActionInput<K extends InteractionActionName> = z.output<BodySchemaOf<K>>;

/** `POST /api/v1/threads/{id}/lock` (extension): the disposition for the interaction that Lock completes. */
export const lockSchema = completeSchema.pick({ disposition: true });
export const categorizeSchema = z.strictObject({ categories: z.array(z.string().min(1).max(100)).max(50) });
export const languageSchema = z.strictObject({ language: z.string().min(2).max(16) });
export const folderQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(2000).optional(),
});
/** Audit log paging plus the language of the readable `summary` (extension). */
export const auditQuerySchema = folderQuerySchema.extend({ lang: z.enum(["en", "fr"]).default("en") });
/** One audit item (API.md `{at, actor, type, details}` plus `id`, `interactionId` and `summary`). */
export const auditItemSchema = z.object({
  id: z.string(),
  at: z.string(),
  actor: z.object({ type: authorTypeSchema, id: z.string().nullable(), name: z.string() }),
  type: z.string(),
  summary: z.string(),
  interactionId: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
});

/** Response shapes (documentation and tests): the wire views, declared once. */
export {
  interactionViewSchema as interactionSchema,
  messageViewSchema as messageSchema,
  threadViewSchema as threadSchema,
} from "./views.ts";
export const errorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});
