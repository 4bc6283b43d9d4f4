/**
 * The bench server: the desk and its HTTP server in a process of their own, so the load
 * generator and the stream readers (scripts/bench/setup.ts, in the bench's process) never take
 * CPU from what they measure. Started by `spawnBenchServer`; alone:
 * `BENCH_AGENTS=200 BENCH_CAPACITY=20 KV_PATH=/tmp/x.sqlite3 deno run -A scripts/bench/server.ts`.
 *
 * It serves the real app (createApp + startDesk over a Deno KV file, port 0 on loopback) with
 * the generated configuration of `benchConfigRaw`, plus bench-only endpoints under `/__bench/`
 * that exist in this entry only (never in main.ts): `POST mark` → `{mark}`, `GET window/<mark>`
 * → the server's CPU share, event-loop lag, RSS, KV operations, commits and timer lateness since
 * that mark; `GET interaction/<id>` → its stored state and agent; `POST routing` (a patch of the
 * routing settings), `POST settle` (no dispatch pass running), `POST hold` / `POST release`
 * (dispatch passes held back, then released), `POST quiesce[/<ms>]` (no KV operation for 30 ms,
 * waiting at most 1 s or <ms>), `POST gc` (V8's most thorough garbage collection, "last-resort", when started with
 * `--v8-flags=--expose-gc`, then `{gc, rssMiB, heapUsedMiB, heapTotalMiB, externalMiB}`: the memory the server really keeps,
 * without the heap's sawtooth), `POST heap-snapshot` (`{path}`: a V8 heap snapshot written there).
 * Prints one `BENCH_SERVER {"url":…}`
 * line on stdout once it listens; SIGTERM (or the end of its stdin, when spawned by a bench) stops
 * it cleanly (and so writes a `--cpu-prof`).
 */
import { writeHeapSnapshot } from "node:v8";
import { createApp } from "../../app.ts";
import { openKv } from "../../main.ts";
import { parseConfig } from "../../lib/shared/config.ts";
import { hashPassword } from "../../lib/server/crypto.ts";
import { keys } from "../../lib/server/keys.ts";
import { startDesk } from "../../desk/runtime.ts";
import { benchConfigRaw, PASSWORD } from "./bench_config.ts";
import { countingKv } from "./kv_count.ts";
import { ServerProbe } from "./probe.ts";
import { sleep } from "./stats.ts";

export const SERVER_PREFIX = "BENCH_SERVER ";

const env = (name: string, fallback: string) => Deno.env.get(name) ?? fallback;

