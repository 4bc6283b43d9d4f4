/**
 * Bench set-up: a generated configuration of N agents, a real server (createApp + startDesk +
 * Deno.serve on 127.0.0.1, port 0) over a Deno KV file, and signed-in agents each holding an
 * open event stream. The KV handed to the desk is wrapped only to count and time its operations.
 */
import { createApp } from "../../app.ts";
import { parseConfig } from "../../lib/config.ts";
import { hashPassword, sign } from "../../lib/crypto.ts";
import { type Runtime, startDesk } from "../../desk/runtime.ts";
import { FeedStream, type StreamEvent } from "./sse.ts";
import { inParallel } from "./stats.ts";

export const PASSWORD = "bench-password";
export const SOURCE = { id: "webchat", secret: "bench-webchat-secret-0123456789" };
const TEAMS = ["t0", "t1", "t2", "t3"];

/**
 * Every KV operation the desk makes, whether through `transact` or directly (sessions, outbox):
 * writes, point reads and list entries read.
 */
export type KvOps = {
  atomicCommits: number;
  sets: number;
  deletes: number;
  /** Keys read by `get` and `getMany`. */
  keysRead: number;
  /** Entries read by `list`. */
  listEntries: number;
  /** How long each atomic commit took (ms), successful or not: the store's share of latency. */
  commitMs: number[];
};

/**
 * A Deno.Kv whose operations are counted (and commits timed). Everything goes to the real
 * store untouched; methods are bound to it (Deno.Kv uses private fields).
 */
export function countingKv(kv: Deno.Kv): { kv: Deno.Kv; ops: KvOps } {
  const ops: KvOps = { atomicCommits: 0, sets: 0, deletes: 0, keysRead: 0, listEntries: 0, commitMs: [] };
  const proxy = new Proxy(kv, {
    get(target, prop) {
      if (prop === "atomic") {
        return () => {
          const op = target.atomic();
          const commit = op.commit.bind(op);
          op.commit = async () => {
            const t = performance.now();
            const r = await commit();
            if (ops.commitMs.length < 1_000_000) ops.commitMs.push(performance.now() - t);
            if (r.ok) ops.atomicCommits++;
            return r;
          };
          return op;
        };
      }
      if (prop === "list") {
        return (...a: Parameters<Deno.Kv["list"]>) => {
          const iter = target.list(...a);
          const next = iter.next.bind(iter);
          // `for await` calls next() on the iterator itself, so `cursor` and the rest stay intact.
          iter.next = async () => {
            const r = await next();
            if (!r.done) ops.listEntries++;
            return r;
          };
          return iter;
        };
      }
      const v = Reflect.get(target, prop, target);
      if (typeof v !== "function") return v;
      if (prop === "set") return (...a: unknown[]) => (ops.sets++, v.apply(target, a));
      if (prop === "delete") return (...a: unknown[]) => (ops.deletes++, v.apply(target, a));
      if (prop === "get") return (...a: unknown[]) => (ops.keysRead++, v.apply(target, a));
      if (prop === "getMany") {
        return (
          keys: unknown[],
          ...a: unknown[]
        ) => (ops.keysRead += keys.length, v.call(target, keys, ...a));
      }
      return v.bind(target);
    },
  });
  return { kv: proxy, ops };
}

/**
 * The raw configuration: `agents` agents spread over 4 teams, all speaking en/fr and handling
 * every category, so any interaction is routable to any of them (each routing decision weighs
 * all N agents). A cheap precomputed hash keeps start-up and sign-in fast: the benchmark
 * measures routing, not PBKDF2.
 */
