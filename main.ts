/**
 * Starts the server: reads the environment (API.md), opens KV, loads the configuration,
 * starts the desk and serves the app.
 */
import { createApp } from "./app.ts";
import { loadConfigFile } from "./lib/config.ts";
import { AppError } from "./lib/errors.ts";
import { startDesk } from "./desk/runtime.ts";

export const DEMO_CONFIG = new URL("./config/demo.json", import.meta.url).pathname;

export type ServerOptions = {
  port: number;
  kvPath: string;
  configPath: string;
  hostname?: string;
  /** The origin people reach the server at (links, upload URLs); default the listening address. */
  publicUrl?: string;
};

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
  return {
    port: Number(Deno.env.get("PORT") ?? "8000"),
    kvPath: Deno.env.get("KV_PATH") ?? "./data/routing.kv",
    configPath: Deno.env.get("ROUTING_CONFIG") ?? DEMO_CONFIG,
    hostname: Deno.env.get("HOST") ?? "127.0.0.1",
    publicUrl: publicUrlOf(Deno.env.get("PUBLIC_URL")),
  };
}

export async function openKv(path: string): Promise<Deno.Kv> {
  if (path !== ":memory:" && !/^https?:\/\//.test(path)) {
    const dir = path.replace(/[^/]*$/, "");
    if (dir) await Deno.mkdir(dir, { recursive: true });
  }
  return await Deno.openKv(path);
}

if (import.meta.main) {
  const o = optionsFromEnv();
  let config;
  try {
    config = await loadConfigFile(o.configPath);
  } catch (e) {
    if (e instanceof AppError) {
      console.error(`${e.message}\n${JSON.stringify(e.details ?? [], null, 2)}`);
      Deno.exit(1);
    }
    throw e;
  }
  const kv = await openKv(o.kvPath);
  const runtime = await startDesk({ kv, config });
  runtime.desk.ctx.publicUrl = o.publicUrl ?? null;
  const app = createApp(runtime.desk);
  const server = Deno.serve({
    port: o.port,
    hostname: o.hostname,
    onListen: ({ port, hostname }) => {
      const listening = `http://${hostname === "0.0.0.0" ? "127.0.0.1" : hostname}:${port}`;
      runtime.desk.ctx.publicUrl ??= listening;
      console.log(`listening on ${listening}`);
    },
  }, app.fetch);
  const shutdown = async () => {
    await server.shutdown();
    await runtime.stop();
    kv.close();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", shutdown);
  Deno.addSignalListener("SIGTERM", shutdown);
}
