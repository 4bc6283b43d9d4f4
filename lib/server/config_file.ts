/**
 * Reads the configuration file at start (server only: the schema and its rules are shared, in
 * `lib/shared/config.ts`, so the admin console can validate with them).
 */
import { type Config, parseConfig } from "../shared/config.ts";
import { Invalid } from "../shared/errors.ts";

/** Reads and validates a configuration file. */
export async function loadConfigFile(path: string): Promise<Config> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new Invalid(
      `Cannot read configuration file ${path}: ${(e as Error).message}`,
      [],
      "invalid_config",
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Invalid(
      `Configuration file ${path} is not JSON: ${(e as Error).message}`,
      [],
      "invalid_config",
    );
  }
  return parseConfig(raw);
}
