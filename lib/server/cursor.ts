/**
 * Opaque page cursors (API.md `?cursor=`). Deno KV's own list cursor only encodes a position
 * after the listing's prefix: a forged or foreign one (another agent's folder, another thread's
 * audit) would silently list from a wrong place and answer an empty page. So every cursor handed
 * out carries an HMAC over the listing it belongs to and the KV cursor; anything else is refused
 * with a 400 before the store is read.
 */
import { sign } from "./crypto.ts";

/** Hex characters of the HMAC-SHA512 kept in a cursor (128 bits: unforgeable, still short). */
const MAC_CHARS = 32;

const mac = async (secret: string, scope: string, raw: string) =>
  (await sign(secret, `cursor:${scope}:${raw}`)).slice(0, MAC_CHARS);

/**
 * Seals the store's cursor `raw` for the listing named `scope`.
 * @example await sealCursor(secret, '["folder","alice","history"]', "AmZvbwA") // "AmZvbwA.3f1c…"
 */
export async function sealCursor(secret: string, scope: string, raw: string): Promise<string> {
  return `${raw}.${await mac(secret, scope, raw)}`;
}

/**
 * The store's cursor inside `sealed` when it was sealed for `scope` with `secret`, else null.
 * Compares in constant time.
 */
export async function openCursor(secret: string, scope: string, sealed: string): Promise<string | null> {
  const dot = sealed.lastIndexOf(".");
  if (dot <= 0) return null;
  const raw = sealed.slice(0, dot);
  const got = sealed.slice(dot + 1);
  // Deno KV cursors are base64 (padded); the seal is hex.
  if (!/^[A-Za-z0-9_\-+/]+=*$/.test(raw) || !/^[0-9a-f]+$/.test(got) || got.length !== MAC_CHARS) return null;
  const expected = await mac(secret, scope, raw);
  let diff = 0;
  for (let i = 0; i < MAC_CHARS; i++) diff |= expected.charCodeAt(i) ^ got.charCodeAt(i);
  return diff === 0 ? raw : null;
}
