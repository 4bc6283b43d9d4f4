// deno-lint-ignore-file no-explicit-any -- API bodies in tests are untyped JSON; each test asserts the fields it reads.
/**
 * Test harness: a real server on loopback over a real Deno KV (`:memory:` or a temp file),
 * signed connector requests, agent API clients and an SSE reader. Nothing here is a mock.
 */
import type { FolderName, Presence } from "../lib/shared/wire/views.ts";
import { createApp } from "../app.ts";
import type { Config } from "../lib/shared/config.ts";
import { sign } from "../lib/server/crypto.ts";
import { PASSWORD, testConfig, within } from "../lib/testing/fixtures.ts";

// The test data lives in lib/testing/fixtures.ts (scripts and benchmarks share it); the suites
// import it from here as before.
export {
  AGENT_PERMISSIONS,
  type AgentSpec,
  eventually,
  PASSWORD,
  passwordHash,
  testConfig,
  testRoles,
  testRouting,
  testSource,
  within,
} from "../lib/testing/fixtures.ts";
import type { Clock } from "../lib/shared/time.ts";
import { type Runtime, startDesk } from "../desk/runtime.ts";

/** How long one API request of a test may take, body included (far above any real answer). */
export const REQUEST_TIMEOUT_MS = 30_000;
/** How long closing a test server may take before the test fails (open streams, stuck dispatch). */
const CLOSE_TIMEOUT_MS = 10_000;
export type ApiResponse<T = any> = { status: number; body: T; headers: Headers };

export class TestServer {
  constructor(
    readonly url: string,
    readonly runtime: Runtime,
    readonly kv: Deno.Kv,
    private readonly server: Deno.HttpServer,
    private readonly ownsKv: boolean,
  ) {}

  get desk() {
    return this.runtime.desk;
  }

  async request<T = any>(
    method: string,
    path: string,
    opts: { body?: unknown; raw?: string; headers?: Record<string, string>; token?: string } = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    let body: string | undefined = opts.raw;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers["content-type"] = "application/json";
    }
    const res = await this.#fetch(method, path, headers, body);
    let parsed: unknown = res.text;
    try {
      parsed = res.text ? JSON.parse(res.text) : null;
    } catch { /* not JSON */ }
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  /** One request, aborted (and the test failed) after `REQUEST_TIMEOUT_MS`. */
  async #fetch(method: string, path: string, headers: Record<string, string>, body?: string) {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), REQUEST_TIMEOUT_MS);
    try {
      const res = await fetch(this.url + path, { method, headers, body, signal: abort.signal });
      return { status: res.status, headers: res.headers, text: await res.text() };
    } catch (e) {
      if (!abort.signal.aborted) throw e;
      throw new Error(`${method} ${path} did not answer within ${REQUEST_TIMEOUT_MS / 1000} s`);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Posts a signed inbound message (the connector side of API.md). */
  async inbound(sourceId: string, message: Record<string, unknown>, secret?: string): Promise<ApiResponse> {
    const raw = JSON.stringify(message);
    const s = secret ?? this.desk.config.sources.find((x) => x.id === sourceId)?.secret ?? "x".repeat(16);
    return await this.request("POST", `/api/v1/sources/${sourceId}/messages`, {
      raw,
      headers: { "x-signature": await sign(s, raw) },
    });
  }

  async event(sourceId: string, event: Record<string, unknown>): Promise<ApiResponse> {
    const raw = JSON.stringify(event);
    const s = this.desk.config.sources.find((x) => x.id === sourceId)!.secret;
    return await this.request("POST", `/api/v1/sources/${sourceId}/events`, {
      raw,
      headers: { "x-signature": await sign(s, raw) },
    });
  }

  /** Signs an agent in and returns an API client bound to its token. */
  async agent(login: string, opts: { available?: boolean } = {}): Promise<AgentClient> {
    const r = await this.request("POST", "/api/v1/session", { body: { login, password: PASSWORD } });
    if (r.status !== 200) {
      throw new Error(`sign-in of ${login} failed: ${r.status} ${JSON.stringify(r.body)}`);
    }
    const client = new AgentClient(this, r.body.token, r.body.agent.id);
    if (opts.available) await client.presence("available");
    return client;
  }

  /** Waits until no dispatch pass is running (bounded: a stuck pass fails the test). */
  settle(): Promise<void> {
    return within(this.desk.dispatcher.settle(), 15_000, "the dispatcher to settle");
  }

  /** Event streams opened by this server's clients; closed by `close()` so a failed test cannot hang. */
  readonly readers = new Set<EventReader>();

  /**
   * Stops serving, then the runtime, then closes the store it opened. Each step is bounded: a
   * client still holding a stream open (shutdown waits for it) or a stuck dispatch pass fails
   * the test with what was stuck instead of hanging it; the later steps run all the same.
   */
  async close(): Promise<void> {
    for (const r of this.readers) r.close();
    const stuck: string[] = [];
    await within(this.server.shutdown(), CLOSE_TIMEOUT_MS, "").catch(() => {
      // Graceful shutdown waits for every open response (event streams included). Let the
      // process exit without it; the resource sanitizer names the connection left open.
      this.server.unref();
      stuck.push(`${this.url}: requests still open ${CLOSE_TIMEOUT_MS / 1000} s after shutdown began`);
    });
    await within(this.runtime.stop(), CLOSE_TIMEOUT_MS, "").catch(() => {
      stuck.push(`${this.url}: the runtime did not stop within ${CLOSE_TIMEOUT_MS / 1000} s`);
    });
    if (this.ownsKv) this.kv.close();
    if (stuck.length) throw new Error(`test server did not close cleanly: ${stuck.join("; ")}`);
  }
}

export class AgentClient {
  constructor(readonly server: TestServer, readonly token: string, readonly id: string) {}

