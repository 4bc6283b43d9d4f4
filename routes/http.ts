/**
 * Request parsing shared by routes: size-limited raw bodies, depth-limited JSON, length-limited
 * path parameters, zod validation (400 with paths).
 */
import type { Context, MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { z } from "zod";
import { type ErrorDetail, Invalid, RequestTimeout, TooLarge, zodDetails } from "../lib/shared/errors.ts";

export const MAX_BODY_BYTES = 256 * 1024;

/** The TCP peer's address (a forwarded-for header is anyone's to write, so it is not trusted). */
export const clientAddress = (c: Context): string =>
  (c.env as { remoteAddr?: { hostname?: string } } | undefined)?.remoteAddr?.hostname ?? "unknown";

/**
 * How long reading one request body may take (ms). Deno.serve has no header or body read time
 * limit of its own, so a client sending its body slowly would otherwise hold the connection (and
 * the handler) as long as it likes. Tests shorten it with `setBodyReadLimit`.
 */
let bodyReadMs = 30_000;

export function setBodyReadLimit(ms: number): void {
  bodyReadMs = ms;
}

/**
 * Reads the raw body, refusing more than `limit` bytes (413) before and after reading, and a
 * body still incomplete after the read time limit (408). A body the client abandoned (closed
 * the connection) is answered 400 — nobody reads it — and logged nowhere.
 */
export async function rawBody(c: Context, limit = MAX_BODY_BYTES): Promise<Uint8Array> {
  const declared = Number(c.req.header("content-length") ?? NaN);
  if (declared > limit) throw new TooLarge(`Request body exceeds ${limit} bytes.`);
  const body = c.req.raw.body;
  if (!body) return new Uint8Array();
  const reader = body.getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<"expired">((r) => (timer = setTimeout(() => r("expired"), bodyReadMs)));
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const next = await Promise.race([reader.read(), expired]).catch((e) => {
        throw new Invalid(`The request body could not be read: ${(e as Error).name}.`, [], "body_unreadable");
      });
      if (next === "expired") throw new RequestTimeout();
      if (next.done) break;
      size += next.value.byteLength;
      if (size > limit) throw new TooLarge(`Request body exceeds ${limit} bytes.`);
      chunks.push(next.value);
    }
  } catch (e) {
    reader.cancel().catch(() => {});
    throw e;
  } finally {
    clearTimeout(timer);
  }
  const out = new Uint8Array(size);
  let off = 0;
  for (const ch of chunks) {
    out.set(ch, off);
    off += ch.byteLength;
  }
  return out;
}

/**
 * How deep a JSON value may nest. Deeper input is refused before anything walks it (a
 * recursive check would overflow the stack on a few thousand levels). Co-browsing DOM
 * snapshots nest as deep as the customer's page and pass their own, larger limit.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * The path (dot-separated) of the first place where `value` nests more than `max` levels, or
 * null. Iterative, so it is safe on any depth JSON.parse returns.
 * @example tooDeepAt({ a: [[1]] }, 2) // "a.0"
 */
export function tooDeepAt(value: unknown, max = MAX_JSON_DEPTH): string | null {
  const stack: { v: unknown; path: string[] }[] = [{ v: value, path: [] }];
  while (stack.length > 0) {
    const { v, path } = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    if (path.length >= max) return path.join(".");
    for (const [k, child] of Object.entries(v)) stack.push({ v: child, path: [...path, k] });
  }
  return null;
}

export function parseJson(bytes: Uint8Array, opts: { maxDepth?: number } = {}): unknown {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (e) {
    throw new Invalid(
      `Malformed JSON: ${(e as Error).message}`,
      [{ path: "", message: "not valid JSON" }],
      "invalid_json",
    );
  }
  const max = opts.maxDepth ?? MAX_JSON_DEPTH;
  const at = tooDeepAt(value, max);
  if (at !== null) {
    throw new Invalid(`JSON nests deeper than ${max} levels.`, [{
      path: at,
      message: `nested deeper than ${max} levels`,
    }]);
  }
  return value;
}

/** The longest path parameter (an id, a file name, a keyword) accepted, in characters. */
export const MAX_PATH_PARAM = 200;

/**
 * Refuses, before any handler reads KV, a path with a segment longer than `MAX_PATH_PARAM`
 * characters or with broken percent-encoding (400 naming the route's parameter). Registered
 * once for every route in app.ts, so no id reaches a KV key that the store would refuse.
 */
export const limitPathParams: MiddlewareHandler = async (c, next) => {
  const segments = c.req.path.split("/");
  const pattern = routePath(c, -1).split("/");
  const bad: ErrorDetail[] = [];
  segments.forEach((segment, i) => {
    const name = pattern[i]?.startsWith(":") ? pattern[i].slice(1).replace(/\{.*$/, "") : `path.${i}`;
    let value: string;
    try {
      value = decodeURIComponent(segment);
    } catch {
      bad.push({ path: name, message: "not valid percent-encoding" });
      return;
    }
    if (value.length > MAX_PATH_PARAM) {
      bad.push({ path: name, message: `longer than ${MAX_PATH_PARAM} characters` });
    }
  });
  if (bad.length > 0) throw new Invalid("Invalid path parameter.", bad);
  await next();
};

export function validate<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new Invalid("Invalid input.", zodDetails(r.error.issues));
  return r.data;
}

/** Reads, parses and validates a JSON body. An empty body validates as `{}`. */
export async function jsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const bytes = await rawBody(c);
  return validate(schema, bytes.length === 0 ? {} : parseJson(bytes));
}

/**
 * Validates the query string. With `emptyIsAbsent`, an empty parameter counts as absent: paging
 * clients that build `?limit=&cursor=` from unset values (a first page has no cursor) get the
 * defaults, not a 400.
 */
export function query<S extends z.ZodType>(
  c: Context,
  schema: S,
  opts: { emptyIsAbsent?: boolean } = {},
): z.infer<S> {
  const given = Object.entries(c.req.query()).filter(([, v]) => !opts.emptyIsAbsent || v !== "");
  return validate(schema, Object.fromEntries(given));
}

/**
 * API JSON is private and changes with every action: no browser or proxy may keep a copy (a
 * shared computer's back button must not show an agent's folders to the next person). Routes
 * that chose a cache policy keep theirs.
 */
export const noStoreJson: MiddlewareHandler = async (c, next) => {
  await next();
  const type = c.res.headers.get("content-type") ?? "";
  if (type.includes("application/json") && !c.res.headers.has("cache-control")) {
    c.res.headers.set("cache-control", "no-store");
  }
};

/**
 * The origin to build links and upload URLs from: the configured public URL (`PUBLIC_URL`, or
 * the listening address main.ts records), never the request's Host header. Only an embedding
 * that never set one (a benchmark's in-process server) falls back to the request URL.
 */
export function publicOrigin(c: Context, desk: { ctx: { publicUrl: string | null } }): string {
  return desk.ctx.publicUrl ?? new URL(c.req.url).origin;
}
