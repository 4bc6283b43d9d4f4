/**
 * Per-deployment secrets kept in KV: created at random on first use (the first writer wins, so
 * every instance on a shared KV signs with the same key) and cached per KV store.
 */
import { randomToken } from "../lib/crypto.ts";
import { keys } from "../lib/keys.ts";

export type SecretPurpose = "links" | "webchat";

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
