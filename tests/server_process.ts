/** The real server as a child process: shared with the multi-process benchmark (scripts may not import tests). */
import type { Config } from "../lib/shared/config.ts";
export { ServerProcess } from "../scripts/server_process.ts";

/**
 * A temporary folder holding `config` as the configuration file, and the environment that
 * starts `main.ts` on it (`ServerProcess.start(files.env)`) with its KV file beside it.
 * The caller removes `dir`.
 */
export async function deskFiles(prefix: string, config: Config | Record<string, unknown>) {
  const dir = await Deno.makeTempDir({ prefix });
  const configPath = `${dir}/config.json`;
  const kvPath = `${dir}/desk.kv`;
  await Deno.writeTextFile(configPath, JSON.stringify(config));
  return { dir, configPath, kvPath, env: { KV_PATH: kvPath, ROUTING_CONFIG: configPath } };
}
