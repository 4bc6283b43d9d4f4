/** Signatures, password hashes and tokens: WebCrypto for the slow hash, node:crypto for HMACs and digests. */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

const enc = new TextEncoder();

export const toHex = (buf: ArrayBuffer | Uint8Array): string =>
  Array.from(buf instanceof Uint8Array ? buf : new Uint8Array(buf), (b) => b.toString(16).padStart(2, "0"))
    .join("");

export function toBase64Url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

export function fromBase64Url(s: string): Uint8Array {
  const b = atob(s.replaceAll("-", "+").replaceAll("_", "/") + "===".slice((s.length + 3) % 4));
  return Uint8Array.from(b, (c) => c.charCodeAt(0));
}

/** Hex HMAC-SHA512 of `body` keyed with `secret` (the `X-Signature` header). */
export function sign(secret: string, body: string | Uint8Array): Promise<string> {
  return Promise.resolve(createHmac("sha512", secret).update(body).digest("hex"));
}

/**
 * Verifies a hex HMAC-SHA512 signature in constant time (timingSafeEqual). In place, like
 * `sha256Hex`: WebCrypto's verify was a thread-pool round trip per webhook (57 µs against 15).
 */
export function verifySignature(
  secret: string,
  body: Uint8Array,
  signatureHex: string | null | undefined,
): Promise<boolean> {
  if (!signatureHex || !/^[0-9a-fA-F]{128}$/.test(signatureHex.trim())) return Promise.resolve(false);
  const sig = Uint8Array.from(signatureHex.trim().match(/../g)!.map((h) => parseInt(h, 16)));
  return Promise.resolve(timingSafeEqual(createHmac("sha512", secret).update(body).digest(), sig));
}

export const PBKDF2_ITERATIONS = 210_000;

async function pbkdf2(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", enc.encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt: salt as BufferSource, iterations },
    key,
    256,
  );
  return new Uint8Array(bits);
}

/** A salted slow hash: `pbkdf2-sha256$<iterations>$<salt>$<hash>` (base64url). */
export async function hashPassword(password: string, iterations = PBKDF2_ITERATIONS): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const hash = await pbkdf2(password, salt, iterations);
  return `pbkdf2-sha256$${iterations}$${toBase64Url(salt)}$${toBase64Url(hash)}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  // A malformed stored hash (e.g. hand-written in the configuration) fails the check: never a 500.
  const m = /^pbkdf2-sha256\$([1-9]\d{0,8})\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/.exec(stored);
  if (!m) return false;
  let salt: Uint8Array, expected: Uint8Array;
  try {
    salt = fromBase64Url(m[2]);
    expected = fromBase64Url(m[3]);
  } catch {
    return false;
  }
  const actual = await pbkdf2(password, salt, Number(m[1]));
  if (actual.length !== expected.length) return false;
  let diff = 0;
  for (let i = 0; i < actual.length; i++) diff |= actual[i] ^ expected[i];
  return diff === 0;
}

/** A random URL-safe token. */
export const randomToken = (bytes = 32): string => toBase64Url(crypto.getRandomValues(new Uint8Array(bytes)));

/**
 * Hex SHA-256. Computed in place (node:crypto): WebCrypto's digest is a round trip through a
 * thread pool, 30-60 µs a call against 1.5 µs, and every authenticated request hashes its
 * session token (a visible share of a loaded server's CPU). Same digest either way.
 */
export function sha256Hex(s: string | Uint8Array): Promise<string> {
  return Promise.resolve(createHash("sha256").update(s).digest("hex"));
}

/** A short content hash for file names that change with their content (cache busting). */
export const contentHash = async (bytes: Uint8Array): Promise<string> =>
  (await sha256Hex(bytes)).slice(0, 12);
