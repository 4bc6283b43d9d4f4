import assert from "node:assert/strict";
import { KeyedLock } from "./keyed_lock.ts";

/** A promise with its resolver, to hold work open until the test lets it finish. */
function gate(): { open: () => void; opened: Promise<void> } {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

Deno.test("keyed lock - work on one key runs one at a time, in arrival order", async () => {
  const lock = new KeyedLock();
  const log: string[] = [];
  let running = 0;
  let most = 0;
  await Promise.all(Array.from({ length: 8 }, (_, i) =>
    lock.run(["agent:alice"], async () => {
      running++;
      most = Math.max(most, running);
      log.push(`start ${i}`);
      await new Promise((r) => setTimeout(r, 1));
      log.push(`end ${i}`);
      running--;
    })));
  assert.equal(most, 1);
  assert.deepEqual(log, Array.from({ length: 8 }, (_, i) => [`start ${i}`, `end ${i}`]).flat());
  assert.equal(lock.size, 0, "no key left behind");
});

Deno.test("keyed lock - work on different keys runs alongside", async () => {
  const lock = new KeyedLock();
  const g = gate();
  const first = lock.run(["a"], () => g.opened);
  let otherRan = false;
  await lock.run(["b"], () => Promise.resolve(void (otherRan = true)));
  assert.equal(otherRan, true, "b did not wait for a");
  g.open();
  await first;
});

Deno.test("keyed lock - two keys taken in opposite orders never deadlock", async () => {
  const lock = new KeyedLock();
  let done = 0;
  await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      lock.run(i % 2 ? ["x", "y"] : ["y", "x"], async () => {
        await new Promise((r) => setTimeout(r, 0));
        done++;
      })),
  );
  assert.equal(done, 20);
  assert.equal(lock.size, 0);
});

Deno.test("keyed lock - a failing holder releases its keys and its error reaches the caller", async () => {
  const lock = new KeyedLock();
  await assert.rejects(lock.run(["k"], () => Promise.reject(new Error("boom"))), /boom/);
  assert.equal(await lock.run(["k", "k"], () => Promise.resolve("next")), "next");
  assert.equal(lock.size, 0);
});

Deno.test("keyed lock - a waiter starts only once the holder of a shared key released it", async () => {
  const lock = new KeyedLock();
  const g = gate();
  const order: string[] = [];
  const holder = lock.run(["a", "b"], async () => {
    order.push("holder in");
    await g.opened;
    order.push("holder out");
  });
  const waiter = lock.run(["b", "c"], () => Promise.resolve(void order.push("waiter")));
  await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(order, ["holder in"]);
  g.open();
  await Promise.all([holder, waiter]);
  assert.deepEqual(order, ["holder in", "holder out", "waiter"]);
});
