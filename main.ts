/**
 * Starts the server: reads the environment (API.md), opens KV, loads the configuration,
 * starts the desk and serves the app.
 */
import { createApp } from "./app.ts";
import { loadConfigFile } from "./lib/server/config_file.ts";
import { AppError } from "./lib/shared/errors.ts";
import { startDesk } from "./desk/runtime.ts";
import { commitsInWorker } from "./lib/server/kv_writer.ts";
import { queuesFromEnv } from "./lib/server/scheduler.ts";
import { serve } from "./lib/server/http_server.ts";
import { markRemoteStore } from "./lib/server/wake_ups.ts";

export { queuesFromEnv };

/** How long stopping may take before the process exits regardless (SIGTERM, SIGINT). */
const STOP_LIMIT_MS = 9_000;

export const DEMO_CONFIG = new URL("./config/demo.json", import.meta.url).pathname;

export type ServerOptions = {
  port: number;
  kvPath: string;
  configPath: string;
  hostname?: string;
  /** KV queues on, or off (the leased polling scheduler): `KV_QUEUES`. */
  queues: boolean;
  /** When set, `GET /metrics` requires it as a bearer token. */
  metricsToken?: string;
  /** The origin people reach the server at (links, upload URLs); default the listening address. */
  publicUrl?: string;
  /** How long a connection may take to send a request head (ms); 0: no limit (`HEADER_TIMEOUT_MS`). */
  headerTimeoutMs: number;
};

/** `HEADER_TIMEOUT_MS`: a whole number of milliseconds, 0 for none; refused at start otherwise. */
export function headerTimeoutOf(raw: string | undefined): number {
  if (raw === undefined || raw === "") return DEFAULT_HEADER_TIMEOUT_MS;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < 0) {
    throw new Error(`HEADER_TIMEOUT_MS must be a whole number of ms: ${raw}`);
  }
  return ms;
}

/**
 * Off by default: Deno.serve (faster, and it notices a departed client at once) with a proxy in
 * front that has its own header timeout; lib/server/http_server.ts says what the limit costs.
 */
export const DEFAULT_HEADER_TIMEOUT_MS = 0;

/** `PUBLIC_URL` as an origin; refuses anything but an http(s) URL (at start, not on first use). */
export function publicUrlOf(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === "") return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`PUBLIC_URL is not a URL: ${raw}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`PUBLIC_URL must be http(s): ${raw}`);
  }
  return url.origin;
}

export function optionsFromEnv(): ServerOptions {
  const kvPath = Deno.env.get("KV_PATH") ?? "./data/routing.kv";
  return {
    port: Number(Deno.env.get("PORT") ?? "8000"),
    kvPath,
    configPath: Deno.env.get("ROUTING_CONFIG") ?? DEMO_CONFIG,
    hostname: Deno.env.get("HOST") ?? "127.0.0.1",
    queues: queuesFromEnv(Deno.env.get("KV_QUEUES"), kvPath),
    metricsToken: Deno.env.get("METRICS_TOKEN") || undefined,
    publicUrl: publicUrlOf(Deno.env.get("PUBLIC_URL")),
    headerTimeoutMs: headerTimeoutOf(Deno.env.get("HEADER_TIMEOUT_MS")),
  };
}

export async function openKv(path: string): Promise<Deno.Kv> {
  if (/^https?:\/\//.test(path)) return markRemoteStore(await Deno.openKv(path));
  if (path === ":memory:") return await Deno.openKv(path);
  const dir = path.replace(/[^/]*$/, "");
  if (dir) await Deno.mkdir(dir, { recursive: true });
  // Commits are made by a worker thread of their own, which keeps the store fed while this
  // thread is busy (lib/server/kv_writer.ts); it also retries a commit that finds the file locked
  // by another process (SPEC O2).
  return await commitsInWorker(await Deno.openKv(path), path);
}

if (import.meta.main) {
  let o: ServerOptions, config;
  try {
    o = optionsFromEnv();
    config = await loadConfigFile(o.configPath);
  } catch (e) {
    if (e instanceof AppError) {
      console.error(`${e.message}\n${JSON.stringify(e.details ?? [], null, 2)}`);
      Deno.exit(1);
    }
    throw e;
  }
  const kv = await openKv(o.kvPath);
  const runtime = await startDesk({ kv, config, queues: o.queues });
  const app = createApp(runtime.desk, { runtime, metricsToken: o.metricsToken });
  runtime.desk.ctx.publicUrl = o.publicUrl ?? null;
  const server = serve({
    port: o.port,
    hostname: o.hostname ?? "127.0.0.1",
    headerTimeoutMs: o.headerTimeoutMs,
    onListen: ({ port, hostname }) => {
      const listening = `http://${hostname === "0.0.0.0" ? "127.0.0.1" : hostname}:${port}`;
      runtime.desk.ctx.publicUrl ??= listening;
      console.log(`listening on ${listening}`);
    },
  }, app.fetch);
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    // Whatever is still running then (a delivery to a slow endpoint is retried later anyway),
    // the process is gone before the 10 s a supervisor typically allows.
    setTimeout(() => {
      console.error(`stopping took over ${STOP_LIMIT_MS / 1000} s: exiting with work still in flight`);
      Deno.exit(1);
    }, STOP_LIMIT_MS);
    // Streams first: told to reconnect (elsewhere) and closed, so the graceful shutdown that
    // follows only waits for requests that end. No new connection is accepted from here on.
    runtime.beginStopping();
    await server.shutdown();
    await runtime.stop();
    kv.close();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", shutdown);
  Deno.addSignalListener("SIGTERM", shutdown);
}
