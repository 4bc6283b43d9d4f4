/**
 * Server-only: a local KV file whose commits are made by a worker thread of their own.
 *
 * Why: Deno KV hands each operation to the store's one SQLite thread through a channel that
 * holds a single request, and only the calling thread's event loop puts the next one in. While
 * the main thread runs JavaScript (a turn of the event loop under load lasts milliseconds) the
 * store finishes the commit it has and the one waiting, then sits idle: commits per second follow
 * the main thread's turns, not the store. Measured with 64 writers of 25-mutation commits
 * (`scripts/dev/kv_handoff.ts`): 1,243 commits/s with the main thread idle, 479/s with it busy
 * in 5 ms tasks, 272/s in 10 ms tasks, the SQLite thread mostly idle meanwhile. This worker's
 * event loop does nothing but commit, so it keeps the store fed: 1,151/s and 1,143/s under the
 * same main-thread load.
 *
 * Reads, `watch` and `listenQueue` stay on the caller's handle: a second SQLite connection to
 * the same file (WAL), so a read that starts after a commit resolved sees it; watchers and queue
 * listeners of one process are told of the worker's commits as of their own (Deno KV notifies
 * per file within a process). Commits keep their semantics: checks, versionstamps, sums,
 * `expireIn`, enqueues, and errors of the same class and message.
 */
import { type CommitOutcome, RecordedAtomic, type RecordedCommit } from "./kv_recorded.ts";
import { fromWireError, type FromWriter, type ToWriter, type WireCommit } from "./kv_writer_wire.ts";

type Waiter = { resolve: (r: CommitOutcome) => void; reject: (e: Error) => void };

/** The main thread's side of the worker: commits out, in one message per microtask; results in. */
class Writer {
  readonly #worker: Worker;
  readonly #waiting = new Map<number, Waiter>();
  #nextId = 1;
  #outbox: WireCommit[] = [];
  #flushQueued = false;
  #failed: Error | null = null;
  #closing = false;

  private constructor(worker: Worker) {
    this.#worker = worker;
  }

  static async start(path: string): Promise<Writer> {
    const worker = new Worker(new URL("./kv_writer_worker.ts", import.meta.url), { type: "module" });
    const writer = new Writer(worker);
    await new Promise<void>((resolve, reject) => {
      worker.onerror = (e) => {
        e.preventDefault();
        reject(new Error(`the KV writer did not start: ${e.message}`));
      };
      worker.onmessage = (e: MessageEvent<FromWriter>) => {
        if ("opened" in e.data) resolve();
        else if ("failed" in e.data) reject(fromWireError(e.data.failed));
      };
      worker.postMessage({ open: path } satisfies ToWriter);
    }).catch((e) => {
      worker.terminate();
      throw e;
    });
    worker.onmessage = (e: MessageEvent<FromWriter>) => writer.#receive(e.data);
    worker.onerror = (e) => {
      e.preventDefault();
      writer.#fail(new Error(`the KV writer failed: ${e.message}`));
    };
    return writer;
  }

  commit(c: RecordedCommit): Promise<CommitOutcome> {
    if (this.#failed) return Promise.reject(this.#failed);
    if (this.#closing) return Promise.reject(new Error("the KV store is closed"));
    const id = this.#nextId++;
    this.#outbox.push({ id, ...c });
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      queueMicrotask(() => this.#flush());
    }
    return new Promise((resolve, reject) => this.#waiting.set(id, { resolve, reject }));
  }

  /** New commits are refused; the ones sent are made, then the worker closes its handle and ends. */
  close(): void {
    if (this.#closing) return;
    this.#flush();
    this.#closing = true;
    if (this.#failed) return void this.#worker.terminate();
    this.#worker.postMessage({ close: true } satisfies ToWriter);
  }

  #flush(): void {
    this.#flushQueued = false;
    if (!this.#outbox.length) return;
    const commits = this.#outbox;
    this.#outbox = [];
    this.#worker.postMessage({ commits } satisfies ToWriter);
  }

  #receive(m: FromWriter): void {
    if ("results" in m) {
      for (const r of m.results) {
        const w = this.#waiting.get(r.id);
        if (!w) continue;
        this.#waiting.delete(r.id);
        if ("error" in r) w.reject(fromWireError(r.error));
        else w.resolve(r.ok ? { ok: true, versionstamp: r.versionstamp } : { ok: false });
      }
    } else if ("closed" in m) {
      this.#worker.terminate();
      this.#fail(new Error("the KV store is closed"));
    }
  }

  #fail(e: Error): void {
    this.#failed ??= e;
    for (const w of this.#waiting.values()) w.reject(e);
    this.#waiting.clear();
  }
}

/**
 * `kv` (a handle on the local file at `path`) with every write (`atomic().commit()`, `set`,
 * `delete`, `enqueue`) made by a worker thread on its own handle; everything else is `kv`'s.
 * Closing it (once; again does nothing) closes both, after the commits already sent.
 */
export async function commitsInWorker(kv: Deno.Kv, path: string): Promise<Deno.Kv> {
  const writer = await Writer.start(path);
  const atomic = () => new RecordedAtomic((c) => writer.commit(c)) as unknown as Deno.AtomicOperation;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    writer.close();
    kv.close();
  };
  return new Proxy(kv, {
    get(target, p) {
      switch (p) {
        case "atomic":
          return atomic;
        case "set":
          return (key: Deno.KvKey, value: unknown, o?: { expireIn?: number }) =>
            atomic().set(key, value, o).commit();
        case "delete":
          return (key: Deno.KvKey) => atomic().delete(key).commit().then(() => undefined);
        case "enqueue":
          return (value: unknown, o?: Parameters<Deno.AtomicOperation["enqueue"]>[1]) =>
            atomic().enqueue(value, o).commit();
        case "close":
        case Symbol.dispose:
          return close;
      }
      const v = Reflect.get(target, p, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}
