/**
 * Secrets: per-deployment ones kept in KV — created at random on first use (the first writer
 * wins, so every instance on a shared KV signs with the same key) and cached per KV store — and
 * the verification of configured webhook secrets, which accepts a replaced secret during its
 * grace period (SPEC M1a, `secretGracePeriod`).
 */
import { randomToken, verifySignature } from "../lib/server/crypto.ts";
import { keys } from "../lib/server/keys.ts";
import type { DeskContext } from "./context.ts";

/** True when `signature` signs `body` with one of `secrets` (each checked in constant time). */
async function signedByAny(
  secrets: string[],
  body: Uint8Array,
  signature: string | undefined,
): Promise<boolean> {
  for (const secret of secrets) if (await verifySignature(secret, body, signature)) return true;
  return false;
}

/** A connector's `X-Signature`: the source's secret, or the one it replaced while in its grace period. */
export function verifySourceSignature(
  ctx: DeskContext,
  sourceId: string,
  body: Uint8Array,
  signature: string | undefined,
): Promise<boolean> {
  return signedByAny(ctx.sourceSecrets(sourceId), body, signature);
}

/** An expert's answer `X-Signature`, like `verifySourceSignature` (no secret: nothing verifies). */
export function verifyExpertSignature(
  ctx: DeskContext,
  expertId: string,
  body: Uint8Array,
  signature: string | undefined,
): Promise<boolean> {
  return signedByAny(ctx.expertSecrets(expertId), body, signature);
}

export const SECRET_PURPOSES = ["links", "webchat"] as const;
export type SecretPurpose = (typeof SECRET_PURPOSES)[number];

const cache = new WeakMap<Deno.Kv, Map<SecretPurpose, Promise<string>>>();

async function load(kv: Deno.Kv, purpose: SecretPurpose): Promise<string> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const cur = await kv.get<string>(keys.appSecret(purpose));
    if (cur.value) return cur.value;
    const fresh = randomToken(48);
    const res = await kv.atomic().check(cur).set(keys.appSecret(purpose), fresh).commit();
    if (res.ok) return fresh;
  }
  throw new Error(`cannot create the ${purpose} secret`);
}

/** The secret for `purpose` on this KV store. */
export function appSecret(kv: Deno.Kv, purpose: SecretPurpose): Promise<string> {
  let byPurpose = cache.get(kv);
  if (!byPurpose) cache.set(kv, byPurpose = new Map());
  let p = byPurpose.get(purpose);
  if (!p) {
    p = load(kv, purpose);
    byPurpose.set(purpose, p);
    p.catch(() => byPurpose!.delete(purpose));
  }
  return p;
}

/**
 * Creates every secret at start-up, so no request writes one: a refused request (a forged link,
 * a bad widget token) then changes nothing in the store.
 */
export async function ensureAppSecrets(kv: Deno.Kv): Promise<void> {
  await Promise.all(SECRET_PURPOSES.map((p) => appSecret(kv, p)));
}
