/**
 * KV_QUEUES=off end to end: timers, deliveries and upload expiries run from their records
 * through the leased polling scheduler, on a real KV store that fails the test if anything
 * touches its queue; and the shards' leases move between desks sharing one store.
 */
import assert from "node:assert/strict";
import { keys } from "../lib/server/keys.ts";
import { sign } from "../lib/server/crypto.ts";
import { startDesk } from "../desk/runtime.ts";
import { Desk } from "../desk/desk.ts";
import { adoptScheduledWork } from "../desk/schedule_mode.ts";
import { blobStore } from "../desk/uploads.ts";
import { SCHEDULE_SHARDS } from "../lib/server/scheduler.ts";
import { eventually, startCallbackServer, startServer, testConfig } from "./harness.ts";
import { AGENTS, config, newInteraction, routing, sources } from "./api_support.ts";

/** The store itself, except that using its queue (listen, enqueue, atomic enqueue) throws. */
function withoutQueue(kv: Deno.Kv, used: string[]): Deno.Kv {
  const refuse = (what: string) => () => {
    used.push(what);
    throw new Error(`${what} called with KV_QUEUES=off`);
  };
  const guardOp = (op: Deno.AtomicOperation): Deno.AtomicOperation => {
    const proxy: Deno.AtomicOperation = new Proxy(op, {
      get(target, p) {
        if (p === "enqueue") return refuse("atomic().enqueue");
        const v = Reflect.get(target, p, target);
        if (typeof v !== "function") return v;
        return (...args: unknown[]) => {
          const r = v.apply(target, args);
          return r === target ? proxy : r;
        };
      },
    });
    return proxy;
  };
  return new Proxy(kv, {
    get(target, p) {
      if (p === "listenQueue" || p === "enqueue") return refuse(`kv.${String(p)}`);
      if (p === "atomic") return () => guardOp(target.atomic());
      const v = Reflect.get(target, p, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

Deno.test("scheduler - with queues off, an accept timer, a signed delivery and an upload expiry run without any queue", async () => {
  const used: string[] = [];
  const cb = await startCallbackServer();
  const kv = withoutQueue(await Deno.openKv(":memory:"), used);
  const s = await startServer({
    kv,
    queues: false,
    config: await config({ sources: sources(cb.url), routing: routing({ acceptTimeout: 0.3 }) }, [AGENTS[0]]),
  });
  try {
    const alice = await s.agent("alice", { available: true });
    // The accept time limit runs out: the timer fires from its scheduled key.
    const missed = await newInteraction(s, "t-off-timer");
    await eventually(
      async () => (await alice.req("GET", "/api/v1/me")).body.stats.missed >= 1,
      10_000,
      "a miss",
    );
    // Offered again once alice is back; accepted; the reply is delivered, signed.
    await alice.presence("available");
    await eventually(async () => (await alice.act(missed, "accept")).status === 200, 10_000, "the new offer");
    const r = await alice.act(missed, "reply", { body: "Sent without a queue" });
    assert.equal(r.status, 201);
    await eventually(() => cb.received.length >= 1, 10_000, "the delivery");
    const got = cb.received[0];
    assert.equal(got.json.message.body, "Sent without a queue");
    const secret = s.desk.config.sources.find((x) => x.id === "webchat")!.secret;
    assert.equal(got.headers.get("x-signature"), await sign(secret, got.body));
    // An upload nothing kept is removed once its grace period is over.
    const blob = await blobStore(s.desk).put(
      {
        id: "01JBLOBOFF0000000000000000",
        name: "a.txt",
        contentType: "text/plain",
        owner: "t",
        createdAt: "",
      },
      new TextEncoder().encode("bytes"),
      100,
    );
    assert.ok(await blobStore(s.desk).meta(blob.id));
    await eventually(async () => (await blobStore(s.desk).meta(blob.id)) === null, 10_000, "the expiry");
    // Nothing scheduled is left behind, and the queue was never touched.
    await eventually(
      async () => {
        for await (const _ of kv.list({ prefix: keys.scheduledAll() })) return false;
        return true;
      },
      5_000,
      "no scheduled work left",
    );
    assert.deepEqual(used, []);
    assert.equal(s.runtime.status().scheduling, "polling");
    assert.equal(s.runtime.status().leasesHeld, SCHEDULE_SHARDS);
  } finally {
    await s.close();
    kv.close();
    await cb.close();
  }
});

Deno.test("scheduler - desks on one store share the shards, and a stopped desk's shards move at once", async () => {
  // Three desks on one handle (several handles on one file in one process lock each other out;
  // separate processes do not: tests/multi_process_test.ts).
  const kv = await Deno.openKv(":memory:");
  const opts = {
    kv,
    config: await testConfig(),
    queues: false,
    tickMs: 3_600_000,
    scheduler: { leaseMs: 400, pollMs: 50 },
  };
  const [a, b, c] = [await startDesk(opts), await startDesk(opts), await startDesk(opts)];
  const held = () => [a, b, c].map((r) => r.status().leasesHeld);
  try {
    await eventually(
      () => {
        const h = held();
        return h.every((n) => n >= 2 && n <= 3) && h.reduce((x, y) => x + y) === SCHEDULE_SHARDS;
      },
      10_000,
      `a fair share each (${held()})`,
    );
    await c.stop();
    await eventually(
      () => {
        const [x, y] = held();
        return x === 4 && y === 4;
      },
      10_000,
      `the stopped desk's shards taken (${held()})`,
    );
  } finally {
    await Promise.all([a.stop(), b.stop(), c.stop()]);
    kv.close();
  }
});

Deno.test("scheduler - a store switching KV_QUEUES hands its pending timers and deliveries to the other mechanism", async () => {
  const kv = await Deno.openKv(":memory:");
  let attempts = 0;
  const cb = await startCallbackServer(() => (attempts++, new Response("down", { status: 503 })));
  const config = await testConfig({ routing: routing({ acceptTimeout: 3600 }), sources: sources(cb.url) });
  // The start-up step alone (a whole runtime would also run the adopted work at once).
  const adopt = (queues: boolean) => adoptScheduledWork(new Desk({ kv, config, queues }));
  const scheduled = async () =>
    (await Array.fromAsync(kv.list({ prefix: keys.scheduledAll() }))).map((e) => e.key);
  try {
    // Queues on: an accept timer pending, and a delivery waiting an hour for its retry.
    const s = await startServer({ kv, config, queues: true, deliveryBackoff: [3_600_000] });
    try {
      const alice = await s.agent("alice", { available: true });
      const first = await newInteraction(s, "t-switch-1");
      assert.equal((await alice.act(first, "accept")).status, 200);
      assert.equal((await alice.act(first, "reply", { body: "Hi" })).status, 201);
      await eventually(() => attempts >= 1, 5_000, "the first attempt");
      await newInteraction(s, "t-switch-2"); // offered: its accept timer is pending
    } finally {
      await s.close();
    }
    assert.deepEqual(await scheduled(), []);
    const timers = (await Array.fromAsync(kv.list({ prefix: keys.timers() }))).length;
    const deliveries = (await Array.fromAsync(kv.list({ prefix: keys.deliveries() }))).length;
    assert.ok(timers >= 1 && deliveries === 1, `${timers} timers, ${deliveries} deliveries`);
    // Queues off: each becomes a scheduled key.
    await adopt(false);
    const keysOff = await scheduled();
    assert.ok(keysOff.some((k) => String(k[3]).startsWith("interaction:")), JSON.stringify(keysOff));
    assert.ok(keysOff.some((k) => String(k[3]).startsWith("delivery:")), JSON.stringify(keysOff));
    // Queues on again: the scheduled keys become queue messages.
    await adopt(true);
    assert.deepEqual(await scheduled(), []);
  } finally {
    kv.close();
    await cb.close();
  }
});