  req<T = any>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>> {
    return this.server.request<T>(method, path, { body, token: this.token });
  }

  async presence(presence: Presence) {
    const r = await this.req("PUT", "/api/v1/me/presence", { presence });
    if (r.status !== 200) throw new Error(`presence failed: ${JSON.stringify(r.body)}`);
    await this.server.settle();
    return r;
  }

  act(id: string, action: string, body: unknown = {}) {
    return this.req("POST", `/api/v1/interactions/${id}/${action}`, body);
  }

  async folder(name: FolderName) {
    const r = await this.req("GET", `/api/v1/me/folders/${name}?limit=200`);
    return r.body.items as Array<Record<string, any>>;
  }

  /** The agent's event stream, or another stream at `path` (the supervisor's). */
  events(lastEventId?: string, path?: string): EventReader {
    const reader = new EventReader(this.server.url, this.token, lastEventId, path);
    this.server.readers.add(reader);
    return reader;
  }
}

export type SseEvent = { id: string | null; event: string; data: any };

/** A minimal EventSource over fetch: collects events and waits for the ones a test expects. */
export class EventReader {
  readonly events: SseEvent[] = [];
  comments = 0;
  #waiters: (() => void)[] = [];
  #abort = new AbortController();
  #ready: Promise<void>;
  closed = false;

  /** Resolves once the stream delivered its first block (or closed); rejects after 10 s. */
  get ready(): Promise<void> {
    return within(this.#ready, 10_000, "the event stream's first block");
  }

  constructor(url: string, token: string, lastEventId?: string, path = "/api/v1/me/events") {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (lastEventId !== undefined) headers["last-event-id"] = lastEventId;
    let ready!: () => void;
    this.#ready = new Promise((r) => (ready = r));
    (async () => {
      try {
        const res = await fetch(`${url}${path}`, { headers, signal: this.#abort.signal });
        if (!res.ok || !res.body) throw new Error(`event stream answered ${res.status}`);
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += value;
          let i;
          while ((i = buf.indexOf("\n\n")) >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            this.#parse(block);
            ready();
          }
        }
      } catch (e) {
        if (!this.#abort.signal.aborted) console.error("event reader:", e);
      } finally {
        this.closed = true;
        ready();
        this.#wake();
      }
    })();
  }

  #parse(block: string) {
    let id: string | null = null, event = "message", data = "";
    let comment = false;
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) comment = true;
      else if (line.startsWith("id:")) id = line.slice(3).trim();
      else if (line.startsWith("event:")) event = line.slice(6).trim();
      else if (line.startsWith("data:")) data += line.slice(5).trim();
    }
    if (comment && !data) {
      this.comments++;
    } else {
      this.events.push({ id, event, data: data ? JSON.parse(data) : null });
    }
    this.#wake();
  }

