/**
 * The built-in web chat source (SPEC CH3): the customer side of the widget. A visitor is an
 * anonymous identity signed by the server; what the widget posts goes through the same inbound
 * path as any connector (`receiveMessage` / `receiveEvent`, idempotent on the widget's message
 * id), and what the widget receives is read from the thread itself — the stored messages that
 * the outbox also delivers — so there is no second copy to keep in step.
 */
import { transact } from "../lib/server/actor.ts";
import { sign } from "../lib/server/crypto.ts";
import { Conflict, Invalid, NotFound, Unauthorized } from "../lib/shared/errors.ts";
import { keys } from "../lib/server/keys.ts";
import type { SourceConfig } from "../lib/shared/config.ts";
import type { WidgetMessageInput, WidgetMessageView } from "../lib/shared/wire/webchat.ts";
import type { AgentState } from "../actors/agent.ts";
import { type InteractionState, isOpen } from "../actors/interaction.ts";
import type { Attachment, Message, ThreadState } from "../actors/thread.ts";
import type { Desk } from "./desk.ts";
import { receiveEvent, receiveMessage } from "./inbound.ts";
import { joinParts } from "./message_parts.ts";
import { appSecret } from "./secrets.ts";
import { blobIdOf, blobStore, blobUrl, inboundRef, signedBlobUrl } from "./uploads.ts";
import { type Limit, takeRate } from "../lib/server/rate_limit.ts";

export type Visitor = { sourceId: string; visitorId: string };

/** Identity tokens are refreshed on every visit and refused after this long. */
const TOKEN_MAX_AGE_S = 400 * 86400;
export const TYPING_TTL_MS = 6_000;
const HISTORY_LIMIT = 100;

/** The source behind a widget: any `chat` source (404 otherwise, as for an unknown source). */
export function widgetSource(desk: Desk, sourceId: string): SourceConfig {
  const s = desk.ctx.findSource(sourceId);
  if (!s || s.kind !== "chat") throw new NotFound(`Unknown web chat source "${sourceId}".`, "unknown_source");
  return s;
}

const identityPayload = (sourceId: string, visitorId: string, iat: number) =>
  `webchat:${sourceId}:${visitorId}:${iat}`;

/** Issues a signed identity token `v1.<visitorId>.<issuedAt>.<hmac>` for a (new) visitor. */
export async function issueIdentity(
  desk: Desk,
  sourceId: string,
  visitorId?: string,
): Promise<{ token: string; visitor: Visitor }> {
  widgetSource(desk, sourceId);
  const id = visitorId ?? crypto.randomUUID().replaceAll("-", "");
  const iat = Math.floor(desk.ctx.now() / 1000);
  const sig = await sign(await appSecret(desk.kv, "webchat"), identityPayload(sourceId, id, iat));
  return { token: `v1.${id}.${iat}.${sig}`, visitor: { sourceId, visitorId: id } };
}

/** Verifies an identity token for `sourceId`; null when it is absent, forged, expired or for another source. */
export async function readIdentity(
  desk: Desk,
  sourceId: string,
  token: string | null | undefined,
): Promise<Visitor | null> {
  const m = token ? /^v1\.([0-9a-f]{32})\.(\d{1,12})\.([0-9a-f]{128})$/.exec(token) : null;
  if (!m) return null;
  const [, visitorId, iatText, sig] = m;
  const iat = Number(iatText);
  const now = desk.ctx.now() / 1000;
  if (iat > now + 300 || now - iat > TOKEN_MAX_AGE_S) return null;
  const expected = await sign(await appSecret(desk.kv, "webchat"), identityPayload(sourceId, visitorId, iat));
  let diff = 0;
  for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ sig.charCodeAt(i);
  return diff === 0 ? { sourceId, visitorId } : null;
}

/** Like `readIdentity`, but refuses (401) a missing or bad token. */
export async function requireIdentity(
  desk: Desk,
  sourceId: string,
  token: string | null | undefined,
): Promise<Visitor> {
  widgetSource(desk, sourceId);
  const v = await readIdentity(desk, sourceId, token);
  if (!v) throw new Unauthorized("Missing, forged or expired widget identity.", "bad_widget_identity");
  return v;
}

