/**
 * Co-browsing (SPEC A15) over HTTP: the agent side (bearer or cookie + CSRF, permission
 * `cobrowse`, own session only) and the customer side — the chat widget's visitor (widget
 * token, own session only), or on messaging sources the holder of the invitation link and then
 * of the key its acceptance returned (`/api/v1/guest/cobrowse/…`). Up: the widget posts rrweb
 * batches, the agent pane reads them as server-sent events; down: the agent posts commands,
 * the widget reads them as server-sent events.
 */
import type { Context } from "hono";
import { cors } from "hono/cors";
import { z } from "zod";
import { describe } from "../../lib/server/openapi.ts";
import {
  cobrowseCommandSchema,
  cobrowseControlSchema,
  cobrowseUpSchema,
  cobrowseViewSchema,
} from "../../lib/shared/wire/webchat.ts";
import { requirePermission } from "../../desk/access.ts";
import {
  answerCobrowse,
  cobrowseView,
  type Customer,
  endCobrowse,
  getAgentSession,
  getCustomerSession,
  interactionSession,
  logHead,
  relayDown,
  relayUp,
  requestCobrowse,
  requestSnapshot,
  revokeControl,
  setAgentControl,
} from "../../desk/cobrowse.ts";
import type { Desk } from "../../desk/desk.ts";
import { type SessionEvent, sessionEvents } from "../../desk/live.ts";
import { type App, type AuthEnv, requireAgent } from "../auth.ts";
import { jsonBody, parseJson, publicOrigin, rawBody, validate } from "../http.ts";
import { visitorOwner, WIDGET_TOKEN_HEADER, widgetVisitor } from "./webchat.ts";
import { serveEvents } from "../sse.ts";
import { Unauthorized } from "../../lib/shared/errors.ts";

/** A full snapshot of a big page can be large; batches are split into log parts. */
const MAX_UP_BYTES = 4 * 1024 * 1024;

const one = z.object({ cobrowse: cobrowseViewSchema });
const stream200 = {
  200: { description: "text/event-stream", contentType: "text/event-stream", schema: z.string() },
};
const agentOps: {
  method: "get" | "post";
  path: string;
  summary: string;
  body?: z.ZodType;
  status?: number;
}[] = [
  {
    method: "post",
    path: "/api/v1/interactions/:id/cobrowse",
    summary: "Request co-browsing with the customer: in the chat widget, or on a messaging source a " +
      "message through the connector with a signed link (10 minutes, one acceptance) to the source's cobrowseUrl",
    status: 201,
  },
  { method: "get", path: "/api/v1/cobrowse/:id", summary: "A co-browsing session (its agent only)" },
  {
    method: "post",
    path: "/api/v1/cobrowse/:id/control",
    summary: "Take or release control of the customer's page",
    body: cobrowseControlSchema,
  },
  { method: "post", path: "/api/v1/cobrowse/:id/end", summary: "End the co-browsing session (agent side)" },
];
for (const op of agentOps) {
  describe({
    ...op,
    tag: "cobrowse",
    auth: "bearer",
    responses: { [op.status ?? 200]: { description: "The session", schema: one } },
  });
}
describe({
  method: "get",
  path: "/api/v1/interactions/:id/cobrowse",
  summary: "The agent's latest co-browsing session on this interaction, or null",
  tag: "cobrowse",
  auth: "bearer",
  responses: {
    200: {
      description: "The session or null",
      schema: z.object({ cobrowse: cobrowseViewSchema.nullable() }),
    },
  },
});
describe({
  method: "post",
  path: "/api/v1/cobrowse/:id/commands",
  summary: "Send a command to the customer's page: pointer, click, key, scroll (need control) or highlight",
  tag: "cobrowse",
  auth: "bearer",
  body: cobrowseCommandSchema,
  responses: { 202: { description: "Relayed", schema: z.object({ seq: z.number() }) } },
});
describe({
  method: "get",
  path: "/api/v1/cobrowse/:id/events",
  summary:
    "Agent pane stream: `state` (the session) and `rrweb` (a JSON array of rrweb events). Ends with stream.replaced (more than 5 streams of one owner; do not reconnect) or server.stopping (reconnect).",
  tag: "cobrowse",
  auth: "bearer",
  responses: stream200,
});
const wbase = "/api/v1/webchat/:sourceId/cobrowse/:id";
for (const action of ["accept", "decline", "revoke", "end"]) {
  describe({
    method: "post",
    path: `${wbase}/${action}`,
    summary: `Web chat: the customer ${
      action === "revoke" ? "revokes the agent's control" : `${action}s co-browsing`
    }`,
    tag: "cobrowse",
    auth: "widget",
    responses: { 200: { description: "The session", schema: one } },
  });
}
describe({
  method: "post",
  path: `${wbase}/events`,
  summary: "Web chat: relay a batch of rrweb events to the agent (active session only)",
  tag: "cobrowse",
  auth: "widget",
  body: cobrowseUpSchema,
  responses: { 202: { description: "Relayed", schema: z.object({ seq: z.number() }) } },
});
describe({
  method: "get",
  path: `${wbase}/stream`,
  summary:
    "Web chat: the customer page's stream: `state` and `command` (?token=). Ends with stream.replaced (more than 5 streams of one owner; do not reconnect) or server.stopping (reconnect).",
  tag: "cobrowse",
  auth: "widget",
  responses: stream200,
});