async function main(): Promise<void> {
  const agents = Number(env("BENCH_AGENTS", "200"));
  const capacity = Number(env("BENCH_CAPACITY", "20"));
  // The store as the server opens it (a file's commits made by a worker thread, main.ts).
  const kvReal = await openKv(env("KV_PATH", ":memory:"));
  // BENCH_CONFIG: a raw configuration file written by a part (the soak's sources), else generated.
  const configFile = Deno.env.get("BENCH_CONFIG");
  const raw: Record<string, unknown> = configFile
    ? JSON.parse(await Deno.readTextFile(configFile))
    : benchConfigRaw(agents, await hashPassword(PASSWORD, 1_000), capacity);
  const { kv, ops } = countingKv(kvReal);
  const runtime = await startDesk({ kv, config: parseConfig(raw) });
  const desk = runtime.desk;
  const pool = desk.dispatcher.pool;
  const probe = new ServerProbe(
    ops,
    desk.timerLateness,
    () => ({ loads: pool.loads, refreshes: pool.refreshes }),
  );
  const app = createApp(desk);

  const quiesce = async (quietMs = 30, limitMs = 1_000) => {
    const deadline = performance.now() + limitMs;
    const sum = () => ops.atomicCommits + ops.sets + ops.deletes + ops.keysRead + ops.listEntries;
    await desk.dispatcher.settle();
    for (let last = sum(); performance.now() < deadline;) {
      await sleep(quietMs);
      const now = sum();
      if (now === last) return;
      last = now;
    }
  };

  let release: (() => void) | null = null;
  const bench = async (req: Request, path: string): Promise<Response> => {
    if (req.method === "POST" && path === "mark") return Response.json({ mark: probe.mark() });
    if (req.method === "GET" && path.startsWith("window/")) {
      const w = probe.window(Number(path.slice(7)));
      return w ? Response.json(w) : new Response("unknown mark", { status: 404 });
    }
    if (req.method === "GET" && path.startsWith("interaction/")) {
      const id = decodeURIComponent(path.slice("interaction/".length));
      const s = (await kvReal.get<{ state: string; agentId: string | null }>(keys.interaction(id))).value;
      return Response.json(s ? { state: s.state, agentId: s.agentId } : null);
    }
    if (req.method === "POST" && path === "routing") {
      const routing = { ...(raw.routing as Record<string, unknown>), ...(await req.json()) };
      desk.ctx.setConfig(parseConfig({ ...raw, routing }));
      return Response.json({ ok: true });
    }
    if (req.method === "POST" && path === "settle") {
      await desk.dispatcher.settle();
      return Response.json({ ok: true });
    }
    if (req.method === "POST" && path === "hold") {
      release ??= desk.dispatcher.hold();
      return Response.json({ ok: true });
    }
    if (req.method === "POST" && path === "release") {
      release?.();
      release = null;
      return Response.json({ ok: true });
    }
    if (req.method === "POST" && path.startsWith("quiesce")) {
      // `quiesce/<ms>`: waits up to that long (a phase's backlog on a loaded machine).
      const limit = Number(path.split("/")[1]);
      await quiesce(30, Number.isFinite(limit) && limit > 0 ? Math.min(limit, 120_000) : 1_000);
      return Response.json({ ok: true });
    }
    if (req.method === "POST" && path === "heap-snapshot") {
      // Where the heap's memory goes (compare two with a heap-snapshot viewer): `{path}` in, out.
      const { path: file } = await req.json();
      return Response.json({ path: writeHeapSnapshot(String(file)) });
    }
    if (req.method === "POST" && path === "gc") {
      // "last-resort" is the collection V8 runs under memory pressure: it also gives back the
      // pages a burst of work in flight left committed, which a plain gc() keeps until the
      // process has been idle for a while (scripts/dev/v8_burst_memory.ts: 351 MiB after a
      // burst with gc(), 50 with this), so what is measured is what the server keeps.
      const gc = (globalThis as { gc?: (o?: unknown) => void }).gc;
      gc?.({ type: "major", execution: "sync", flavor: "last-resort" });
      const m = Deno.memoryUsage();
      const mib = (b: number) => Math.round((b / 2 ** 20) * 10) / 10;
      return Response.json({
        gc: !!gc,
        rssMiB: mib(m.rss),
        heapUsedMiB: mib(m.heapUsed),
        // V8's committed heap and memory outside it (buffers): with RSS, where a rise sits.
        heapTotalMiB: mib(m.heapTotal),
        externalMiB: mib(m.external),
      });
    }
    return new Response("not found", { status: 404 });
  };

  const server = Deno.serve({
    port: 0,
    hostname: "127.0.0.1",
    onListen: ({ port }) =>
      console.log(SERVER_PREFIX + JSON.stringify({ url: `http://127.0.0.1:${port}`, pid: Deno.pid })),
  }, (req) => {
    const path = new URL(req.url).pathname;
    return path.startsWith("/__bench/") ? bench(req, path.slice(9)) : app.fetch(req);
  });

  const stop = async () => {
    probe.process.stop();
    await Promise.race([server.shutdown(), sleep(3_000)]);
    await runtime.stop();
    kvReal.close();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGTERM", stop);
  Deno.addSignalListener("SIGINT", stop);
  // Spawned by a bench: its stdin is a pipe from it, closed when it ends however it ends (killed
  // by a part's time limit included), so no server outlives its bench.
  if (Deno.env.get("BENCH_PARENT_PIPE")) {
    (async () => {
      for await (const _ of Deno.stdin.readable) { /* nothing is sent; only the end matters */ }
      await stop();
    })();
  }
}

if (import.meta.main) await main();