export const uploadOwner = (v: Visitor) => `webchat:${v.sourceId}:${v.visitorId}`;

/**
 * How much one visitor, and one client address (many visitors behind one office or carrier
 * NAT), may send: enough for a brisk conversation, not for a flood. The address is the TCP
 * peer's: a forwarded-for header is anyone's to write.
 */
export type WidgetLimits = Record<"message" | "upload", { visitor: Limit; address: Limit }>;
export const DEFAULT_WIDGET_LIMITS: WidgetLimits = {
  message: { visitor: { max: 20, windowMs: 60_000 }, address: { max: 120, windowMs: 60_000 } },
  upload: { visitor: { max: 10, windowMs: 600_000 }, address: { max: 60, windowMs: 600_000 } },
};
const limitsOf = new WeakMap<Desk, WidgetLimits>();

/** Changes the limits of one desk (tests, or an operator's tuning at start-up). */
export function setWidgetLimits(desk: Desk, limits: WidgetLimits): void {
  limitsOf.set(desk, limits);
}

/** Counts a widget request; 429 `rate_limited` (nothing counted, nothing stored) when over a limit. */
export async function takeWidgetRate(
  desk: Desk,
  kind: "message" | "upload",
  v: Visitor,
  address: string,
): Promise<void> {
  const l = (limitsOf.get(desk) ?? DEFAULT_WIDGET_LIMITS)[kind];
  await takeRate(
    desk.kv,
    [
      { scope: `wc-${kind}`, subject: `${v.sourceId}:${v.visitorId}`, limit: l.visitor },
      { scope: `wc-${kind}-addr`, subject: address, limit: l.address },
    ],
    desk.ctx.now(),
    kind === "message" ? "messages" : "uploads",
  );
}

/**
 * A message from the widget, through the connector path. The message id is the visitor's id
 * plus the widget's own id, so a replayed request (same id) creates nothing: it is refused
 * with 409 `replayed_request`. Attachments must be this visitor's own uploads, not sent yet in
 * another message; each is claimed by this message before it is stored (so the unsent-upload
 * clean-up keeps it), and the message stores its plain URL (links are signed when shown).
 */
export async function postWidgetMessage(
  desk: Desk,
  v: Visitor,
  m: WidgetMessageInput,
  origin: string,
  address: string,
) {
  const source = widgetSource(desk, v.sourceId);
  await takeWidgetRate(desk, "message", v, address);
  const inboundId = `wc:${v.visitorId}:${m.id}`;
  const ref = inboundRef(v.sourceId, inboundId);
  const store = blobStore(desk);
  const metas = await Promise.all((m.uploads ?? []).map((id) => store.meta(id)));
  const bad = metas.flatMap((meta, i) =>
    !meta || meta.owner !== uploadOwner(v)
      ? [{ path: `uploads.${i}`, message: "not an upload of this visitor" }]
      : meta.keptBy && meta.keptBy.ref !== ref
      ? [{ path: `uploads.${i}`, message: "already sent in another message" }]
      : []
  );
  if (bad.length) throw new Invalid("Unknown upload.", bad, "unknown_upload");
  const attachments: Attachment[] = [];
  for (const [i, meta] of metas.entries()) {
    const kept = await store.keep(meta!.id, ref, desk.ctx.now());
    if (!kept.ok) {
      throw new Invalid(
        "Unknown upload.",
        [{ path: `uploads.${i}`, message: kept.reason }],
        "unknown_upload",
      );
    }
    attachments.push({
      url: blobUrl(meta!.id, origin),
      name: meta!.name,
      contentType: meta!.contentType,
      size: meta!.size,
    });
  }
  const labels = source.smartClosure;
  const quickLabel = m.quickReply
    ? (m.quickReply === "yes" ? labels?.yesLabel : labels?.noLabel)?.[m.language ?? source.defaultLanguage] ??
      (m.quickReply === "yes" ? "Yes" : "No")
    : undefined;
  const body = m.body?.trim() || quickLabel;
  const result = await receiveMessage(desk, v.sourceId, {
    id: inboundId,
    thread: { id: v.visitorId },
    // A site that knows its user passes a name; otherwise a short stable pseudonym.
    author: { id: v.visitorId, name: m.name ?? `Visitor ${v.visitorId.slice(0, 6)}` },
    format: "text",
    ...(body ? { body } : {}),
    ...(attachments.length ? { attachments } : {}),
    ...(m.quickReply ? { structured: { type: "quick_reply_answer", payload: m.quickReply } } : {}),
    ...(m.language && desk.config.languages.includes(m.language) ? { language: m.language } : {}),
  });
  if (result.duplicate) {
    throw new Conflict("This message was already received.", "replayed_request", {
      messageId: result.messageId,
    });
  }
  return result;
}