const gbase = "/api/v1/guest/cobrowse/:id";
const guestAuth = "X-Widget-Token: the invitation token (from the link) or, once accepted, the key";
describe({
  method: "get",
  path: gbase,
  summary: `Co-browsing by invitation (messaging sources): the session (${guestAuth})`,
  tag: "cobrowse",
  auth: "widget",
  responses: { 200: { description: "The session", schema: one } },
});
describe({
  method: "post",
  path: `${gbase}/accept`,
  summary: "Co-browsing by invitation: accept (invitation token, once); returns the key for the rest",
  tag: "cobrowse",
  auth: "widget",
  responses: {
    200: { description: "The session and the key", schema: one.extend({ key: z.string().nullable() }) },
  },
});
for (const action of ["decline", "revoke", "end"]) {
  describe({
    method: "post",
    path: `${gbase}/${action}`,
    summary: `Co-browsing by invitation: the customer ${
      action === "revoke" ? "revokes the agent's control" : `${action}s`
    } (${action === "decline" ? "invitation token" : "key"})`,
    tag: "cobrowse",
    auth: "widget",
    responses: { 200: { description: "The session", schema: one } },
  });
}
describe({
  method: "post",
  path: `${gbase}/events`,
  summary: "Co-browsing by invitation: relay a batch of rrweb events to the agent (key)",
  tag: "cobrowse",
  auth: "widget",
  body: cobrowseUpSchema,
  responses: { 202: { description: "Relayed", schema: z.object({ seq: z.number() }) } },
});
describe({
  method: "get",
  path: `${gbase}/stream`,
  summary:
    "Co-browsing by invitation: the page's stream, `state` and `command` (?token=<key>). Ends with stream.replaced (more than 5 streams of one owner; do not reconnect) or server.stopping (reconnect).",
  tag: "cobrowse",
  auth: "widget",
  responses: stream200,
});

/** The guest's credential: the invitation token or the key, in the widget header or `?token=`. */
function guest(c: Context): Customer {
  const token = c.req.header(WIDGET_TOKEN_HEADER) ?? c.req.query("token");
  if (!token || token.length > 400) {
    throw new Unauthorized("Missing co-browsing credential.", "bad_cobrowse_link");
  }
  return { guest: token };
}

function pipe(
  c: Context,
  desk: Desk,
  owner: string | null,
  events: (signal: AbortSignal) => AsyncGenerator<SessionEvent>,
  batchName: string,
  onOpen?: () => Promise<void>,
) {
  return serveEvents(c, desk.streams, {
    name: "co-browsing",
    owner,
    messages: async function* (signal) {
      const it = events(signal);
      await onOpen?.();
      for await (const e of it) {
        yield {
          event: e.event === "batch" ? batchName : "state",
          data: e.event === "batch" ? e.data : JSON.stringify(e.data),
        };
      }
    },
  });
}

