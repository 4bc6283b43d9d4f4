import assert from "node:assert/strict";
import { wakeUps } from "./wake_ups.ts";

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

Deno.test("wake-ups - a commit of another process on the same file wakes the stream by polling", () => {
  return twoHandles(async (a, b) => {
    const abort = new AbortController();
    const it = wakeUps(a, () => [["head", "x"]], abort.signal, 50);
    await nextWake(it, 1_000);
    const woke = nextWake(it, 2_000);
    await b.set(["head", "x"], 1);
    assert.ok((await woke) < 1_000);
    // Nothing changes: no wake-up, however many polls pass.
    await assert.rejects(nextWake(it, 300), /no wake-up/);
    abort.abort();
  });
});

Deno.test("wake-ups - many streams share one poller and each wakes only for its own keys", () => {
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
