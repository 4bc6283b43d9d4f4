/**
 * Rate limits, kept in KV so every instance on a shared store sees the same counts.
 *
 * - Request rates (`takeRate`, the web chat widget): each subject (a visitor, a client address)
 *   is counted in fixed windows; the limit applies to a sliding-window estimate (the current
 *   window plus the previous one weighted by how much of it the sliding window still covers),
 *   which avoids the burst of twice the limit that plain fixed windows allow at a boundary.
 * - Failure throttles (`reserveAttempt`, sign-in): after a few free failures each further
 *   attempt waits a delay that doubles with every failure, up to a cap — never a permanent lock,
 *   so the real owner gets in once the delay has passed. A private subject (a login) is one
 *   checked record; a shared one (a client address) is counted with sums, which never conflict.
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

export type ThrottleCheck = {
  scope: string;
  subject: string;
  policy: ThrottlePolicy;
  /**
   * A subject many people legitimately share (a client address: a contact centre signs in from
   * one NAT address). Its failures are counted with sums instead of a checked read-modify-write,
   * so a shift of agents signing in at once never conflicts over it (see `countFailure`).
   */
  shared?: boolean;
};

/**
 * Reserves one attempt against every check. A private subject (a login) counts the attempt as a
 * failure before it is made: parallel attempts each see the ones before them (the commit checks
 * what it read), so no guess escapes the count. A shared subject is only read here and counts
 * failures once they are known (`countFailure`). Throws `RateLimited` (nothing counted) while
 * any subject must still wait. Call `forgiveAttempt` when the attempt succeeds, `countFailure`
 * when it fails.
 */
export async function reserveAttempt(kv: Deno.Kv, checks: ThrottleCheck[], nowMs: number): Promise<void> {
  // Shared subjects are read without a check: their counts only grow, by sums.
  let wait = 0;
  for (const c of checks.filter((c) => c.shared)) {
    wait = Math.max(wait, throttleWait(await sharedFailures(kv, c, nowMs), c.policy, nowMs));
  }
  if (wait > 0) throw tooManyFailures(wait);
  await transact(kv, async (tx) => {
    let wait = 0;
    const writes: { key: Deno.KvKey; value: Failures }[] = [];
    for (const { scope, subject, policy } of checks.filter((c) => !c.shared)) {
      const key = keys.throttle(scope, subject);
      const f = await tx.get<Failures>(key);
      wait = Math.max(wait, throttleWait(f, policy, nowMs));
      const count = f && nowMs - f.lastAt < FORGET_MS ? f.count : 0;
      writes.push({ key, value: { count: count + 1, lastAt: nowMs } });
    }
    if (wait > 0) throw tooManyFailures(wait);
    for (const w of writes) tx.set(w.key, w.value, FORGET_MS);
  });
}

function tooManyFailures(waitMs: number): RateLimited {
  const s = Math.ceil(waitMs / 1000);
  return new RateLimited(`Too many failed attempts: try again in ${s} s.`, s);
}

/**
 * Takes back a reserved attempt that succeeded: `reset` scopes forget their failures (the
 * owner proved who they are), the others only lose this attempt. Shared subjects counted
 * nothing for it.
 */
export async function forgiveAttempt(kv: Deno.Kv, checks: ThrottleCheck[], reset: string[]): Promise<void> {
  await transact(kv, async (tx) => {
    for (const { scope, subject } of checks.filter((c) => !c.shared)) {
      const key = keys.throttle(scope, subject);
      const f = await tx.get<Failures>(key);
      if (!f) continue;
      if (reset.includes(scope) || f.count <= 1) tx.delete(key);
      else tx.set(key, { ...f, count: f.count - 1 }, FORGET_MS);
    }
  });
}

/**
 * Counts a failed attempt against every shared subject, in one commit that reads nothing and
 * so never conflicts: the failures are a sum per `FORGET_MS` bucket, the time of the last one a
 * `max`. Parallel failures all count. (Private subjects counted it when it was reserved.)
 *
 * Sums and maxima cannot expire (the store ignores `expireIn` on them, and a sum drops the
 * expiry of the key it adds to), so each failure deletes its subject's buckets older than the
 * two that are read: a subject that stops failing leaves at most four small keys behind.
 */
export async function countFailure(kv: Deno.Kv, checks: ThrottleCheck[], nowMs: number): Promise<void> {
  const shared = checks.filter((c) => c.shared);
  if (!shared.length) return;
  const bucket = bucketOf(nowMs);
  const op = kv.atomic();
  for (const { scope, subject } of shared) {
    op.sum(keys.throttleFailures(scope, subject, bucket), 1n);
    op.max(keys.throttleLastFailure(scope, subject, bucket), BigInt(nowMs));
    op.delete(keys.throttleFailures(scope, subject, bucket - 2));
    op.delete(keys.throttleLastFailure(scope, subject, bucket - 2));
  }
  const res = await op.commit();
  // Unchecked mutations always commit; a store error is worth knowing about, not hiding.
  if (!res.ok) throw new Error("counting a failed attempt did not commit");
}

const bucketOf = (nowMs: number) => Math.floor(nowMs / FORGET_MS);

/**
 * A shared subject's failures as the throttle sees them: those of this bucket and the one
 * before (so a failure stays counted for at least `FORGET_MS`), and the time of the last one.
 */
async function sharedFailures(kv: Deno.Kv, c: ThrottleCheck, nowMs: number): Promise<Failures | null> {
  const b = bucketOf(nowMs);
  const got = await kv.getMany<Deno.KvU64[]>([
    keys.throttleFailures(c.scope, c.subject, b - 1),
    keys.throttleFailures(c.scope, c.subject, b),
    keys.throttleLastFailure(c.scope, c.subject, b - 1),
    keys.throttleLastFailure(c.scope, c.subject, b),
  ]);
  const n = (i: number) => Number(got[i].value?.value ?? 0n);
  const count = n(0) + n(1);
  return count === 0 ? null : { count, lastAt: Math.max(n(2), n(3)) };
}