export function cobrowseRoutes(api: App, desk: Desk): void {
  const agentOnly = requireAgent(desk);
  const allowed = (c: Context<AuthEnv>) => {
    requirePermission(desk.ctx, c.get("agent"), "cobrowse");
    return c.get("agent");
  };

  api.post("/api/v1/interactions/:id/cobrowse", agentOnly, async (c) => {
    const s = await requestCobrowse(desk, c.get("agent"), c.req.param("id"), publicOrigin(c, desk));
    return c.json({ cobrowse: cobrowseView(desk, s) }, 201);
  });
  api.get("/api/v1/interactions/:id/cobrowse", agentOnly, async (c) => {
    const s = await interactionSession(desk, allowed(c), c.req.param("id"));
    return c.json({ cobrowse: s ? cobrowseView(desk, s) : null });
  });
  api.get("/api/v1/cobrowse/:id", agentOnly, async (c) => {
    return c.json({
      cobrowse: cobrowseView(desk, await getAgentSession(desk, allowed(c), c.req.param("id"))),
    });
  });
  api.post("/api/v1/cobrowse/:id/control", agentOnly, async (c) => {
    const agent = allowed(c);
    const { enabled } = await jsonBody(c, cobrowseControlSchema);
    return c.json({
      cobrowse: cobrowseView(desk, await setAgentControl(desk, agent, c.req.param("id"), enabled)),
    });
  });
  api.post("/api/v1/cobrowse/:id/end", agentOnly, async (c) => {
    return c.json({
      cobrowse: cobrowseView(desk, await endCobrowse(desk, { agent: allowed(c) }, c.req.param("id"))),
    });
  });
  api.post("/api/v1/cobrowse/:id/commands", agentOnly, async (c) => {
    const agent = allowed(c);
    const command = await jsonBody(c, cobrowseCommandSchema);
    return c.json({ seq: await relayDown(desk, agent, c.req.param("id"), command) }, 202);
  });
  api.get("/api/v1/cobrowse/:id/events", agentOnly, async (c) => {
    const agent = allowed(c);
    const id = c.req.param("id");
    const s = await getAgentSession(desk, agent, id);
    const from = await logHead(desk, id, "up");
    // A view that opens mid-session asks the page for a fresh full snapshot to start from.
    // Co-browsing streams count apart from the event streams of the same session or visitor.
    const owner = `cobrowse:session:${c.get("token")}`;
    return pipe(
      c,
      desk,
      owner,
      (signal) => sessionEvents(desk, id, "up", from, signal),
      "rrweb",
      async () => {
        if (s.state === "active") await requestSnapshot(desk, agent, id).catch(() => {});
      },
    );
  });

  /** The customer side, for the widget's visitor and for a guest invited by link alike. */
  const customerRoutes = (base: string, who: (c: Context) => Promise<Customer> | Customer) => {
    for (const action of ["accept", "decline", "revoke", "end"] as const) {
      api.post(`${base}/${action}`, async (c) => {
        const customer = await who(c);
        const id = c.req.param("id")!;
        if (action === "accept" || action === "decline") {
          const { session, key } = await answerCobrowse(desk, customer, id, action === "accept");
          return c.json({ cobrowse: cobrowseView(desk, session), ...("guest" in customer ? { key } : {}) });
        }
        const s = action === "revoke"
          ? await revokeControl(desk, customer, id)
          : await endCobrowse(desk, customer, id);
        return c.json({ cobrowse: cobrowseView(desk, s) });
      });
    }
    api.post(`${base}/events`, async (c) => {
      const customer = await who(c);
      const { events } = validate(
        cobrowseUpSchema,
        parseJson(await rawBody(c, MAX_UP_BYTES), { maxDepth: 1000 }),
      );
      return c.json({ seq: await relayUp(desk, customer, c.req.param("id")!, events) }, 202);
    });
    api.get(`${base}/stream`, async (c) => {
      const customer = await who(c);
      const id = c.req.param("id")!;
      const s = await getCustomerSession(desk, customer, id);
      // An invitation may look at the session, not read its commands: that takes the key.
      if ("guest" in customer && !s.guestKeyHash) {
        throw new Unauthorized("Accept the invitation first.", "bad_cobrowse_link");
      }
      const from = await logHead(desk, id, "down");
      const owner = `cobrowse:${
        "visitor" in customer ? visitorOwner(customer.visitor) : `guest:${customer.guest}`
      }`;
      return pipe(c, desk, owner, (signal) => sessionEvents(desk, id, "down", from, signal), "command");
    });
  };
  customerRoutes(wbase, async (c) => ({ visitor: await widgetVisitor(c, desk) }));

  // Invitations by link land on any site that embeds the widget.
  api.use(
    "/api/v1/guest/*",
    cors({
      origin: "*",
      allowHeaders: ["content-type", WIDGET_TOKEN_HEADER],
      allowMethods: ["GET", "POST"],
      maxAge: 600,
    }),
  );
  api.get(gbase, async (c) => {
    return c.json({
      cobrowse: cobrowseView(desk, await getCustomerSession(desk, guest(c), c.req.param("id")!)),
    });
  });
  customerRoutes(gbase, guest);
}
