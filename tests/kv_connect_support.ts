/**
 * A KV Connect server on loopback in front of a fresh store, and Deno's own client on it
 * (`Deno.openKv(url)` with `DENO_KV_ACCESS_TOKEN`): what the KV Connect suites share.
 */
import { type KvConnectServer, startKvConnectServer } from "../scripts/dev/kv_connect/server.ts";

export const TOKEN = "kv-connect-test-token-0123";

export type Connected = {
  /** The backing store, read directly (never written: the server's watches would not see it). */
  backing: Deno.Kv;
  server: KvConnectServer;
  /** Deno's KV Connect client on the server. */
  kv: Deno.Kv;
  close(): Promise<void>;
};

/** Opens Deno's client on `url` with `token` (the client reads DENO_KV_ACCESS_TOKEN when opening). */
export async function openRemote(url: string, token = TOKEN): Promise<Deno.Kv> {
  const before = Deno.env.get("DENO_KV_ACCESS_TOKEN");
  Deno.env.set("DENO_KV_ACCESS_TOKEN", token);
  try {
    return await Deno.openKv(url);
  } finally {
    if (before === undefined) Deno.env.delete("DENO_KV_ACCESS_TOKEN");
    else Deno.env.set("DENO_KV_ACCESS_TOKEN", before);
  }
}

export async function connected(path = ":memory:", o: { pingMs?: number } = {}): Promise<Connected> {
  const backing = await Deno.openKv(path);
  const server = await startKvConnectServer({ kv: backing, token: TOKEN, pingMs: o.pingMs });
  const kv = await openRemote(server.url);
  return {
    backing,
    server,
    kv,
    async close() {
      kv.close();
      await server.close();
      backing.close();
    },
  };
}
