/**
 * Runs existing test suites with every in-memory store on "remote" KV:
 *
 *   deno test -A --preload=scripts/dev/kv_connect/test_preload.ts tests/api_actions_test.ts
 *
 * (`deno task test:kv-connect <files>`). Each `Deno.openKv(":memory:")` gets a fresh in-memory
 * store served by one KV Connect server of this process and returns Deno's KV Connect client on
 * it, so every commit the suite makes meets the hosted service's limits (10 checks, 64 KiB
 * values, …) or fails the way it would there. Queues are off (`TEST_KV_QUEUES=off`, what
 * `KV_QUEUES=auto` picks for a URL): KV Connect has none. Stores on files stay local (the
 * multi-process suites share files on purpose).
 */
import { startKvConnectServer } from "./server.ts";

const TOKEN = "kv-connect-preload-" + crypto.randomUUID();
const openLocal = Deno.openKv.bind(Deno);
const server = await startKvConnectServer({ token: TOKEN, unref: true });

Deno.env.set("TEST_KV_QUEUES", "off");
Deno.env.set("DENO_KV_ACCESS_TOKEN", TOKEN);

Object.defineProperty(Deno, "openKv", {
  configurable: true,
  value: async (path?: string): Promise<Deno.Kv> => {
    if (path !== ":memory:") return await openLocal(path);
    const backing = await openLocal(":memory:");
    const { id, url } = server.addDatabase(backing);
    const kv = await openLocal(url);
    const closeClient = kv.close.bind(kv);
    Object.defineProperty(kv, "close", {
      configurable: true,
      writable: true,
      value: () => {
        closeClient();
        server.removeDatabase(id);
        backing.close();
      },
    });
    return kv;
  },
});

console.error(`test preload: in-memory stores are served over KV Connect at ${server.url}`);
