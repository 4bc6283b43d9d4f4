/**
 * The served API reference: every route registers its operation here with the same zod schemas
 * it validates with, and `openApiDocument` renders them as OpenAPI 3.1.
 */
import { z } from "zod";
import { errorSchema } from "../shared/wire/api.ts";

export type Operation = {
  method: "get" | "post" | "put" | "delete";
  path: string;
  summary: string;
  tag: string;
  /** `cookie`: the browser pages' session cookie (they redirect to /login without one). */
  auth: "bearer" | "signature" | "widget" | "cookie" | "none";
  body?: z.ZodType;
  /** The request body's media type (default `application/json`; the sign-in form posts a form). */
  bodyType?: string;
  query?: z.ZodType;
  responses: Record<number, { description: string; schema?: z.ZodType; contentType?: string }>;
};

const operations: Operation[] = [];

/** Registers one served operation; every route module describes the routes it mounts. */
export function describe(op: Operation): void {
  operations.push(op);
}

const toSchema = (s: z.ZodType, io: "input" | "output") => z.toJSONSchema(s, { io, unrepresentable: "any" });

const ERRORS: Record<number, string> = {
  400: "Invalid input: `details` lists each bad field's path",
  401: "No or bad credentials or signature",
  403: "Not permitted",
  404: "Unknown, or not visible to this agent",
  409: "State conflict",
  413: "Body too large",
  429: "Rate limited",
};

export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const path = op.path.replace(/:(\w+)/g, "{$1}");
    const params = [...op.path.matchAll(/:(\w+)/g)].map((m) => ({
      name: m[1],
      in: "path",
      required: true,
      schema: { type: "string" },
    }));
    if (op.query) {
      const q = toSchema(op.query, "input") as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, schema] of Object.entries(q.properties ?? {})) {
        params.push({ name, in: "query", required: q.required?.includes(name) ?? false, schema } as never);
      }
    }
    const responses: Record<string, unknown> = {};
    for (const [status, r] of Object.entries(op.responses)) {
      responses[status] = {
        description: r.description,
        ...(r.schema
          ? { content: { [r.contentType ?? "application/json"]: { schema: toSchema(r.schema, "output") } } }
          : {}),
      };
    }
    for (const [status, description] of Object.entries(ERRORS)) {
      responses[status] ??= {
        description,
        content: { "application/json": { schema: toSchema(errorSchema, "output") } },
      };
    }
    (paths[path] ??= {})[op.method] = {
      summary: op.summary,
      tags: [op.tag],
      ...(params.length ? { parameters: params } : {}),
      ...(op.body
        ? {
          requestBody: {
            required: true,
            content: { [op.bodyType ?? "application/json"]: { schema: toSchema(op.body, "input") } },
          },
        }
        : {}),
      responses,
      security: op.auth === "bearer"
        ? [{ bearer: [] }, { cookie: [] }]
        : op.auth === "signature"
        ? [{ signature: [] }]
        : op.auth === "widget"
        ? [{ widget: [] }]
        : op.auth === "cookie"
        ? [{ cookie: [] }]
        : [],
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Routing desk API",
      version: "1.0.0",
      description: "Connector webhooks, the agent API and the agent event stream. Errors use one body: " +
        '{"error": {"code", "message", "details"}}.',
    },
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "token from POST /api/v1/session" },
        cookie: {
          type: "apiKey",
          in: "cookie",
          name: "rd_session",
          description: "browser session; state changes need X-CSRF-Token",
        },
        signature: {
          type: "apiKey",
          in: "header",
          name: "X-Signature",
          description: "hex HMAC-SHA512 of the raw body keyed with the source secret",
        },
        widget: {
          type: "apiKey",
          in: "header",
          name: "X-Widget-Token",
          description:
            "web chat visitor identity from POST /api/v1/webchat/{sourceId}/session (event streams: ?token=)",
        },
      },
    },
    paths,
  };
}
