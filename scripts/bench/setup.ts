/**
 * The bench's side of a run: it spawns the bench server (scripts/bench/server.ts) as its own
 * process over a temporary KV file, signs every agent in, holds each agent's event stream, and
 * drives the server over HTTP. Nothing here runs in the server's process: what the load
 * generator and the stream readers cost shows in this process's own probe, never in the
 * server's figures.
 */
import { sign } from "../../lib/server/crypto.ts";
import { PASSWORD, SOURCE } from "./bench_config.ts";
import type { ServerWindow } from "./probe.ts";
import { SERVER_PREFIX } from "./server.ts";
import { FeedStream, type StreamEvent } from "./sse.ts";
import { inParallel } from "./stats.ts";

export { PASSWORD, SOURCE };

/** A response: status and parsed JSON body (shapes per API.md, read loosely). */
// deno-lint-ignore no-explicit-any
export type Reply = { status: number; body: any };

export type BenchAgent = { id: string; token: string; stream: FeedStream };

export type ServerSpawn = {
  agents: number;
  capacity: number;
  kvPath: string;
  /** A directory for a V8 CPU profile of the server (`deno run --cpu-prof`), or null. */
  cpuProfDir?: string | null;
  /** A raw configuration file to serve instead of the generated one. */
  configFile?: string;
  /** Lets `BenchServer.gc` run a full garbage collection in the server (`--expose-gc`). */
  exposeGc?: boolean;
  /** More environment for the server process (e.g. glibc's MALLOC_ARENA_MAX). */
  env?: Record<string, string>;
  /** Hears each line the server writes to stderr (still echoed here); unset: stderr inherited. */
  onStderr?: (line: string) => void;
};

export class BenchServer {
  agents: BenchAgent[] = [];
  #byId = new Map<string, BenchAgent>();
  /** Replaced by each phase: receives every event from every agent's stream. */
  onEvent: (e: StreamEvent) => void = () => {};
  /** Hears an agent's stream that ended without being closed here (see `StreamOptions.onEnd`). */
  onStreamEnd: (agentId: string, error: unknown | null) => void = () => {};

  constructor(readonly url: string, readonly pid: number, private readonly child: Deno.ChildProcess) {}

  async call(method: string, path: string, body?: unknown, token?: string): Promise<Reply> {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(this.url + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }

  async #control<T>(method: string, path: string, body?: unknown): Promise<T> {
    const r = await this.call(method, `/__bench/${path}`, body);
    if (r.status !== 200) throw new Error(`bench server ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body as T;
  }

  /** Starts a window of the server's own figures (CPU, lag, RSS, KV work). */
  async mark(): Promise<number> {
    return (await this.#control<{ mark: number }>("POST", "mark")).mark;
  }

  /** The server's figures since `mark`. */
  window(mark: number): Promise<ServerWindow> {
    return this.#control<ServerWindow>("GET", `window/${mark}`);
  }

  /** A full garbage collection in the server (spawned with `exposeGc`), then its memory. */
  gc(): Promise<
    { gc: boolean; rssMiB: number; heapUsedMiB: number; heapTotalMiB: number; externalMiB: number }
  > {
    return this.#control("POST", "gc");
  }

  /** Writes a V8 heap snapshot of the server to `path`. */
  async heapSnapshot(path: string): Promise<void> {
    await this.#control("POST", "heap-snapshot", { path });
  }

  /** An interaction as stored (state and agent), or null: to explain a missing offer. */
  async interaction(id: string): Promise<{ state: string; agentId: string | null } | null> {
    return await this.#control("GET", `interaction/${encodeURIComponent(id)}`);
  }

  /** Swaps the live routing settings (what the admin API does, minus its validation of the rest). */
  async setRouting(patch: Record<string, unknown>): Promise<void> {
    await this.#control("POST", "routing", patch);
  }

  /** Resolves once no dispatch pass runs on the server. */
  async settle(): Promise<void> {
    await this.#control("POST", "settle");
  }

  /** Holds the server's dispatch passes back until `release`. */
  async hold(): Promise<void> {
    await this.#control("POST", "hold");
  }

  async release(): Promise<void> {
    await this.#control("POST", "release");
  }

  /** Resolves once the server made no KV operation for 30 ms (waiting at most 1 s, or `limitMs`). */
  async quiesce(limitMs?: number): Promise<void> {
    await this.#control("POST", limitMs ? `quiesce/${limitMs}` : "quiesce");
  }

  /** A signed connector webhook with one customer message on its own thread. */
  async inbound(thread: string, n: number): Promise<Reply> {
    const raw = JSON.stringify({
      id: `m-${thread}-${n}`,
      thread: { id: thread },
      author: { id: `c-${thread}` },
      body: `Hello ${n}`,
    });
    const res = await fetch(`${this.url}/api/v1/sources/${SOURCE.id}/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-signature": await sign(SOURCE.secret, raw) },
      body: raw,
    });
    return { status: res.status, body: await res.json() };
  }

  async act(agent: BenchAgent, interactionId: string, action: "accept" | "complete"): Promise<void> {
    const r = await this.call("POST", `/api/v1/interactions/${interactionId}/${action}`, {}, agent.token);
    if (r.status !== 200) {
      throw new Error(`${action} of ${interactionId} by ${agent.id}: ${r.status} ${JSON.stringify(r.body)}`);
    }
  }

  async presence(presence: "available" | "away", concurrency = 8, agents = this.agents): Promise<void> {
    await inParallel(agents, concurrency, async (a) => {
      const r = await this.call("PUT", "/api/v1/me/presence", { presence }, a.token);
      if (r.status !== 200) throw new Error(`presence of ${a.id}: ${r.status} ${JSON.stringify(r.body)}`);
    });
  }

  agent(id: string): BenchAgent {
    const a = this.#byId.get(id);
    if (!a) throw new Error(`unknown bench agent ${id}`);
    return a;
  }

  /** Signs `logins` in and opens each one's event stream, 32 at a time (sign-in has no hot key). */
  async connectAgents(logins: string[]): Promise<void> {
    this.agents = await inParallel(logins, 32, async (login) => {
      const r = await this.call("POST", "/api/v1/session", { login, password: PASSWORD });
      if (r.status !== 200) throw new Error(`sign-in of ${login}: ${r.status} ${JSON.stringify(r.body)}`);
      const id = r.body.agent.id;
      const stream = new FeedStream(this.url, id, r.body.token, (e) => this.onEvent(e), {
        onEnd: (error) => this.onStreamEnd(id, error),
      });
      await stream.ready;
      return { id: r.body.agent.id, token: r.body.token, stream };
    });
    this.#byId = new Map(this.agents.map((a) => [a.id, a]));
  }

  /** Closes the streams, then stops the server (SIGTERM, so a CPU profile gets written). */
  async close(): Promise<void> {
    for (const a of this.agents) a.stream.close();
    try {
      this.child.kill("SIGTERM");
    } catch { /* already gone */ }
    const killer = setTimeout(() => {
      try {
        this.child.kill("SIGKILL");
      } catch { /* gone */ }
    }, 15_000);
    await this.child.status;
    clearTimeout(killer);
  }
}

