/** Request parsing shared by routes: size-limited raw bodies, JSON, zod validation (400 with paths). */
import type { Context } from "hono";
import type { z } from "zod";
import { Invalid, TooLarge, zodDetails } from "../lib/errors.ts";

export const MAX_BODY_BYTES = 256 * 1024;

/** The TCP peer's address (a forwarded-for header is anyone's to write, so it is not trusted). */
export const clientAddress = (c: Context): string =>
  (c.env as { remoteAddr?: { hostname?: string } } | undefined)?.remoteAddr?.hostname ?? "unknown";

/** Reads the raw body, refusing more than `limit` bytes (413) before and after reading. */
export async function rawBody(c: Context, limit = MAX_BODY_BYTES): Promise<Uint8Array> {
  const declared = Number(c.req.header("content-length") ?? NaN);
  if (declared > limit) throw new TooLarge(`Request body exceeds ${limit} bytes.`);
  const body = c.req.raw.body;
  if (!body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > limit) throw new TooLarge(`Request body exceeds ${limit} bytes.`);
    chunks.push(chunk);
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
