/**
 * Co-browsing on messaging sources (A15). The customer is not in our widget there, so the
 * agent's request reaches them as a message through the connector: a link to a page of the
 * customer-facing site that embeds widget.js (`sources[].cobrowseUrl`), carrying a signed
 * invitation in its fragment — which browsers send to no server and keep out of `Referer`.
 *
 * The invitation is valid `INVITE_TTL_MS` and good for one acceptance: accepting on that page
 * (where the customer sees exactly what will be shared) exchanges it for a random key bound to
 * that browser, of which only a hash is stored; the key then authorises the relay until the
 * session ends. Someone who intercepts the link after the customer accepted can do nothing with
 * it, and nobody can forge or extend one without the deployment's secret.
 */
import { randomToken, sha256Hex, sign } from "../lib/server/crypto.ts";
import type { SourceConfig } from "../lib/shared/config.ts";
import type { Desk } from "./desk.ts";
import { appSecret } from "./secrets.ts";

export const INVITE_TTL_MS = 10 * 60_000;
/** The fragment parameter the widget looks for: `#rd-cobrowse=<token>`. */
export const INVITE_PARAM = "rd-cobrowse";

const payload = (sessionId: string, exp: number) => `cobrowse-invite:${sessionId}:${exp}`;
const TOKEN = /^i1\.([0-9A-Z]{26})\.(\d{1,12})\.([0-9a-f]{128})$/;
const KEY = /^k1\.[A-Za-z0-9_-]{43}$/;

/** The invitation token of a session: `i1.<sessionId>.<exp seconds>.<hmac>`. */
export async function inviteToken(desk: Desk, sessionId: string, expiresAtMs: number): Promise<string> {
  const exp = Math.floor(expiresAtMs / 1000);
  return `i1.${sessionId}.${exp}.${await sign(await appSecret(desk.kv, "links"), payload(sessionId, exp))}`;
}

/** Checks an invitation token for `sessionId` (constant-time comparison). */
export async function checkInvite(
  desk: Desk,
  sessionId: string,
  token: string,
): Promise<"ok" | "expired" | "bad"> {
  const m = TOKEN.exec(token);
  if (!m || m[1] !== sessionId) return "bad";
  const expected = await sign(await appSecret(desk.kv, "links"), payload(sessionId, Number(m[2])));
  let diff = 0;
  for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ m[3].charCodeAt(i);
  if (diff !== 0) return "bad";
  return Number(m[2]) * 1000 > desk.ctx.now() ? "ok" : "expired";
}

export const isInviteToken = (s: string) => s.startsWith("i1.");
export const isGuestKey = (s: string) => KEY.test(s);

/** A new browser key for an accepted invitation, and the hash the session keeps. */
export async function newGuestKey(): Promise<{ key: string; hash: string }> {
  const key = `k1.${randomToken(32)}`;
  return { key, hash: await sha256Hex(key) };
}

/** True when `key` is the key whose hash the session keeps (constant-time comparison). */
export async function guestKeyMatches(key: string, hash: string | null): Promise<boolean> {
  if (!hash || !isGuestKey(key)) return false;
  const h = await sha256Hex(key);
  let diff = h.length ^ hash.length;
  for (let i = 0; i < h.length; i++) diff |= h.charCodeAt(i) ^ hash.charCodeAt(i);
  return diff === 0;
}

/** The link sent to the customer: the source's co-browsing page with the token in its fragment. */
export function inviteUrl(source: SourceConfig, origin: string, token: string): string | null {
  if (!source.cobrowseUrl) return null;
  const url = new URL(source.cobrowseUrl, origin);
  url.hash = `${INVITE_PARAM}=${token}`;
  return url.href;
}

const TEXTS = {
  en: (name: string, url: string, minutes: number) =>
    `${name} would like to see the page you are on, to help you. To share it, open this link ` +
    `(valid ${minutes} minutes) and accept: ${url}`,
  fr: (name: string, url: string, minutes: number) =>
    `${name} souhaite voir la page sur laquelle vous êtes, pour vous aider. Pour la partager, ` +
    `ouvrez ce lien (valable ${minutes} minutes) et acceptez : ${url}`,
};

/** The invitation message, in the thread's language (English unless French). */
export function inviteText(language: string | null, agentName: string, url: string): string {
  const t = language?.startsWith("fr") ? TEXTS.fr : TEXTS.en;
  return t(agentName, url, Math.round(INVITE_TTL_MS / 60_000));
}
