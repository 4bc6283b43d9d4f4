/**
 * Real server processes for tests: `main.ts` spawned with `PORT=0` on a KV file and a
 * configuration file of the test's, exactly as an operator starts it (API.md "Starting the
 * server"). Several may share one KV file.
 */
import { within } from "./harness.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;

export type ServerProcess = {
  url: string;
  child: Deno.ChildProcess;
  /** Everything the process printed on stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit status once the process ended. */
  status: Promise<Deno.CommandStatus>;
  /** Kills it (SIGKILL) if still running and waits for the end. */
  kill(): Promise<void>;
};

/** A raw configuration (the JSON file's shape) with one source and the given agents. */
export function processConfig(agents: string[], password: string): Record<string, unknown> {
  return {
    routing: {
      strategy: "least_occupied",
      acceptTimeout: null,
      idleTimeout: null,
      awayOnMiss: false,
      stickyWindow: 0,
    },
    channelGroups: { realtime: { capacity: 3, maxCapacity: 5 }, async: { capacity: 5, maxCapacity: 8 } },
    categories: [{ id: "billing", name: "Billing" }],
    languages: ["en", "fr"],
    teams: [{ id: "support", name: "Support" }],
    dispositions: [{ id: "solved", name: "Solved" }],
    roles: { agent: ["accept", "reply", "complete"] },
    sources: [{
      id: "webchat",
      name: "Web chat",
      kind: "chat",
      group: "realtime",
      secret: "process-test-secret-0123456789",
      callbackUrl: null,
      teams: ["support"],
      defaultLanguage: "en",
    }],
    agents: agents.map((id) => ({
      id,
      name: id,
      login: id,
      password,
      role: "agent",
      teams: ["support"],
      categories: ["billing"],
      languages: ["en", "fr"],
    })),
  };
}

/** Starts `main.ts`; resolves once it printed its `listening on http://` line (≤ 30 s). */
export async function spawnServer(env: { KV_PATH: string; ROUTING_CONFIG: string }): Promise<ServerProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN],
    env: { ...env, PORT: "0", HOST: "127.0.0.1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let out = "";
  const { promise: listening, resolve } = Promise.withResolvers<string>();
  const collect = async (stream: ReadableStream<Uint8Array<ArrayBuffer>>) => {
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      out += chunk;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) resolve(m[1]);
    }
  };
  const read = Promise.all([collect(child.stdout), collect(child.stderr)]);
  const status = child.status.then(async (s) => (await read, s));
  const url = await within(
    Promise.race([listening, status.then((s) => Promise.reject(new Error(`exited ${s.code}: ${out}`)))]),
    30_000,
    "the server process to listen",
  );
  return {
    url,
    child,
    output: () => out,
    status,
    async kill() {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
      await status;
    },
  };
}
