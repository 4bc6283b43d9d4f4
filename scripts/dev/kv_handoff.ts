/**
 * How many commits a second a local KV file takes while the calling thread is busy with
 * JavaScript, made directly and through the writer worker (lib/server/kv_writer.ts).
 *
 * Deno KV gives each operation to the store's SQLite thread through a channel that holds one
 * request; the next is put in only when the caller's event loop turns. 64 writers commit 25
 * mutations of 300 bytes each for 3 s while the main thread runs tasks of `busy` ms back to back.
 *
 *   deno run -A --unstable-kv scripts/dev/kv_handoff.ts [busy ms…]   (default: 0 2 5 10)
 */
import { commitsInWorker } from "../../lib/server/kv_writer.ts";

const SECONDS = 3;
const WRITERS = 64;
const value = "x".repeat(300);

/** Runs JavaScript in tasks of `busyMs`, one after the other, until stopped. */
function busyLoop(busyMs: number): { stop: () => number } {
  let stopped = false;
  let tasks = 0;
  const channel = new MessageChannel();
  channel.port1.onmessage = () => {
    if (stopped) return;
    const t = performance.now();
    while (performance.now() - t < busyMs) { /* the main thread is busy */ }
    tasks++;
    setTimeout(() => channel.port2.postMessage(0), 0);
  };
  if (busyMs > 0) channel.port2.postMessage(0);
  return {
    stop: () => {
      stopped = true;
      channel.port1.close();
      return tasks;
    },
  };
}

async function commitsPerSecond(kv: Deno.Kv, busyMs: number): Promise<{ perSecond: number; tasks: number }> {
  const busy = busyLoop(busyMs);
  const start = performance.now();
  let commits = 0;
  const writer = async (w: number) => {
    for (let i = 0; performance.now() - start < SECONDS * 1000; i++) {
      const op = kv.atomic();
      for (let k = 0; k < 25; k++) op.set(["w", w, i, k], value);
      await op.commit();
      commits++;
    }
  };
  await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
  const seconds = (performance.now() - start) / 1000;
  return { perSecond: Math.round(commits / seconds), tasks: Math.round(busy.stop() / seconds) };
}

const dir = await Deno.makeTempDir();
const busyList = Deno.args.length ? Deno.args.map(Number) : [0, 2, 5, 10];
console.log("main thread busy | tasks/s | direct commits/s | through the writer worker commits/s");
for (const busyMs of busyList) {
  const direct = await Deno.openKv(`${dir}/direct-${busyMs}.kv`);
  const d = await commitsPerSecond(direct, busyMs);
  direct.close();
  const path = `${dir}/worker-${busyMs}.kv`;
  const viaWorker = await commitsInWorker(await Deno.openKv(path), path);
  const w = await commitsPerSecond(viaWorker, busyMs);
  viaWorker.close();
  console.log(`${busyMs} ms tasks | ${d.tasks} | ${d.perSecond} | ${w.perSecond}`);
}
await new Promise((r) => setTimeout(r, 100));
await Deno.remove(dir, { recursive: true });