export function benchConfigRaw(
  agents: number,
  passwordHash: string,
  capacity: number,
): Record<string, unknown> {
  const perms = [
    "accept",
    "reply",
    "resume",
    "categorize",
    "defer",
    "transfer",
    "complete",
    "print",
    "audit",
    "change_language",
  ];
  return {
    routing: {
      strategy: "least_occupied",
      acceptTimeout: null,
      idleTimeout: null,
      awayOnMiss: false,
      stickyWindow: 0,
    },
    channelGroups: {
      realtime: { capacity, maxCapacity: capacity },
      async: { capacity, maxCapacity: capacity },
    },
    categories: [{ id: "billing", name: "Billing" }, { id: "tech", name: "Tech" }],
    languages: ["en", "fr"],
    teams: TEAMS.map((id) => ({ id, name: `Team ${id}` })),
    dispositions: [{ id: "solved", name: "Solved" }],
    roles: { agent: perms },
    sources: [{
      id: SOURCE.id,
      name: "Web chat",
      kind: "chat",
      group: "realtime",
      secret: SOURCE.secret,
      callbackUrl: null,
      teams: TEAMS,
      defaultLanguage: "en",
    }],
    agents: Array.from({ length: agents }, (_, i) => ({
      id: `a${String(i).padStart(3, "0")}`,
      name: `Agent ${i}`,
      login: `a${String(i).padStart(3, "0")}`,
      passwordHash,
      role: "agent",
      teams: [TEAMS[i % TEAMS.length]],
      categories: ["billing", "tech"],
      languages: ["en", "fr"],
    })),
  };
}

/** A response: status and parsed JSON body (shapes per API.md, read loosely). */
// deno-lint-ignore no-explicit-any
export type Reply = { status: number; body: any };

export type BenchAgent = { id: string; token: string; stream: FeedStream };

export class BenchServer {
  agents: BenchAgent[] = [];
  #byId = new Map<string, BenchAgent>();
  /** Replaced by each phase: receives every event from every agent's stream. */
  onEvent: (e: StreamEvent) => void = () => {};

  constructor(
    readonly url: string,
    readonly runtime: Runtime,
    readonly kv: Deno.Kv,
    readonly ops: KvOps,
    readonly raw: Record<string, unknown>,
    private readonly server: Deno.HttpServer,
  ) {}

  get desk() {
    return this.runtime.desk;
  }

  /** Swaps the live routing settings (what the admin API does, minus the HTTP round-trip). */
  setRouting(patch: Record<string, unknown>): void {
    const routing = { ...(this.raw.routing as Record<string, unknown>), ...patch };
    this.desk.ctx.setConfig(parseConfig({ ...this.raw, routing }));
  }

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

  async presence(presence: "available" | "away", concurrency = 8): Promise<void> {
    await inParallel(this.agents, concurrency, async (a) => {
      const r = await this.call("PUT", "/api/v1/me/presence", { presence }, a.token);
      if (r.status !== 200) throw new Error(`presence of ${a.id}: ${r.status} ${JSON.stringify(r.body)}`);
    });
  }

  agent(id: string): BenchAgent {
    const a = this.#byId.get(id);
    if (!a) throw new Error(`unknown bench agent ${id}`);
    return a;
  }

  /** Signs every configured agent in and opens its event stream (bounded concurrency). */
  async connectAgents(): Promise<void> {
    const ids = this.desk.config.agents.map((a) => a.login);
    this.agents = await inParallel(ids, 8, async (login) => {
      const r = await this.call("POST", "/api/v1/session", { login, password: PASSWORD });
      if (r.status !== 200) throw new Error(`sign-in of ${login}: ${r.status} ${JSON.stringify(r.body)}`);
      const stream = new FeedStream(this.url, r.body.agent.id, r.body.token, (e) => this.onEvent(e));
      await stream.ready;
      return { id: r.body.agent.id, token: r.body.token, stream };
    });
    this.#byId = new Map(this.agents.map((a) => [a.id, a]));
  }

  async close(): Promise<void> {
    for (const a of this.agents) a.stream.close();
    await Promise.race([this.server.shutdown(), new Promise((r) => setTimeout(r, 5_000))]);
    await this.runtime.stop();
  }
}

/** Starts the desk and the HTTP server on loopback over `kv`. */
export async function startBenchServer(
  kvReal: Deno.Kv,
  agents: number,
  capacity: number,
): Promise<BenchServer> {
  const passwordHash = await hashPassword(PASSWORD, 1_000);
  const raw = benchConfigRaw(agents, passwordHash, capacity);
  const config = parseConfig(raw);
  const { kv, ops } = countingKv(kvReal);
  const runtime = await startDesk({ kv, config });
  const app = createApp(runtime.desk);
  const { promise, resolve } = Promise.withResolvers<number>();
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: ({ port }) => resolve(port) },
    app.fetch,
  );
  const port = await promise;
  return new BenchServer(`http://127.0.0.1:${port}`, runtime, kv, ops, raw, server);
}
