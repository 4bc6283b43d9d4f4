import assert from "node:assert/strict";
import { announceProcess, markRemoteStore, type Pokes, wakeUps } from "./wake_ups.ts";

async function twoHandles(fn: (a: Deno.Kv, b: Deno.Kv) => Promise<void>) {
  const dir = await Deno.makeTempDir();
  const a = await Deno.openKv(`${dir}/kv`);
  const b = await Deno.openKv(`${dir}/kv`);
  try {
    await fn(a, b);
  } finally {
    a.close();
    b.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** Resolves with how long the next wake-up took, or rejects after `ms`. */
async function nextWake(it: AsyncGenerator<void>, ms: number): Promise<number> {
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((
    _,
    reject,
  ) => (timer = setTimeout(() => reject(new Error("no wake-up")), ms)));
  try {
    const r = await Promise.race([it.next(), late]);
    assert.equal(r.done, false);
    return performance.now() - started;
  } finally {
    clearTimeout(timer);
  }
}

Deno.test("wake-ups - a commit of this process wakes the stream through watch", () => {
  return twoHandles(async (a) => {
    const abort = new AbortController();
    const it = wakeUps(a, () => [["head", "x"]], abort.signal, 60_000);
    await nextWake(it, 1_000); // the first, at once
    const woke = nextWake(it, 2_000);
    await a.set(["head", "x"], 1);
    await woke;
    abort.abort();
    assert.equal((await it.next()).done, true);
  });
});

/** Sets `key` from another process (handles of one process share their watch notifications). */
async function setFromAnotherProcess(path: string, key: Deno.KvKey): Promise<void> {
  const code = `const kv = await Deno.openKv(${JSON.stringify(path)}); ` +
    `await kv.set(${JSON.stringify(key)}, 1); kv.close();`;
  const out = await new Deno.Command(Deno.execPath(), { args: ["eval", "--unstable-kv", code] }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
}

Deno.test("wake-ups - a commit of another process on the same file wakes the stream by polling", async () => {
  const dir = await Deno.makeTempDir();
  const kv = await Deno.openKv(`${dir}/kv`);
  const abort = new AbortController();
  try {
    const it = wakeUps(kv, () => [["head", "x"]], abort.signal, 50);
    await nextWake(it, 1_000);
    const woke = nextWake(it, 10_000);
    await setFromAnotherProcess(`${dir}/kv`, ["head", "x"]);
    const after = performance.now();
    await woke;
    assert.ok(performance.now() - after < 1_000, "within a few polls of the commit");
    // Nothing changes: no wake-up, however many polls pass.
    await assert.rejects(nextWake(it, 300), /no wake-up/);
  } finally {
    abort.abort();
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("wake-ups - many streams wake each for its own keys only", () => {
  return twoHandles(async (a, b) => {
    const abort = new AbortController();
    const its = Array.from({ length: 25 }, (_, i) => wakeUps(a, () => [["head", i]], abort.signal, 50));
    for (const it of its) await nextWake(it, 1_000);
    const woke = nextWake(its[17], 2_000);
    await b.set(["head", 17], 1);
    await woke;
    await assert.rejects(nextWake(its[3], 300), /no wake-up/);
    abort.abort();
  });
});

Deno.test("wake-ups - processes on one store know whether they are alone (streams poll only if not)", () => {
  return twoHandles(async (a, b) => {
    const first = announceProcess(a);
    try {
      await eventually(() => !first.others, "the first process to find itself alone");
      const second = announceProcess(b);
      await eventually(() => first.others && second.others, "each to see the other");
      await second.stop();
      await eventually(() => !first.others, "the first to be alone again once the second stopped");
    } finally {
      await first.stop();
    }
    assert.deepEqual(
      await Array.fromAsync(a.list({ prefix: ["live_process"] })),
      [],
      "announcements removed",
    );
  });
});

async function eventually(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Live promise reactions in this process (a heap snapshot; it collects garbage first). */
async function liveReactions(): Promise<number> {
  const { writeHeapSnapshot } = await import("node:v8");
  const path = await Deno.makeTempFile({ suffix: ".heapsnapshot" });
  try {
    writeHeapSnapshot(path);
    const s = JSON.parse(await Deno.readTextFile(path));
    const fields: string[] = s.snapshot.meta.node_fields;
    const ni = fields.indexOf("name");
    const name = s.strings.indexOf("system / PromiseReaction");
    let n = 0;
    for (let i = ni; i < s.nodes.length; i += fields.length) if (s.nodes[i] === name) n++;
    return n;
  } finally {
    await Deno.remove(path);
  }
}

Deno.test("wake-ups - a stream woken thousands of times keeps nothing per wake-up (the soak's leak)", async () => {
  const kv = await Deno.openKv(":memory:");
  const stop = new AbortController();
  const key = ["wake-test", "head"];
  const it = wakeUps(kv, () => [key], stop.signal);
  try {
    await it.next();
    const wakeOnce = async (i: number) => {
      const next = it.next();
      await kv.set(key, i);
      assert.equal((await next).done, false);
    };
    for (let i = 0; i < 100; i++) await wakeOnce(i);
    const before = await liveReactions();
    for (let i = 0; i < 2_000; i++) await wakeOnce(i);
    const grown = (await liveReactions()) - before;
    // Racing the long-lived abort promise on each wake-up kept one reaction per wake-up (2,000).
    assert.ok(grown < 200, `${grown} promise reactions more after 2,000 wake-ups`);
  } finally {
    stop.abort();
    await it.return(undefined);
    kv.close();
  }
});

/** Pokes driven by hand, and how many `kv.watch` calls a store got. */
function pokesAndWatches(kv: Deno.Kv) {
  const wakes = new Set<(stamps?: string) => void>();
  const pokes: Pokes = (wake) => (wakes.add(wake), () => void wakes.delete(wake));
  const counter = { watches: 0 };
  const watch = kv.watch.bind(kv);
  kv.watch = ((keys: Deno.KvKey[], options?: { raw?: boolean }) => {
    counter.watches++;
    return watch(keys, options);
  }) as typeof kv.watch;
  return { pokes, poke: (stamps?: string) => wakes.forEach((w) => w(stamps)), counter, wakes };
}

Deno.test("wake-ups - poked by this process's commits, a local store's stream has no watch; others still wake it", async () => {
  const dir = await Deno.makeTempDir();
  const kv = await Deno.openKv(`${dir}/kv`);
  const abort = new AbortController();
  try {
    const p = pokesAndWatches(kv);
    const it = wakeUps(kv, () => [["head", "x"]], abort.signal, 50, p.pokes);
    await nextWake(it, 1_000);
    const woke = nextWake(it, 2_000);
    const r = await kv.set(["head", "x"], 1);
    p.poke(r.versionstamp);
    await woke;
    assert.equal(p.counter.watches, 0, "no watch");
    // Another process's commit: the poller sees it.
    const other = nextWake(it, 10_000);
    await setFromAnotherProcess(`${dir}/kv`, ["head", "x"]);
    await other;
    await assert.rejects(nextWake(it, 300), /no wake-up/, "nothing more");
    abort.abort();
    assert.equal((await it.next()).done, true);
    assert.equal(p.wakes.size, 0, "the pokes are let go");
  } finally {
    abort.abort();
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("wake-ups - on a remote store the stream keeps its watch; a poke's stamps spare the watch's wake-up", () => {
  return twoHandles(async (a) => {
    markRemoteStore(a);
    const abort = new AbortController();
    const p = pokesAndWatches(a);
    const it = wakeUps(a, () => [["head", "x"]], abort.signal, 60_000, p.pokes);
    await nextWake(it, 1_000);
    const woke = nextWake(it, 2_000);
    const r = await a.set(["head", "x"], 1);
    p.poke(r.versionstamp);
    await woke;
    assert.equal(p.counter.watches, 1, "watched");
    // The watch reports the same commit: already seen through the poke.
    const pending = it.next().then((r) => r.done === false);
    const by = (ms: number) => new Promise<string>((r) => setTimeout(r, ms, "nothing"));
    assert.equal(await Promise.race([pending, by(300)]), "nothing", "no second wake-up for the poked commit");
    await a.set(["head", "x"], 2); // not poked: the watch wakes it
    assert.equal(await Promise.race([pending, by(2_000)]), true);
    abort.abort();
  });
});
