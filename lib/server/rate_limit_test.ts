import { deepStrictEqual as assertEquals, ok as assert, rejects } from "node:assert/strict";
import { countFailure, decideRate, reserveAttempt, takeRate, type ThrottleCheck } from "./rate_limit.ts";
import { RateLimited } from "../shared/errors.ts";

const limit = { max: 5, windowMs: 60_000 };

Deno.test("rate limit - allows up to the limit in a window, then says how long to wait", () => {
  assertEquals(decideRate({ previous: 0, current: 4 }, limit, 30_000), { ok: true });
  assertEquals(decideRate({ previous: 0, current: 5 }, limit, 30_000), { ok: false, retryAfterMs: 42_000 });
});

Deno.test("rate limit - the previous window counts for the part the sliding window still covers", () => {
  // 10 s into the window, 5/6 of the previous window is still covered: 5 × 5/6 + 0 + 1 > 5.
  const d = decideRate({ previous: 5, current: 0 }, limit, 10_000);
  assert(!d.ok);
  // Waiting as long as it says makes room for one more.
  assertEquals(decideRate({ previous: 5, current: 0 }, limit, 10_000 + d.retryAfterMs), { ok: true });
  assertEquals(decideRate({ previous: 5, current: 0 }, limit, 10_000 + d.retryAfterMs - 1000).ok, false);
  // Far enough into the window there is room.
  assertEquals(decideRate({ previous: 5, current: 0 }, limit, 50_000), { ok: true });
});

Deno.test("rate limit - counts all subjects or none, and refuses with the API error", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const checks = (visitor: string) => [
      { scope: "msg", subject: visitor, limit: { max: 2, windowMs: 60_000 } },
      { scope: "msg-ip", subject: "127.0.0.1", limit: { max: 3, windowMs: 60_000 } },
    ];
    const now = 120_000;
    await takeRate(kv, checks("a"), now, "messages");
    await takeRate(kv, checks("a"), now, "messages");
    const e = await takeRate(kv, checks("a"), now, "messages").catch((e) => e);
    assert(e instanceof RateLimited);
    assertEquals(e.status, 429);
    assertEquals(e.code, "rate_limited");
    assertEquals(e.details, { retryAfter: e.retryAfterS });
    // The refused request counted nothing: the address still has room for one.
    await takeRate(kv, checks("b"), now, "messages");
    await rejects(takeRate(kv, checks("c"), now, "messages"), RateLimited);
    // Visitor "c" was not counted by its refused request.
    assertEquals((await kv.get(["rate", "msg", "c", 2])).value, null);
  } finally {
    kv.close();
  }
});

Deno.test("failure throttle - a shared subject counts parallel failures by sums: none lost, never a conflict", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const policy = { free: 3, baseMs: 1000, maxMs: 60_000 };
    const address = (login: string): ThrottleCheck[] => [
      { scope: "login", subject: login, policy: { free: 100, baseMs: 1000, maxMs: 60_000 } },
      { scope: "addr", subject: "10.0.0.1", policy, shared: true },
    ];
    const now = 7_200_000;
    // Fifty parallel attempts of distinct logins: none waits (no failure yet), none conflicts.
    await Promise.all(Array.from({ length: 50 }, (_, i) => reserveAttempt(kv, address(`l${i}`), now)));
    // Twenty of them fail at once: every failure counts.
    await Promise.all(Array.from({ length: 20 }, (_, i) => countFailure(kv, address(`l${i}`), now)));
    const e = await reserveAttempt(kv, address("fresh"), now + 10).catch((e) => e);
    assert(e instanceof RateLimited);
    // 20 failures, 3 free: the 17th beyond them doubles the delay 17 times, capped at a minute.
    assertEquals(e.retryAfterS, 60);
    // Never a lock: once the delay has passed, the next attempt goes ahead.
    await reserveAttempt(kv, address("fresh"), now + 60_000);
  } finally {
    kv.close();
  }
});

Deno.test("failure throttle - a shared subject forgets failures after an hour and leaves old buckets behind it", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const checks: ThrottleCheck[] = [{
      scope: "addr",
      subject: "10.0.0.2",
      policy: { free: 1, baseMs: 1000, maxMs: 60_000 },
      shared: true,
    }];
    const hour = 3600_000;
    await countFailure(kv, checks, 10 * hour + 5);
    await rejects(reserveAttempt(kv, checks, 10 * hour + 500), RateLimited);
    // An hour after the last failure it no longer delays anyone (the next bucket still reads it).
    await reserveAttempt(kv, checks, 11 * hour + 5);
    // A failure two buckets later deletes the old bucket's keys: nothing grows without bound.
    await countFailure(kv, checks, 12 * hour + 5);
    const left: Deno.KvKey[] = [];
    for await (const e of kv.list({ prefix: ["throttle"] })) left.push(e.key);
    assertEquals(left.map((k) => k[4]), [12, 12]);
  } finally {
    kv.close();
  }
});
