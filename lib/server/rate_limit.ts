/**
 * Rate limits, kept in KV so every instance on a shared store sees the same counts.
 *
 * - Request rates (`takeRate`, the web chat widget): each subject (a visitor, a client address)
 *   is counted in fixed windows; the limit applies to a sliding-window estimate (the current
 *   window plus the previous one weighted by how much of it the sliding window still covers),
 *   which avoids the burst of twice the limit that plain fixed windows allow at a boundary.
 * - Failure throttles (`reserveAttempt`, sign-in): after a few free failures each further
 *   attempt waits a delay that doubles with every failure, up to a cap — never a permanent lock,
 *   so the real owner gets in once the delay has passed.
 *
 * Both refuse with the one `RateLimited` (429 + `Retry-After`) and count atomically.
 */
import { transact } from "./actor.ts";
import { RateLimited } from "../shared/errors.ts";
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

/** Failures tolerated before delays start, the first delay (doubling after), and the cap. */
export type ThrottlePolicy = { free: number; baseMs: number; maxMs: number };
/** Failures of one subject; forgotten `forgetMs` after the last one. */
export type Failures = { count: number; lastAt: number };

const FORGET_MS = 3600_000;

/**
 * How long `f` makes the next attempt wait at `nowMs` (0: go ahead). The n-th failure beyond
 * the free ones makes the next attempt wait `baseMs × 2^(n-1)` after it, at most `maxMs`.
 * @example throttleWait({ count: 6, lastAt: 0 }, { free: 5, baseMs: 1000, maxMs: 60_000 }, 500) // 500
 */
export function throttleWait(f: Failures | null, p: ThrottlePolicy, nowMs: number): number {
  if (!f || f.count < p.free || nowMs - f.lastAt >= FORGET_MS) return 0;
  const delay = Math.min(p.maxMs, p.baseMs * 2 ** Math.min(30, f.count - p.free));
  return Math.max(0, f.lastAt + delay - nowMs);
}

export type ThrottleCheck = { scope: string; subject: string; policy: ThrottlePolicy };

/**
 * Reserves one attempt against every check, counted as a failure before the attempt is made:
 * parallel attempts each see the ones before them (the commit checks what it read), so no guess
 * escapes the count. Throws `RateLimited` (nothing counted) while any subject must still wait.
 * Call `forgiveAttempt` when the attempt succeeds.
 */
export async function reserveAttempt(kv: Deno.Kv, checks: ThrottleCheck[], nowMs: number): Promise<void> {
  await transact(kv, async (tx) => {
    let wait = 0;
    const writes: { key: Deno.KvKey; value: Failures }[] = [];
    for (const { scope, subject, policy } of checks) {
      const key = keys.throttle(scope, subject);
      const f = await tx.get<Failures>(key);
      wait = Math.max(wait, throttleWait(f, policy, nowMs));
      const count = f && nowMs - f.lastAt < FORGET_MS ? f.count : 0;
      writes.push({ key, value: { count: count + 1, lastAt: nowMs } });
    }
    if (wait > 0) {
      const s = Math.ceil(wait / 1000);
      throw new RateLimited(`Too many failed attempts: try again in ${s} s.`, s);
    }
    for (const w of writes) tx.set(w.key, w.value, FORGET_MS);
  });
}

/**
 * Takes back a reserved attempt that succeeded: `reset` scopes forget their failures (the
 * owner proved who they are), the others only lose this attempt.
 */
export async function forgiveAttempt(kv: Deno.Kv, checks: ThrottleCheck[], reset: string[]): Promise<void> {
  await transact(kv, async (tx) => {
    for (const { scope, subject } of checks) {
      const key = keys.throttle(scope, subject);
      const f = await tx.get<Failures>(key);
      if (!f) continue;
      if (reset.includes(scope) || f.count <= 1) tx.delete(key);
      else tx.set(key, { ...f, count: f.count - 1 }, FORGET_MS);
    }
  });
}