/** The customer closed the conversation in the widget (C7). */
export async function closeWidgetConversation(desk: Desk, v: Visitor) {
  widgetSource(desk, v.sourceId);
  return await receiveEvent(desk, v.sourceId, { type: "conversation.closed", thread: { id: v.visitorId } });
}

/**
 * What the widget shows of a stored message: never private notes. The visitor's own files get
 * a link signed now, valid a few hours; any other file URL is left as stored (it grants nothing).
 */
export async function widgetView(
  desk: Desk,
  v: Visitor,
  m: Message,
  origin: string,
): Promise<WidgetMessageView> {
  return {
    id: m.id,
    author: { type: m.author.type, name: m.author.name },
    body: m.body,
    format: m.format,
    attachments: await Promise.all(m.attachments.map(async (a) => {
      const id = blobIdOf(a.url);
      const mine = id && (await blobStore(desk).meta(id))?.owner === uploadOwner(v);
      return mine ? { ...a, url: await signedBlobUrl(desk, id, origin) } : a;
    })),
    structured: (m.structured as WidgetMessageView["structured"]) ?? null,
    createdAt: m.createdAt,
  };
}

export async function visitorThread(desk: Desk, v: Visitor): Promise<ThreadState | null> {
  const id = (await desk.kv.get<string>(keys.threadByExternalId(v.sourceId, v.visitorId))).value;
  return id ? (await desk.kv.get<ThreadState>(keys.thread(id))).value : null;
}

/**
 * The visitor's latest messages, oldest first (private notes left out), with fresh file links;
 * those in `skip` (already shown by a stream) are left out before any link is signed.
 */
export async function visitorMessages(
  desk: Desk,
  v: Visitor,
  threadId: string,
  origin: string,
  skip: ReadonlySet<string> = new Set(),
): Promise<WidgetMessageView[]> {
  const out: Message[] = [];
  for await (
    const e of desk.kv.list<Message>({ prefix: keys.messages(threadId) }, {
      reverse: true,
      limit: HISTORY_LIMIT,
    })
  ) {
    if (!e.value.private && !skip.has(e.value.id)) out.push(e.value);
  }
  // A big `structured` lives in part keys: the widget gets it whole.
  const whole = await joinParts(desk.kv, out.reverse());
  return await Promise.all(whole.map((m) => widgetView(desk, v, m, origin)));
}

export type Typing = { name: string; at: number; until: number };

/** The agent is typing on an interaction of a web chat thread (ephemeral: expires by itself). */
export async function setAgentTyping(
  desk: Desk,
  agent: AgentState,
  interactionId: string,
): Promise<{ until: number }> {
  return await transact(desk.kv, async (tx) => {
    const s = await tx.get<InteractionState>(keys.interaction(interactionId));
    if (!s) throw new NotFound("Unknown interaction.", "unknown_interaction");
    if (s.agentId !== agent.id || !isOpen(s)) {
      throw new Conflict("This is not your open interaction.", "not_owner");
    }
    const thread = await tx.get<ThreadState>(keys.thread(s.threadId));
    const source = desk.ctx.findSource(s.sourceId);
    if (!thread || source?.kind !== "chat") return { until: 0 };
    const at = desk.ctx.now();
    const until = at + TYPING_TTL_MS;
    tx.set(
      keys.webchatTyping(s.sourceId, thread.externalId),
      { name: agent.name, at, until } satisfies Typing,
      TYPING_TTL_MS,
    );
    return { until };
  });
}
