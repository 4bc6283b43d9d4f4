/**
 * The web chat widget's API (customer side) and signed file links. The visitor is identified
 * by a signed token: set as a cookie by `session` (so history survives a reload) and sent by
 * the widget in `X-Widget-Token` on every other call (an event stream takes `?token=`), which
 * also keeps other sites from posting in the visitor's name.
 */
import type { Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { cors } from "hono/cors";
import { z } from "zod";
import { describe } from "../../lib/server/openapi.ts";
import { MAX_UPLOAD_BYTES } from "../../lib/server/uploads.ts";
import {
  uploadViewSchema,
  widgetMessageSchema,
  widgetMessageViewSchema,
  widgetSessionSchema,
  widgetSessionViewSchema,
} from "../../lib/shared/wire/webchat.ts";
import { inboundAcceptedSchema } from "../../lib/shared/wire/api.ts";
import type { Desk } from "../../desk/desk.ts";
import { visitorEvents } from "../../desk/live.ts";
import { openBlob, signedBlobUrl, storeUpload } from "../../desk/uploads.ts";
import { sessionOf } from "../../desk/sessions.ts";
import {
  closeWidgetConversation,
  issueIdentity,
  postWidgetMessage,
  readIdentity,
  requireIdentity,
  setAgentTyping,
  takeWidgetRate,
  uploadOwner,
  type Visitor,
  visitorMessages,
  visitorThread,
  widgetSource,
} from "../../desk/webchat.ts";
import { type App, requireAgent, tokenOf } from "../auth.ts";
import { clientAddress, jsonBody, publicOrigin, rawBody } from "../http.ts";
import { serveEvents } from "../sse.ts";

export const WIDGET_TOKEN_HEADER = "x-widget-token";
const cookieName = (sourceId: string) => `rd_wc_${sourceId.replace(/[^A-Za-z0-9_-]/g, "_")}`;

const base = "/api/v1/webchat/:sourceId";
describe({
  method: "post",
  path: `${base}/session`,
  summary:
    "Web chat: start or resume a visitor (identity cookie, or a token kept by the widget); returns the token",
  tag: "webchat",
  auth: "none",
  body: widgetSessionSchema,
  responses: { 200: { description: "The visitor's token", schema: widgetSessionViewSchema } },
});
describe({
  method: "get",
  path: `${base}/messages`,
  summary: "Web chat: the visitor's latest messages, oldest first (private notes never included)",
  tag: "webchat",
  auth: "widget",
  responses: {
    200: {
      description: "History",
      schema: z.object({ messages: z.array(widgetMessageViewSchema), conversationClosed: z.boolean() }),
    },
  },
});
describe({
  method: "post",
  path: `${base}/messages`,
  summary: "Web chat: send a customer message (the connector path; a replayed id is refused with 409 " +
    "replayed_request; 429 rate_limited past 20 a minute per visitor or 120 per client address)",
  tag: "webchat",
  auth: "widget",
  body: widgetMessageSchema,
  responses: { 202: { description: "Stored and routed", schema: inboundAcceptedSchema } },
});
describe({
  method: "post",
  path: `${base}/uploads`,
  summary:
    `Web chat: upload a file as the raw body (X-File-Name header; images, PDF, text; ≤ ${MAX_UPLOAD_BYTES} bytes; ` +
    "429 rate_limited past 10 per 10 minutes per visitor or 60 per client address; removed unless sent " +
    "in a message within an hour)",
  tag: "webchat",
  auth: "widget",
  responses: { 201: { description: "Stored; attach it by id to a message", schema: uploadViewSchema } },
});
describe({
  method: "post",
  path: `${base}/close`,
  summary: "Web chat: the customer closes the conversation (conversation.closed)",
  tag: "webchat",
  auth: "widget",
  responses: {
    202: {
      description: "Closed",
      schema: z.object({ threadId: z.string().nullable(), interactionId: z.string().nullable() }),
    },
  },
});
describe({
  method: "get",
  path: `${base}/events`,
  summary:
    "Web chat: server-sent events message, typing, conversation, cobrowse (?token=). Ends with stream.replaced (more than 5 streams of one owner; do not reconnect) or server.stopping (reconnect).",
  tag: "webchat",
  auth: "widget",
  responses: {
    200: { description: "text/event-stream", contentType: "text/event-stream", schema: z.string() },
  },
});
describe({
  method: "get",
  path: "/api/v1/blobs/:id",
  summary: "An uploaded file: through a signed link valid a few hours (?exp=&sig=, issued each time a " +
    "message is shown to the customer), or for a signed-in agent (session cookie or bearer) once sent",
  tag: "webchat",
  auth: "none",
  responses: {
    200: { description: "The file", contentType: "application/octet-stream", schema: z.string() },
  },
});
describe({
  method: "post",
  path: "/api/v1/interactions/:id/typing",
  summary: "The agent is typing: shown in the web chat widget for a few seconds",
  tag: "interactions",
  auth: "bearer",
  responses: { 200: { description: "Until when it shows", schema: z.object({ until: z.number() }) } },
});

/** The visitor of a widget call: `X-Widget-Token`, or `?token=` (event streams cannot set headers). */
export async function widgetVisitor(c: Context, desk: Desk): Promise<Visitor> {
  const token = c.req.header(WIDGET_TOKEN_HEADER) ?? c.req.query("token");
  return await requireIdentity(desk, c.req.param("sourceId")!, token);
}

/** The owner of a visitor's streams, for the per-owner stream limit. */
export const visitorOwner = (v: Visitor) => `visitor:${v.sourceId}:${v.visitorId}`;

export function webchatRoutes(api: App, desk: Desk): void {
  // Any site may embed the widget: calls carry the token in a header, never ambient cookies.
  api.use(
    "/api/v1/webchat/*",
    cors({
      origin: "*",
      allowHeaders: ["content-type", WIDGET_TOKEN_HEADER, "x-file-name"],
      allowMethods: ["GET", "POST"],
      maxAge: 600,
    }),
  );

  api.post(`${base}/session`, async (c) => {
    const sourceId = c.req.param("sourceId");
    const source = widgetSource(desk, sourceId);
    const body = await jsonBody(c, widgetSessionSchema);
    const known = await readIdentity(desk, sourceId, body.token) ??
      await readIdentity(desk, sourceId, getCookie(c, cookieName(sourceId)));
    const { token, visitor } = await issueIdentity(desk, sourceId, known?.visitorId);
    setCookie(c, cookieName(sourceId), token, {
      httpOnly: true,
      sameSite: "Lax",
      path: "/api/v1/webchat",
      maxAge: 365 * 86400,
      secure: new URL(c.req.url).protocol === "https:",
    });
    return c.json({
      token,
      visitorId: visitor.visitorId,
      source: { id: source.id, name: source.name, defaultLanguage: source.defaultLanguage },
    });
  });

  api.get(`${base}/messages`, async (c) => {
    const v = await widgetVisitor(c, desk);
    const thread = await visitorThread(desk, v);
    return c.json({
      messages: thread ? await visitorMessages(desk, v, thread.id, publicOrigin(c, desk)) : [],
      conversationClosed: thread?.conversationClosed ?? false,
    });
  });

  api.post(`${base}/messages`, async (c) => {
    const v = await widgetVisitor(c, desk);
    const m = await jsonBody(c, widgetMessageSchema);
    return c.json(await postWidgetMessage(desk, v, m, publicOrigin(c, desk), clientAddress(c)), 202);
  });

  api.post(`${base}/uploads`, async (c) => {
    const v = await widgetVisitor(c, desk);
    // Counted before the body is read: a flood costs no more than its headers.
    await takeWidgetRate(desk, "upload", v, clientAddress(c));
    const bytes = await rawBody(c, MAX_UPLOAD_BYTES);
    let name: string | null = c.req.header("x-file-name") ?? null;
    try {
      name = name ? decodeURIComponent(name) : null;
    } catch { /* keep the raw header */ }
    const meta = await storeUpload(desk, uploadOwner(v), name, bytes);
    const url = await signedBlobUrl(desk, meta.id, publicOrigin(c, desk));
    return c.json({
      upload: { id: meta.id, name: meta.name, contentType: meta.contentType, size: meta.size, url },
    }, 201);
  });

  api.post(`${base}/close`, async (c) => {
    const v = await widgetVisitor(c, desk);
    return c.json(await closeWidgetConversation(desk, v), 202);
  });

  api.get(`${base}/events`, async (c) => {
    const v = await widgetVisitor(c, desk);
    return serveEvents(c, desk.streams, {
      name: "widget",
      owner: visitorOwner(v),
      messages: async function* (signal) {
        for await (const e of visitorEvents(desk, v, publicOrigin(c, desk), signal)) {
          yield { event: e.event, data: JSON.stringify(e.data) };
        }
      },
    });
  });

  api.get("/api/v1/blobs/:id", async (c) => {
    const token = tokenOf(c)?.token;
    const agentSignedIn = !!token && !!(await sessionOf(desk, token));
    const { meta, body } = await openBlob(
      desk,
      c.req.param("id"),
      { exp: c.req.query("exp"), sig: c.req.query("sig") },
      agentSignedIn,
    );
    const image = meta.contentType.startsWith("image/");
    return new Response(body, {
      headers: {
        "content-type": meta.contentType,
        "content-length": String(meta.size),
        "content-disposition": `${image ? "inline" : "attachment"}; filename*=UTF-8''${
          encodeURIComponent(meta.name)
        }`,
        "x-content-type-options": "nosniff",
        "content-security-policy": "default-src 'none'; sandbox",
        // Never kept longer than a link lasts.
        "cache-control": "private, max-age=3600",
        "cross-origin-resource-policy": "cross-origin",
      },
    });
  });

  api.post("/api/v1/interactions/:id/typing", requireAgent(desk), async (c) => {
    return c.json(await setAgentTyping(desk, c.get("agent"), c.req.param("id")));
  });
}
