/**
 * `deno task kv-connect --path=./data/remote.kv --port=4512 --token=<at least 12 characters>`:
 * serves a local Deno KV file over KV Connect, for trying the desk on "remote" KV:
 *
 *   KV_PATH=http://127.0.0.1:4512 DENO_KV_ACCESS_TOKEN=<token> deno task start
 *
 * The token may also come from `DENO_KV_ACCESS_TOKEN`. Prints `listening on http://…` once ready.
 */
import { parseArgs } from "node:util";
import { startKvConnectServer } from "./server.ts";

const USAGE = "usage: deno task kv-connect --path=<kv file | :memory:> [--port=0] [--hostname=127.0.0.1] " +
  "[--token=<≥ 12 characters>, else DENO_KV_ACCESS_TOKEN]";

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      path: { type: "string" },
      port: { type: "string", default: "0" },
      hostname: { type: "string", default: "127.0.0.1" },
      token: { type: "string" },
      help: { type: "boolean" },
    },
  });
  const token = values.token ?? Deno.env.get("DENO_KV_ACCESS_TOKEN");
  const port = Number(values.port);
  if (values.help || !values.path || !token || token.length < 12 || !Number.isInteger(port)) {
    console.error(USAGE);
    Deno.exit(values.help ? 0 : 2);
  }
  const kv = await Deno.openKv(values.path);
  const server = await startKvConnectServer({ kv, token, port, hostname: values.hostname });
  console.log(`KV Connect for ${values.path}: listening on ${server.url}`);
  const stop = async () => {
    await server.close();
    kv.close();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
}