/** The logins of the generated configuration's agents (see `benchConfigRaw`). */
export const agentLogins = (n: number): string[] =>
  Array.from({ length: n }, (_, i) => `a${String(i).padStart(3, "0")}`);

/** Echoes `stream` to this process's stderr and hands each line to `onLine`. */
function forwardLines(stream: ReadableStream<Uint8Array<ArrayBuffer>>, onLine: (line: string) => void): void {
  (async () => {
    let buf = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      buf += chunk;
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        console.error(line);
        onLine(line);
      }
    }
    if (buf) {
      console.error(buf);
      onLine(buf);
    }
  })().catch(() => {});
}

/** Spawns the bench server process and waits until it listens. */
export async function spawnBenchServer(o: ServerSpawn): Promise<BenchServer> {
  const script = new URL("./server.ts", import.meta.url).pathname;
  const config = new URL("../../deno.json", import.meta.url).pathname;
  const args = ["run", "-A", "--config", config];
  if (o.exposeGc) args.push("--v8-flags=--expose-gc");
  if (o.cpuProfDir) args.push("--cpu-prof", `--cpu-prof-dir=${o.cpuProfDir}`);
  const child = new Deno.Command(Deno.execPath(), {
    args: [...args, script],
    env: {
      BENCH_AGENTS: String(o.agents),
      BENCH_CAPACITY: String(o.capacity),
      KV_PATH: o.kvPath,
      ...(o.configFile ? { BENCH_CONFIG: o.configFile } : {}),
      BENCH_PARENT_PIPE: "1",
      ...o.env,
    },
    // Held open while this process lives: the server stops when it closes (see server.ts).
    stdin: "piped",
    stdout: "piped",
    stderr: o.onStderr ? "piped" : "inherit",
  }).spawn();
  if (o.onStderr) forwardLines(child.stderr, o.onStderr);
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  const deadline = setTimeout(() => child.kill("SIGKILL"), 60_000);
  try {
    for (;;) {
      const { value, done } = await lines.read();
      if (done) throw new Error("the bench server exited before listening");
      buf += value;
      const line = buf.split("\n").find((l) => l.startsWith(SERVER_PREFIX));
      if (line) {
        const { url, pid } = JSON.parse(line.slice(SERVER_PREFIX.length));
        // The rest of its stdout is not needed, but must keep draining.
        (async () => {
          while (!(await lines.read()).done);
        })().catch(() => {});
        return new BenchServer(url, pid, child);
      }
    }
  } finally {
    clearTimeout(deadline);
  }
}
