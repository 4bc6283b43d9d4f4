/** Connector webhooks (API.md "Channel connectors"): signed, size-limited, idempotent. */
import type { App } from "../auth.ts";
import { Unauthorized } from "../../lib/shared/errors.ts";
import { describe } from "../../lib/server/openapi.ts";
import {
  inboundAcceptedSchema,
  inboundEventAcceptedSchema,
  inboundEventSchema,
  inboundMessageSchema,
} from "../../lib/shared/wire/api.ts";
import type { Desk } from "../../desk/desk.ts";
import { receiveEvent, receiveMessage } from "../../desk/inbound.ts";
import { verifySourceSignature } from "../../desk/secrets.ts";
import { parseJson, rawBody, validate } from "../http.ts";
import type { Context } from "hono";

describe({
  method: "post",
  path: "/api/v1/sources/:sourceId/messages",
  summary: "Post an inbound customer message (idempotent on `id`)",
  tag: "connectors",
  auth: "signature",
  body: inboundMessageSchema,
  responses: {
    202: { description: "Stored (or a duplicate of an earlier delivery)", schema: inboundAcceptedSchema },
  },
});
describe({
  method: "post",
  path: "/api/v1/sources/:sourceId/events",
  summary: "Post a connector event (conversation.closed); idempotent on `id`, and a close older " +
    "(`occurredAt`) than the thread's latest customer message closes nothing",
  tag: "connectors",
  auth: "signature",
  body: inboundEventSchema,
  responses: {
    202: {
      description: "Accepted (`closed` says whether it closed the conversation; `duplicate` a repeated id)",
      schema: inboundEventAcceptedSchema,
    },
  },
});

/** Verifies the source exists and the body's signature, before anything is parsed. */
async function signedBody(c: Context, desk: Desk): Promise<{ sourceId: string; value: unknown }> {
  const sourceId = c.req.param("sourceId")!;
  desk.ctx.source(sourceId); // 404 for an unknown source
  const bytes = await rawBody(c);
  if (!(await verifySourceSignature(desk.ctx, sourceId, bytes, c.req.header("x-signature")))) {
    throw new Unauthorized("Missing or bad X-Signature.", "bad_signature");
  }
  return { sourceId, value: parseJson(bytes) };
}

export function connectorRoutes(app: App, desk: Desk): void {
  app.post("/api/v1/sources/:sourceId/messages", async (c) => {
    const { sourceId, value } = await signedBody(c, desk);
    const result = await receiveMessage(desk, sourceId, validate(inboundMessageSchema, value));
    return c.json(result, 202);
  });
  app.post("/api/v1/sources/:sourceId/events", async (c) => {
    const { sourceId, value } = await signedBody(c, desk);
    return c.json(await receiveEvent(desk, sourceId, validate(inboundEventSchema, value)), 202);
  });
}
