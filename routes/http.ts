/** Request parsing shared by routes: size-limited raw bodies, JSON, zod validation (400 with paths). */
import type { Context } from "hono";
import type { z } from "zod";
import { Invalid, RequestTimeout, TooLarge, zodDetails } from "../lib/errors.ts";

export const MAX_BODY_BYTES = 256 * 1024;

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

export function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (e) {
    throw new Invalid(
      `Malformed JSON: ${(e as Error).message}`,
      [{ path: "", message: "not valid JSON" }],
      "invalid_json",
    );
  }
}

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
