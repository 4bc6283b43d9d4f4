/**
 * Operator configuration tool (SPEC M1a, configuration as code): `deno task config <command>`
 * on the store at KV_PATH (a file, or a KV Connect URL with DENO_KV_ACCESS_TOKEN). `import`
 * saves a new version exactly as the API's PUT does; running servers apply it within 2 s.
 */
import type { Config } from "../lib/shared/config.ts";
import { AppError } from "../lib/shared/errors.ts";
import { describeChanges, renderChanges } from "../actors/config_diff.ts";
import { type ConfigActor, summaryOf } from "../actors/config_version.ts";
import { prepareConfig, redactedConfig, saveConfig } from "../desk/admin.ts";
import { headVersion, readVersion } from "../desk/config_store.ts";

const USAGE = `usage: deno task config <command>   (store: KV_PATH, default ./data/routing.kv)

  export [--version N] [--redacted] [--out FILE]
        the latest (or version N) configuration as JSON, on stdout or into FILE; secrets and
        password hashes included unless --redacted (a backup that imports as is)
  import FILE [--if-match N]
        validates FILE and saves it as a new version (actor "deno task config"); a redacted
        secret or a missing password keeps the stored one; with --if-match, refused when the
        latest version is not N. Prints the new version and its summary.
  diff FILE [--version N]
        what importing FILE would change against the latest (or version N), one line each;
        exit code 0 when nothing would change, 1 otherwise`;

const ACTOR: ConfigActor = { type: "system", id: "config-script", name: "deno task config" };

type Args = { command: string; positional: string[]; flags: Map<string, string | true> };

function parseArgs(argv: string[]): Args {
  const flags = new Map<string, string | true>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith("--")) {
      const [name, inline] = a.slice(2).split("=", 2);
      if (inline !== undefined) flags.set(name, inline);
      else if (["version", "out", "if-match"].includes(name) && argv[i + 1] !== undefined) {
        flags.set(name, argv[++i]);
      } else flags.set(name, true);
    } else positional.push(a);
  }
  return { command: positional.shift() ?? "", positional, flags };
}

class UsageError extends Error {}

function versionFlag(flags: Args["flags"], name: string): number | null {
  const v = flags.get(name);
  if (v === undefined) return null;
  if (typeof v !== "string" || !/^\d+$/.test(v)) throw new UsageError(`--${name} needs a version number`);
  return Number(v);
}

async function readJsonFile(path: string | undefined): Promise<unknown> {
  if (!path) throw new UsageError("a file is required");
  const text = await Deno.readTextFile(path);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${path} is not JSON: ${(e as Error).message}`);
  }
}

/** The stored configuration of `version` (latest when null). */
async function stored(kv: Deno.Kv, version: number | null): Promise<{ version: number; config: Config }> {
  const v = version ?? await headVersion(kv);
  const loaded = v ? await readVersion(kv, v) : null;
  if (!loaded) {
    throw new UsageError(v ? `no configuration version ${v}` : "the store holds no configuration yet");
  }
  return { version: v, config: loaded.payload.config };
}

/** Runs one command; returns the exit code. Output goes through `out` (tests capture it). */
export async function run(kv: Deno.Kv, argv: string[], out: (line: string) => void): Promise<number> {
  const { command, positional, flags } = parseArgs(argv);
  switch (command) {
    case "export": {
      const { config } = await stored(kv, versionFlag(flags, "version"));
      const json = JSON.stringify(flags.has("redacted") ? redactedConfig(config) : config, null, 2) + "\n";
      const file = flags.get("out");
      if (typeof file === "string") await Deno.writeTextFile(file, json);
      else out(json.trimEnd());
      return 0;
    }
    case "import": {
      const raw = await readJsonFile(positional[0]);
      const change = await saveConfig(kv, Date.now, raw, ACTOR, versionFlag(flags, "if-match"));
      out(
        change.record
          ? `version ${change.version}: ${summaryOf(change.record)}`
          : `no change: version ${change.version} already holds this configuration`,
      );
      return 0;
    }
    case "diff": {
      const { version, config } = await stored(kv, versionFlag(flags, "version"));
      const next = await prepareConfig(config, await readJsonFile(positional[0]));
      const lines = renderChanges(describeChanges(config, next));
      out(lines.length ? lines.join("\n") : `no change against version ${version}`);
      return lines.length ? 1 : 0;
    }
    default:
      out(USAGE);
      return command === "" || command === "help" ? 0 : 2;
  }
}

if (import.meta.main) {
  const kv = await Deno.openKv(Deno.env.get("KV_PATH") ?? "./data/routing.kv");
  let code: number;
  try {
    code = await run(kv, Deno.args, (line) => console.log(line));
  } catch (e) {
    if (e instanceof AppError) {
      console.error(`${e.message}${e.details ? `\n${JSON.stringify(e.details, null, 2)}` : ""}`);
      code = 1;
    } else if (e instanceof UsageError || e instanceof Deno.errors.NotFound) {
      console.error((e as Error).message);
      code = 2;
    } else throw e;
  } finally {
    kv.close();
  }
  Deno.exit(code!);
}
