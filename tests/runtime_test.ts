/**
 * The desk runtime's queue work over a real KV store and a real callback endpoint on loopback:
 * stopping drains the handlers in flight (bounded) and takes no new work, and an outbound
 * delivery that fails is retried with backoff as expected behaviour — one warning line per
 * failed attempt, never a queue-handler exception.
 */
import assert from "node:assert/strict";
import { transact } from "../lib/server/actor.ts";
import { keys } from "../lib/server/keys.ts";
import { type Runtime, startDesk } from "../desk/runtime.ts";
import { type DeliveryRecord, stageDelivery } from "../desk/outbox.ts";
import { handleQueueMessage } from "../desk/timers.ts";
import { eventually, startCallbackServer, testConfig } from "./harness.ts";

/** Console output of `fn`, by level (the queue reports a handler's exception with console.error). */
async function capturingConsole<T>(fn: (logged: { error: string[]; warn: string[] }) => Promise<T>) {
  const logged = { error: [] as string[], warn: [] as string[] };
  const { error, warn } = console;
  console.error = (...a: unknown[]) => void logged.error.push(a.map(String).join(" "));
  console.warn = (...a: unknown[]) => void logged.warn.push(a.map(String).join(" "));
  try {
    return await fn(logged);
  } finally {
    console.error = error;
    console.warn = warn;
  }
}

/** A callback endpoint whose answers the test decides; records when each attempt arrived. */
async function endpoint(answer: (attempt: number) => Response | Promise<Response>) {
  const arrivals: number[] = [];
  const waiters: (() => void)[] = [];
  const cb = await startCallbackServer(async () => {
    arrivals.push(performance.now());
    for (const w of waiters.splice(0)) w();
    return await answer(arrivals.length);
  });
  /** Resolves once `n` attempts arrived. */
  const arrived = (n: number) =>
    arrivals.length >= n ? Promise.resolve() : new Promise<void>((r) => {
      const check = () => (arrivals.length >= n ? r() : waiters.push(check));
      waiters.push(check);
    });
  return { ...cb, arrivals, arrived };
}

async function deskWith(o: { deliveryBackoff?: number[]; drainMs?: number } = {}) {
  const kv = await Deno.openKv(":memory:");
  const runtime = await startDesk({ kv, config: await testConfig(), tickMs: 3_600_000, ...o });
  return { kv, runtime };
}

const deliver = (runtime: Runtime, url: string) =>
  transact(runtime.desk.kv, (tx) =>
    Promise.resolve(
      stageDelivery(tx, runtime.desk.ctx, {
        signer: { type: "source", id: "webchat" },
        url,
        payload: { n: 1 },
      }),
    ));

const record = async (kv: Deno.Kv, id: string) => (await kv.get<DeliveryRecord>(keys.delivery(id))).value;

Deno.test("runtime - stop waits for a delivery in flight to finish and commit, then the store closes cleanly", async () => {
  const gate = Promise.withResolvers<void>();
  const cb = await endpoint(async () => {
    await gate.promise;
    return new Response("ok");
  });
  try {
    await capturingConsole(async (logged) => {
      const { kv, runtime } = await deskWith();
      const id = await deliver(runtime, cb.url);
      await cb.arrived(1);
      assert.equal(runtime.inFlight, 1, "the delivery handler is running");
      let stopped = false;
      const stopping = runtime.stop().then(() => (stopped = true));
      // One macrotask turn: stop has had every chance to resolve early.
      await new Promise((r) => setTimeout(r, 0));
      assert.equal(stopped, false, "stop resolved with a handler still in flight");
      gate.resolve();
      await stopping;
      assert.equal(runtime.inFlight, 0);
      assert.equal(
        await record(kv, id),
        null,
        "the delivery was sent and its record deleted before stop resolved",
      );
      kv.close();
      assert.deepEqual(logged.error, [], "nothing failed at shutdown");
    });
  } finally {
    gate.resolve();
    await cb.close();
  }
});

