/**
 * What idle desk processes cost a remote KV: `deno run -A scripts/dev/kv_connect/idle_load.ts
 * [--processes=2] [--seconds=10]` starts a KV Connect server on an in-memory store and that many
 * `main.ts` processes on it (no agents signed in, no traffic), then counts the server's requests
 * over the window: ranges read and commits per second, and which keys they touch. Counts, not
 * timings, so a loaded machine changes them little.
 */
import { parseArgs } from "node:util";
import { startKvConnectServer } from "./server.ts";
import { ServerProcess } from "../../server_process.ts";
import { testConfig } from "../../../lib/testing/fixtures.ts";

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { processes: { type: "string", default: "1" }, seconds: { type: "string", default: "10" } },
  });
  const token = "idle-load-" + crypto.randomUUID();
  const backing = await Deno.openKv(":memory:");
  const server = await startKvConnectServer({ kv: backing, token });
  const dir = await Deno.makeTempDir({ prefix: "kv_connect_idle_" });
  await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify(await testConfig()));
  const env = { KV_PATH: server.url, DENO_KV_ACCESS_TOKEN: token, ROUTING_CONFIG: `${dir}/config.json` };
  const procs: ServerProcess[] = [];
  try {
    for (let i = 0; i < Number(values.processes); i++) procs.push(await ServerProcess.start(env));
    await new Promise((r) => setTimeout(r, 3_000)); // start-up work done
    const before = structuredClone(server.stats);
    const seconds = Number(values.seconds);
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const after = server.stats;
    const rate = (a: number, b: number) => ((a - b) / seconds).toFixed(1);
    const delta = (a: Record<string, number>, b: Record<string, number>) =>
      Object.fromEntries(
        Object.entries(a).map(([k, v]) => [k, v - (b[k] ?? 0)]).filter(([, v]) => (v as number) > 0)
          .sort((x, y) => (y[1] as number) - (x[1] as number)),
      );
    console.log(
      `${procs.length} idle process(es), ${seconds} s: ${
        rate(after.rangesRead, before.rangesRead)
      } ranges read/s, ` +
        `${rate(after.atomicWrites, before.atomicWrites)} commits/s`,
    );
    console.log("ranges by key prefix:", delta(after.rangesByPrefix, before.rangesByPrefix));
    console.log("mutations by key prefix:", delta(after.mutationsByPrefix, before.mutationsByPrefix));
  } finally {
    for (const p of procs) await p.stop();
    await server.close();
    backing.close();
    await Deno.remove(dir, { recursive: true });
  }
}
