import assert from "node:assert/strict";
import { commitsInWorker } from "./kv_writer.ts";

/** A store on a new temp file whose commits are made by the writer worker, closed after `fn`. */
async function withWriterKv(fn: (kv: Deno.Kv, path: string) => Promise<void>): Promise<void> {
  const path = await Deno.makeTempFile({ suffix: ".kv" });
  const kv = await commitsInWorker(await Deno.openKv(path), path);
  try {
    await fn(kv, path);
  } finally {
    kv.close();
    await settleWorker();
    await Deno.remove(path).catch(() => {});
  }
}

/** The worker ends a moment after close (it makes the commits already sent first). */
const settleWorker = () => new Promise((r) => setTimeout(r, 50));

Deno.test("kv_writer - a commit made by the worker is read at once by the caller's handle, with its versionstamp", async () => {
  await withWriterKv(async (kv) => {
    const r = await kv.atomic().check({ key: ["a"], versionstamp: null }).set(["a"], { n: 1 }).commit();
    assert.ok(r.ok);
    const got = await kv.get(["a"]);
    assert.deepEqual(got.value, { n: 1 });
    assert.equal(got.versionstamp, r.versionstamp);
    // The same check again fails: the key now exists. Nothing is written.
    const again = await kv.atomic().check({ key: ["a"], versionstamp: null }).set(["a"], { n: 2 }).commit();
    assert.deepEqual(again, { ok: false });
    assert.deepEqual((await kv.get(["a"])).value, { n: 1 });
    // A check on the current versionstamp passes.
    const next = await kv.atomic().check({ key: ["a"], versionstamp: r.versionstamp }).delete(["a"]).commit();
    assert.ok(next.ok);
    assert.equal((await kv.get(["a"])).versionstamp, null);
  });
});

Deno.test("kv_writer - sums, min, max and KvU64 values keep their type", async () => {
  await withWriterKv(async (kv) => {
    await kv.atomic().sum(["count"], 2n).sum(["count"], 3n).min(["low"], 7n).max(["high"], 7n).commit();
    await kv.atomic().mutate({ type: "sum", key: ["count"], value: new Deno.KvU64(5n) }).min(["low"], 4n).max(
      ["high"],
      9n,
    ).commit();
    await kv.set(["u64"], new Deno.KvU64(42n));
    const [count, low, high, u64] = await kv.getMany<Deno.KvU64[]>([["count"], ["low"], ["high"], ["u64"]]);
    for (const e of [count, low, high, u64]) assert.ok(e.value instanceof Deno.KvU64, `${e.key} is a KvU64`);
    assert.deepEqual([count, low, high, u64].map((e) => e.value!.value), [10n, 4n, 9n, 42n]);
    // A plain object that looks like one stays a plain object.
    await kv.set(["plain"], { value: 1n });
    const plain = (await kv.get(["plain"])).value;
    assert.ok(!(plain instanceof Deno.KvU64));
    assert.deepEqual(plain, { value: 1n });
  });
});

Deno.test("kv_writer - set, delete, expireIn and enqueue through the shortcuts", async () => {
  await withWriterKv(async (kv) => {
    const set = await kv.set(["s"], "v", { expireIn: 60_000 });
    assert.ok(set.ok && typeof set.versionstamp === "string");
    assert.equal((await kv.get(["s"])).value, "v");
    assert.equal(await kv.delete(["s"]), undefined);
    assert.equal((await kv.get(["s"])).value, null);
    // A message enqueued by the worker reaches the caller's queue listener.
    const delivered = Promise.withResolvers<unknown>();
    const listening = kv.listenQueue((m) => delivered.resolve(m));
    const q = await kv.enqueue({ hello: "queue" });
    assert.ok(q.ok);
    await kv.atomic().enqueue({ second: true }, { delay: 0 }).set(["with-message"], 1).commit();
    assert.deepEqual(await delivered.promise, { hello: "queue" });
    kv.close();
    await listening.catch(() => {});
  });
});

Deno.test("kv_writer - a watcher on the caller's handle sees the worker's commits", async () => {
  await withWriterKv(async (kv) => {
    const reader = kv.watch([["w"]]).getReader();
    assert.equal((await reader.read()).value?.[0].value, null);
    await kv.set(["w"], 1);
    let seen = (await reader.read()).value?.[0].value;
    // A watch may report the initial state twice; the commit shows up next.
    if (seen === null) seen = (await reader.read()).value?.[0].value;
    assert.equal(seen, 1);
    await reader.cancel();
  });
});

Deno.test("kv_writer - errors come back with their class and message, and nothing is written", async () => {
  await withWriterKv(async (kv) => {
    const direct = await Deno.openKv(":memory:");
    const tooBig = "x".repeat(70_000);
    const expected = await direct.set(["big"], tooBig).then(() => null, (e: Error) => e);
    direct.close();
    assert.ok(expected, "the store refuses a value over 64 KiB");
    await assert.rejects(
      () => kv.atomic().set(["ok"], 1).set(["big"], tooBig).commit(),
      (e: Error) => e.constructor === expected.constructor && e.message === expected.message,
    );
    assert.equal((await kv.get(["ok"])).value, null, "the commit's other mutation did not land");
  });
});

Deno.test("kv_writer - racing checked commits from two processes' writers land once each", async () => {
  const path = await Deno.makeTempFile({ suffix: ".kv" });
  const stores = [
    await commitsInWorker(await Deno.openKv(path), path),
    await commitsInWorker(await Deno.openKv(path), path),
  ];
  try {
    // Each of 40 slots is claimed by whichever store's checked commit lands first: one each.
    const claim = async (kv: Deno.Kv, slot: number, who: number) => {
      for (;;) {
        const cur = await kv.get<number>(["slot", slot]);
        if (cur.value !== null) return false;
        const r = await kv.atomic().check(cur).set(["slot", slot], who).sum(["claims"], 1n).commit();
        if (r.ok) return true;
      }
    };
    const won = await Promise.all(
      Array.from({ length: 40 }, (_, slot) => stores.map((kv, who) => claim(kv, slot, who))).flat(),
    );
    assert.equal(won.filter(Boolean).length, 40);
    assert.equal((await stores[0].get<Deno.KvU64>(["claims"])).value?.value, 40n);
  } finally {
    for (const kv of stores) kv.close();
    await settleWorker();
    await Deno.remove(path).catch(() => {});
  }
});

Deno.test("kv_writer - commits sent before close land; later ones are refused", async () => {
  const path = await Deno.makeTempFile({ suffix: ".kv" });
  const kv = await commitsInWorker(await Deno.openKv(path), path);
  const sent = Array.from({ length: 20 }, (_, i) => kv.set(["before", i], i));
  kv.close();
  const results = await Promise.all(sent);
  assert.ok(results.every((r) => r.ok));
  await assert.rejects(() => kv.set(["after"], 1), /closed/);
  await settleWorker();
  const check = await Deno.openKv(path);
  try {
    const landed = await Array.fromAsync(check.list({ prefix: ["before"] }));
    assert.equal(landed.length, 20);
  } finally {
    check.close();
    await Deno.remove(path).catch(() => {});
  }
});