Deno.test("runtime - stop is bounded: a delivery stuck on a silent endpoint is aborted and left for later, uncounted", async () => {
  const gate = Promise.withResolvers<void>();
  const cb = await endpoint(async () => {
    await gate.promise;
    return new Response("too late");
  });
  try {
    await capturingConsole(async (logged) => {
      const { kv, runtime } = await deskWith({ drainMs: 100, deliveryBackoff: [50] });
      const id = await deliver(runtime, cb.url);
      await cb.arrived(1);
      const started = performance.now();
      await runtime.stop();
      const took = performance.now() - started;
      assert.ok(took >= 90, `stop returned after ${took} ms, before its drain time`);
      assert.ok(took < 5_000, `stop took ${took} ms`);
      assert.equal(runtime.inFlight, 0);
      const rec = await record(kv, id);
      assert.equal(rec?.attempts, 0, "an attempt interrupted by stopping is not counted");
      assert.equal((await kv.get(keys.undeliverable(id))).value, null);
      kv.close();
      assert.deepEqual(logged.error, []);
      assert.deepEqual(logged.warn, [], "an interrupted attempt is not a failure");
    });
  } finally {
    gate.resolve();
    await cb.close();
  }
});

Deno.test("runtime - once stopped, new queue messages are left unhandled", async () => {
  const cb = await endpoint(() => new Response("ok"));
  try {
    const { kv, runtime } = await deskWith();
    await runtime.stop();
    const id = await deliver(runtime, cb.url);
    // A negative check needs some time to pass; delay-0 messages are handed out within milliseconds.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(cb.arrivals.length, 0, "a stopped runtime sent a delivery");
    assert.ok(await record(kv, id), "the delivery waits for the next start");
    kv.close();
  } finally {
    await cb.close();
  }
});

Deno.test("outbox - with the default backoff (six steps, more than one queue message may carry) a delivery is sent", async () => {
  const cb = await endpoint(() => new Response("ok"));
  try {
    const { kv, runtime } = await deskWith();
    try {
      assert.ok(runtime.desk.ctx.deliveryBackoff.length > 5);
      const id = await deliver(runtime, cb.url);
      await eventually(async () => (await record(kv, id)) === null, 10_000, "the delivery to be sent");
      assert.equal(cb.arrivals.length, 1);
    } finally {
      await runtime.stop();
      kv.close();
    }
  } finally {
    await cb.close();
  }
});

Deno.test("outbox - failed deliveries are retried after each backoff step with one warning line each, then succeed", async () => {
  const backoff = [60, 120, 240];
  const cb = await endpoint((n) => new Response(n <= 2 ? "boom" : "ok", { status: n <= 2 ? 500 : 200 }));
  try {
    await capturingConsole(async (logged) => {
      const { kv, runtime } = await deskWith({ deliveryBackoff: backoff });
      try {
        const id = await deliver(runtime, cb.url);
        await eventually(async () => (await record(kv, id)) === null, 10_000, "the third attempt to succeed");
        assert.equal(cb.arrivals.length, 3);
        for (let i = 1; i < cb.arrivals.length; i++) {
          const gap = cb.arrivals[i] - cb.arrivals[i - 1];
          assert.ok(gap >= backoff[i - 1] - 5, `attempt ${i + 1} came ${gap} ms after the previous one`);
        }
        assert.equal(logged.warn.length, 2, logged.warn.join("\n"));
        for (const line of logged.warn) {
          assert.match(
            line,
            /^delivery \S+ to 127\.0\.0\.1:\d+ failed \(HTTP 500\): attempt [12], next in \d+ ms$/,
          );
        }
        assert.deepEqual(logged.error, [], "a retried delivery is not an exception");
      } finally {
        await runtime.stop();
        kv.close();
      }
    });
  } finally {
    await cb.close();
  }
});

Deno.test("outbox - a delivery failing every attempt ends undeliverable with its record, without exceptions", async () => {
  const cb = await endpoint(() => new Response("down", { status: 503 }));
  try {
    await capturingConsole(async (logged) => {
      const { kv, runtime } = await deskWith({ deliveryBackoff: [20, 40] });
      try {
        const id = await deliver(runtime, cb.url);
        await eventually(async () => (await kv.get(keys.undeliverable(id))).value, 10_000, "undeliverable");
        assert.deepEqual((await kv.get(keys.undeliverable(id))).value, { type: "delivery", id });
        const rec = (await record(kv, id))!;
        assert.equal(rec.attempts, 3, "the first attempt and one per backoff step");
        assert.equal(rec.lastError, "HTTP 503");
        assert.equal(cb.arrivals.length, 3);
        assert.equal(logged.warn.length, 3, logged.warn.join("\n"));
        assert.match(logged.warn[2], /undeliverable after 3 attempts$/);
        assert.deepEqual(logged.error, []);
        // A copy of the last message handed out again sends nothing more.
        await handleQueueMessage(runtime.desk, { type: "delivery", id });
        assert.equal(cb.arrivals.length, 3);
      } finally {
        await runtime.stop();
        kv.close();
      }
    });
  } finally {
    await cb.close();
  }
});
