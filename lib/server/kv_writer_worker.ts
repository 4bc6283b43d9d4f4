/**
 * Server-only: the KV writer worker (see lib/server/kv_writer.ts). It opens the same local file
 * and makes every commit the main thread sends, all at once, so the store's SQLite thread always
 * has the next one waiting; its event loop does nothing else. Results go back in one message per
 * turn of this loop. A commit that finds the file locked by another connection (the main
 * thread's queue and expiry work, another process) is tried again, as lib/server/kv_busy.ts does.
 */
/// <reference lib="deno.worker" />
import { retrying } from "./kv_busy.ts";
import { replay } from "./kv_recorded.ts";
import {
  type FromWriter,
  type ToWriter,
  type WireCommit,
  wireError,
  type WireResult,
} from "./kv_writer_wire.ts";

let kv: Deno.Kv | null = null;
let inFlight = 0;
let closing = false;
let results: WireResult[] = [];
let flushing = false;

const send = (m: FromWriter) => self.postMessage(m);

function answer(r: WireResult): void {
  results.push(r);
  if (!flushing) {
    flushing = true;
    queueMicrotask(() => {
      flushing = false;
      const batch = results;
      results = [];
      send({ results: batch });
      if (closing && inFlight === 0) finish();
    });
  }
}

function finish(): void {
  kv?.close();
  kv = null;
  send({ closed: true });
  self.close();
}

function commit(c: WireCommit): void {
  const store = kv;
  if (!store) return answer({ id: c.id, error: { name: "Error", message: "the KV writer is closed" } });
  inFlight++;
  const done = (r: WireResult) => (inFlight--, answer(r));
  retrying(() => replay(store, c)).then(
    (r) => done(r.ok ? { id: c.id, ok: true, versionstamp: r.versionstamp } : { id: c.id, ok: false }),
    (e) => done({ id: c.id, error: wireError(e) }),
  );
}

self.onmessage = async (e: MessageEvent<ToWriter>) => {
  const m = e.data;
  if ("open" in m) {
    try {
      kv = await Deno.openKv(m.open);
      send({ opened: true });
    } catch (err) {
      send({ failed: wireError(err) });
      self.close();
    }
  } else if ("commits" in m) {
    for (const c of m.commits) commit(c);
  } else if ("close" in m) {
    closing = true;
    if (inFlight === 0 && !flushing) finish();
  }
};
