import { deepStrictEqual as assertEquals, ok as assert, rejects } from "node:assert/strict";
import { decideRate, takeRate } from "./rate_limit.ts";
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
