/**
 * Signed, expiring links: `path?exp=<unix seconds>&sig=<hex HMAC-SHA512>` where the signature
 * covers the path and the expiry. Whoever holds the link may use it until it expires (uploaded
 * attachments, an expert's temporary links); nobody can forge or extend one without the secret.
 */
import { sign } from "./crypto.ts";

const payload = (path: string, exp: number) => `link:${path}:${exp}`;

/**
 * Signs `path` (no query string) until `expiresAtMs`.
 * @example signLink(secret, "/api/v1/blobs/01H…", Date.now() + 7 * 86400_000) // "/api/v1/blobs/01H…?exp=…&sig=…"
 */
export async function signLink(secret: string, path: string, expiresAtMs: number): Promise<string> {
  const exp = Math.ceil(expiresAtMs / 1000);
  return `${path}?exp=${exp}&sig=${await sign(secret, payload(path, exp))}`;
}

/**
 * True when `sig` is the signature of `path` with expiry `exp` (unix seconds) and `nowMs` is
 * before that expiry. Compares in constant time. Only the canonical form `signLink` writes is
 * accepted (no leading zero, lowercase hex): one signed link has exactly one spelling.
 */
export async function verifyLink(
  secret: string,
  path: string,
  exp: string | null | undefined,
  sig: string | null | undefined,
  nowMs: number,
): Promise<boolean> {
  if (!exp || !/^[1-9]\d{0,11}$/.test(exp) || !sig || !/^[0-9a-f]{128}$/.test(sig)) return false;
  if (Number(exp) * 1000 <= nowMs) return false;
  const expected = await sign(secret, payload(path, Number(exp)));
  let diff = 0;
  for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ sig.charCodeAt(i);
  return diff === 0;
}
