/**
 * Operator KV inspection (SPEC O1): `deno task kv <command>` on the store at KV_PATH
 * (default ./data/routing.kv). Read commands never write; `import` and `rebuild-indexes` are
 * meant for a stopped server. Lists print a table, or JSON lines with --json.
 */
import { exportTo, importFrom } from "./kv/backup.ts";
import { escapeControls } from "../lib/shared/safe_text.ts";
import { rebuildIndexes } from "./kv/rebuild.ts";
import { queuesFromEnv } from "../lib/server/scheduler.ts";
import { retryWhenLocked } from "../lib/server/kv_busy.ts";
import {
  counts,
  listAgents,
  listAudit,
  listInteractions,
  listQueues,
  listThreads,
  listTimers,
  listUndeliverable,
  type Row,
  showInteraction,
  showThread,
} from "./kv/inspect.ts";

const USAGE = `usage: deno task kv <command> [--json]   (store: KV_PATH, default ./data/routing.kv)

  interactions [--state S] [--agent A]   list interactions
  interaction <id>                       one interaction, its index entry and timer
  threads                                list threads
  thread <id>                            one thread with its interactions and messages
  agents                                 presence and load of every agent
  queues                                 waiting interactions per channel group, in order
  timers                                 pending timer records (negative inSeconds = overdue)
  undeliverable                          outbound messages that ran out of retries
  audit <threadId>                       audit entries of a thread
  counts                                 keys per prefix
  export <file>                          every key as JSON lines (types kept)
  import <file>                          load an export into an empty store
  rebuild-indexes                        recompute folders, queues, available agents,
                                         thread lists and timer records from actor states`;

type Args = { command: string; positional: string[]; flags: Map<string, string | true> };

function parseArgs(argv: string[]): Args {
  const flags = new Map<string, string | true>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith("--")) {
      const [name, inline] = a.slice(2).split("=", 2);
      if (inline !== undefined) flags.set(name, inline);
      else if (["state", "agent"].includes(name) && argv[i + 1] !== undefined) flags.set(name, argv[++i]);
      else flags.set(name, true);
    } else {
      positional.push(a);
    }
  }
  return { command: positional.shift() ?? "", positional, flags };
}

const cell = (v: unknown) => {
  const raw = v === null || v === undefined ? "-" : typeof v === "object" ? JSON.stringify(v) : String(v);
  // Customer-supplied text must not drive the operator's terminal nor break the table's rows.
  const s = escapeControls(raw);
  return s.length > 80 ? s.slice(0, 79) + "…" : s;
};

/** Prints rows as an aligned table (or JSON lines). */
export function formatRows(rows: Row[], json: boolean): string {
  if (json) return rows.map((r) => JSON.stringify(r)).join("\n");
  if (!rows.length) return "(none)";
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cells = rows.map((r) => cols.map((c) => cell(r[c])));
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const line = (xs: string[]) => xs.map((x, i) => x.padEnd(widths[i])).join("  ").trimEnd();
  return [line(cols), ...cells.map(line)].join("\n");
}

async function storeExists(path: string): Promise<boolean> {
  if (path === ":memory:" || /^https?:\/\//.test(path)) return true;
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

class UsageError extends Error {}

/**
 * Runs one command; returns the text to print, with every control character escaped (JSON
 * escapes C0 controls but not C1 or bidi ones, which terminals also act on).
 */
export async function run(argv: string[], kvPath: string): Promise<string> {
  return escapeControls(await runCommand(argv, kvPath), "\n");
}

async function runCommand(argv: string[], kvPath: string): Promise<string> {
  const { command, positional, flags } = parseArgs(argv);
  if (command === "help" || flags.has("help")) return USAGE;
  const json = flags.has("json");
  const arg = (name: string) => {
    const v = positional[0];
    if (!v) throw new UsageError(`${command}: missing <${name}>`);
    return v;
  };
  const known = [
    "interactions",
    "interaction",
    "threads",
    "thread",
    "agents",
    "queues",
    "timers",
    "undeliverable",
    "audit",
    "counts",
    "export",
    "import",
    "rebuild-indexes",
  ];
  if (!known.includes(command)) {
    throw new UsageError(command ? `unknown command "${command}"` : "missing command");
  }
  if (command !== "import" && !(await storeExists(kvPath))) {
    throw new Error(`no store at ${kvPath} (set KV_PATH)`);
  }
  if (command === "import") {
    const dir = kvPath.replace(/[^/]*$/, "");
    if (dir && !/^https?:/.test(kvPath)) await Deno.mkdir(dir, { recursive: true });
  }
  // Timers and deliveries the import or rebuild arms follow the servers' KV_QUEUES.
  const queues = queuesFromEnv(Deno.env.get("KV_QUEUES"), kvPath);
  // A file may be in use by running servers: a write that finds it locked waits its turn.
  const raw = await Deno.openKv(kvPath);
  const kv = /^https?:\/\//.test(kvPath) || kvPath === ":memory:" ? raw : retryWhenLocked(raw);
  try {
    const show = (v: unknown, what: string) => {
      if (v === null) throw new Error(`${what} not found`);
      return JSON.stringify(v, null, 2);
    };
    switch (command) {
      case "interactions": {
        const state = flags.get("state"), agent = flags.get("agent");
        return formatRows(
          await listInteractions(kv, {
            state: typeof state === "string" ? state : undefined,
            agent: typeof agent === "string" ? agent : undefined,
          }),
          json,
        );
      }
      case "interaction":
        return show(await showInteraction(kv, arg("id")), "interaction");
      case "threads":
        return formatRows(await listThreads(kv), json);
      case "thread":
        return show(await showThread(kv, arg("id")), "thread");
      case "agents":
        return formatRows(await listAgents(kv), json);
      case "queues":
        return formatRows(await listQueues(kv), json);
      case "timers":
        return formatRows(await listTimers(kv), json);
      case "undeliverable":
        return formatRows(await listUndeliverable(kv), json);
      case "audit":
        return formatRows(await listAudit(kv, arg("threadId")), json);
      case "counts":
        return formatRows(await counts(kv), json);
      case "export": {
        const n = await exportTo(kv, arg("file"));
        return json ? JSON.stringify({ exported: n }) : `exported ${n} keys to ${positional[0]}`;
      }
      case "import": {
        const r = await importFrom(kv, arg("file"), Date.now(), queues);
        return json
          ? JSON.stringify(r)
          : `imported ${r.keys} keys (${r.expiredSkipped} expired skipped; re-armed ${r.timersArmed} timers, ${r.deliveriesArmed} deliveries)`;
      }
      default: {
        const r = await rebuildIndexes(kv, Date.now(), queues);
        if (json) return JSON.stringify(r);
        return [
          `rebuilt indexes: ${r.written} written, ${r.removed} removed, ${r.unchanged} unchanged (the available-agent entries of ${r.agentsRewritten} agents rewritten)`,
          ...r.problems.map((p) => `problem: ${p}`),
        ].join("\n");
      }
    }
  } finally {
    kv.close();
  }
}

if (import.meta.main) {
  try {
    console.log(await run(Deno.args, Deno.env.get("KV_PATH") ?? "./data/routing.kv"));
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`${e.message}\n\n${USAGE}`);
      Deno.exit(2);
    }
    console.error(`error: ${(e as Error).message}`);
    Deno.exit(1);
  }
}
