/**
 * Rate limits for anonymous callers (the web chat widget). Each subject (a visitor, a client
 * address) is counted in fixed windows kept in KV, so every instance on a shared store sees the
 * same counts; the limit applies to a sliding-window estimate (the current window plus the
 * previous one weighted by how much of it the sliding window still covers), which avoids the
 * burst of twice the limit that plain fixed windows allow at a window boundary.
 */
import { transact } from "./actor.ts";
import { RateLimited } from "./errors.ts";
import { keys } from "./keys.ts";

export type Limit = { max: number; windowMs: number };
export type Counts = { previous: number; current: number };
export type RateDecision = { ok: true } | { ok: false; retryAfterMs: number };

/**
 * Whether one more request fits under `limit` at `nowMs`, and if not, how long until it does.
 * @example decideRate({ previous: 0, current: 5 }, { max: 5, windowMs: 60_000 }, 30_000) // { ok: false, retryAfterMs: 42_000 }
 */
export function decideRate(c: Counts, limit: Limit, nowMs: number): RateDecision {
  const w = limit.windowMs;
  const into = (nowMs % w) / w;
  if (c.previous * (1 - into) + c.current + 1 <= limit.max) return { ok: true };
  const left = w - (nowMs % w);
  // Later in this window the previous window weighs less; failing that, the next window
  // starts with this one as its "previous".
  if (c.previous > 0 && c.current + 1 <= limit.max) {
    const x = 1 - (limit.max - 1 - c.current) / c.previous;
    return { ok: false, retryAfterMs: Math.max(1, Math.ceil(x * w - (nowMs % w))) };
  }
  const x = c.current > 0 ? Math.max(0, 1 - (limit.max - 1) / c.current) : 0;
  return { ok: false, retryAfterMs: Math.max(1, Math.ceil(left + x * w)) };
}

export type RateCheck = { scope: string; subject: string; limit: Limit };

/**
 * Counts one request against every check, all or nothing: when any subject is over its limit,
 * nothing is counted and `RateLimited` is thrown (the caller then stores nothing either).
 */
export async function takeRate(kv: Deno.Kv, checks: RateCheck[], nowMs: number, what: string): Promise<void> {
  await transact(kv, async (tx) => {
    const writes: { key: Deno.KvKey; value: number; expireIn: number }[] = [];
    let wait = 0;
    for (const { scope, subject, limit } of checks) {
      const window = Math.floor(nowMs / limit.windowMs);
      const cur = keys.rateWindow(scope, subject, window);
      const counts = {
        previous: (await tx.get<number>(keys.rateWindow(scope, subject, window - 1))) ?? 0,
        current: (await tx.get<number>(cur)) ?? 0,
      };
      const d = decideRate(counts, limit, nowMs);
      if (!d.ok) wait = Math.max(wait, d.retryAfterMs);
      // Kept for two windows: the next window reads this one as its "previous".
      writes.push({ key: cur, value: counts.current + 1, expireIn: 2 * limit.windowMs });
    }
    if (wait > 0) {
      const s = Math.ceil(wait / 1000);
      throw new RateLimited(`Too many ${what}: try again in ${s} s.`, s);
    }
    for (const w of writes) tx.set(w.key, w.value, w.expireIn);
  });
}