  #wake() {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  /** Resolves with the first event (received so far or later) matching; rejects after `timeoutMs`. */
  async next(
    event: string,
    match: (data: any) => boolean = () => true,
    timeoutMs = 5000,
    from = 0,
  ): Promise<SseEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.slice(from).find((e) => e.event === event && match(e.data));
      if (found) return found;
      if (this.closed) throw new Error(`stream closed before ${event}`);
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`timed out waiting for ${event}; got ${this.events.map((e) => e.event).join(", ")}`);
      }
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  close() {
    this.#abort.abort();
  }
}

export type StartOptions = {
  config?: Config;
  kv?: Deno.Kv;
  kvPath?: string;
  clock?: Clock;
  deliveryBackoff?: number[];
  tickMs?: number;
  keepAliveMs?: number;
  /**
   * KV queues on or off (the leased polling scheduler). Default: on, or what `TEST_KV_QUEUES`
   * says (`TEST_KV_QUEUES=off deno task test` runs every suite without queues).
   */
  queues?: boolean;
  metricsToken?: string;
};

/** Starts a server on 127.0.0.1 with a free port. */
export async function startServer(o: StartOptions = {}): Promise<TestServer> {
  const config = o.config ?? (await testConfig());
  const kv = o.kv ?? (await Deno.openKv(o.kvPath ?? ":memory:"));
  const runtime = await startDesk({
    kv,
    config,
    clock: o.clock,
    deliveryBackoff: o.deliveryBackoff ?? [50, 100, 200],
    tickMs: o.tickMs ?? 1000,
    deliveryTimeout: 2000,
    queues: o.queues ?? Deno.env.get("TEST_KV_QUEUES") !== "off",
    scheduler: { pollMs: 50 },
  });
  const app = createApp(runtime.desk, { keepAliveMs: o.keepAliveMs, runtime, metricsToken: o.metricsToken });
  const { promise, resolve } = Promise.withResolvers<number>();
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: ({ port }) => resolve(port) },
    app.fetch,
  );
  const port = await promise;
  runtime.desk.ctx.publicUrl = `http://127.0.0.1:${port}`;
  return new TestServer(`http://127.0.0.1:${port}`, runtime, kv, server, !o.kv);
}

/** Receives outbound deliveries on loopback (stands in for a connector's callback endpoint). */
export async function startCallbackServer(
  handler?: (req: Request, body: string) => Response | Promise<Response>,
) {
  const received: { headers: Headers; body: string; json: any }[] = [];
  const { promise, resolve } = Promise.withResolvers<number>();
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: ({ port }) => resolve(port) },
    async (req) => {
      const body = await req.text();
      const res = handler ? await handler(req, body) : new Response("ok");
      if (res.ok) received.push({ headers: req.headers, body, json: JSON.parse(body) });
      return res;
    },
  );
  const port = await promise;
  return {
    url: `http://127.0.0.1:${port}/outbound`,
    received,
    close: () => within(server.shutdown(), CLOSE_TIMEOUT_MS, "closing the callback server"),
  };
}

let seq = 0;
/** A unique inbound message. */
export function msg(thread: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  seq++;
  return {
    id: `m-${Date.now()}-${seq}`,
    thread: { id: thread },
    author: { id: `c-${thread}`, name: `Customer ${thread}` },
    body: `Hello ${seq}`,
    ...extra,
  };
}
