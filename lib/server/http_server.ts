/**
 * Serving HTTP with a header read deadline (issue 10 item 6). `Deno.serve` has no header read
 * time limit (denoland/deno#3515): a client that opens connections and never finishes a request
 * head holds each one as long as it likes (slowloris). Here the server accepts connections
 * itself and serves each with `Deno.serveHttp`, whose `nextRequest()` resolves once a request
 * head is complete: a connection that has not sent one within `headerTimeoutMs` of connecting, or
 * of its previous response, is closed (the same rule closes idle keep-alive connections).
 *
 * It is opt-in (`HEADER_TIMEOUT_MS`, main.ts), for a server that faces clients with no proxy in
 * front: measured on a trivial handler it costs about 35 µs more CPU per request than
 * `Deno.serve`, and a client that goes away is noticed at the next write (an event stream's
 * keep-alive, within 20 s) rather than at once. `headerTimeoutMs: 0` serves with `Deno.serve`.
 */

/**
 * `Deno.serveHttp` is gone from Deno 2's type declarations but still in its runtime (2.9); where
 * it is missing, `serve` falls back to `Deno.serve` and says so once.
 */
type RequestEvent = { request: Request; respondWith(r: Response | Promise<Response>): Promise<void> };
type HttpConn = { nextRequest(): Promise<RequestEvent | null>; close(): void };
const serveHttp = (Deno as unknown as { serveHttp?: (conn: Deno.Conn) => HttpConn }).serveHttp;

export type ServeInfo = { remoteAddr: Deno.NetAddr };
export type Handler = (req: Request, info: ServeInfo) => Response | Promise<Response>;

export type ServeOptions = {
  hostname: string;
  port: number;
  /** How long a connection may take to send a complete request head (ms); 0: no limit. */
  headerTimeoutMs: number;
  onListen?: (addr: Deno.NetAddr) => void;
};

export type Server = {
  readonly addr: Deno.NetAddr;
  /** Stops accepting, closes idle connections, waits for the responses in flight. */
  shutdown(): Promise<void>;
};

export function serve(o: ServeOptions, handler: Handler): Server {
  if (o.headerTimeoutMs > 0 && !serveHttp) {
    console.error("this Deno has no Deno.serveHttp: serving without a header read time limit");
  }
  if (o.headerTimeoutMs <= 0 || !serveHttp) {
    const server = Deno.serve({
      hostname: o.hostname,
      port: o.port,
      onListen: (addr) => o.onListen?.(addr as Deno.NetAddr),
    }, (req, info) => handler(req, { remoteAddr: info.remoteAddr as Deno.NetAddr }));
    return { addr: server.addr as Deno.NetAddr, shutdown: () => server.shutdown() };
  }
  return new GuardedServer(o, handler);
}

/**
 * One accepted connection: whether it is between requests, when its last response was handed
 * over, and how to wake its wait for the next request (a shutdown).
 */
type Connection = {
  http: HttpConn;
  idle: boolean;
  lastResponseAt: number;
  stop: PromiseWithResolvers<typeof STOPPED>;
  done: Promise<void>;
};

const TIMED_OUT = Symbol("timed out");
const STOPPED = Symbol("stopped");
/**
 * A response handed to `respondWith` may still be on its way out: a connection is closed no
 * sooner than this after its last one (closing at once cut short a response just given).
 */
const FLUSH_MS = 250;

class GuardedServer implements Server {
  readonly addr: Deno.NetAddr;
  #listener: Deno.Listener;
  #connections = new Set<Connection>();
  #stopping = false;
  #accepting: Promise<void>;

  constructor(readonly o: ServeOptions, readonly handler: Handler) {
    this.#listener = Deno.listen({ hostname: o.hostname, port: o.port });
    this.addr = this.#listener.addr as Deno.NetAddr;
    o.onListen?.(this.addr);
    this.#accepting = this.#accept();
  }

  async #accept(): Promise<void> {
    for (;;) {
      let conn: Deno.Conn;
      try {
        conn = await this.#listener.accept();
      } catch (e) {
        if (this.#stopping || e instanceof Deno.errors.BadResource) return;
        // A connection that failed while being accepted (reset, out of descriptors for a moment).
        console.error("accepting a connection failed:", e);
        await new Promise((r) => setTimeout(r, 10));
        continue;
      }
      if (this.#stopping) {
        conn.close();
        continue;
      }
      const c: Connection = {
        http: serveHttp!(conn),
        idle: true,
        lastResponseAt: 0,
        stop: Promise.withResolvers(),
        done: Promise.resolve(),
      };
      this.#connections.add(c);
      c.done = this.#serve(c, conn.remoteAddr as Deno.NetAddr).finally(() => this.#connections.delete(c));
    }
  }

  async #serve(c: Connection, remoteAddr: Deno.NetAddr): Promise<void> {
    try {
      for (;;) {
        c.idle = true;
        // Stopping: the last response said `Connection: close`, so the client (or hyper) ends
        // the connection; it is closed here if that has not happened after a short while.
        const limit = this.#stopping ? 1_000 : this.o.headerTimeoutMs;
        const event = await Promise.race([deadline(c.http.nextRequest(), limit), c.stop.promise])
          .catch(() => null);
        // Timed out, stopped, closed by the client or by the response's `Connection: close`.
        if (event === TIMED_OUT || event === STOPPED || event === null) return;
        c.idle = false;
        let response: Response;
        try {
          response = await this.handler(event.request, { remoteAddr });
        } catch (e) {
          console.error("request failed:", e);
          response = new Response("Internal Server Error", { status: 500 });
        }
        try {
          // Deno.serveHttp compresses on its own, and weakens the ETag when it does (If-Match
          // on configuration versions compares strong ones): answered as Deno.serve would.
          const cacheControl = response.headers.get("cache-control");
          if (!cacheControl?.includes("no-transform")) {
            response.headers.set(
              "cache-control",
              cacheControl ? `${cacheControl}, no-transform` : "no-transform",
            );
          }
          if (this.#stopping) response.headers.set("connection", "close");
        } catch {
          // Immutable headers (a response passed through from a fetch): as they are.
        }
        // Rejects when the client went away mid-response: nothing to answer then.
        await event.respondWith(response).catch(() => {});
        c.lastResponseAt = performance.now();
      }
    } finally {
      const wait = c.lastResponseAt + FLUSH_MS - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      try {
        c.http.close();
      } catch {
        // Already closed.
      }
    }
  }

  async shutdown(): Promise<void> {
    this.#stopping = true;
    try {
      this.#listener.close();
    } catch {
      // Already closed.
    }
    await this.#accepting;
    // Between requests: closed now. Busy: they finish their response, then close.
    for (const c of this.#connections) if (c.idle) c.stop.resolve(STOPPED);
    await Promise.all([...this.#connections].map((c) => c.done));
  }
}

/** `p`, or TIMED_OUT when it has not settled within `ms`. */
async function deadline<T>(p: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<typeof TIMED_OUT>((r) => (timer = setTimeout(() => r(TIMED_OUT), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
