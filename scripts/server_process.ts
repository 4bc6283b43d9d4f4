/**
 * The real server (`deno run -A main.ts`) as a child process on a KV file, for the crash,
 * restart and multi-process suites and the multi-process benchmark: started with its
 * environment, killed with SIGKILL or stopped with SIGTERM, its output kept for failure messages.
 */
import { sign } from "../lib/server/crypto.ts";
import type { Config } from "../lib/shared/config.ts";

const ROOT = new URL("..", import.meta.url).pathname;

/** The server as a child process, with its output collected (shown when a test fails). */
export class ServerProcess {
  private constructor(
    readonly child: Deno.ChildProcess,
    readonly url: string,
    private readonly log: { text: string },
    private readonly done: Promise<unknown>,
  ) {}

  get output(): string {
    return this.log.text;
  }

  /** Starts `main.ts` with `env` (plus PORT=0) and resolves once it prints its `listening on` line. */
  static async start(env: Record<string, string>): Promise<ServerProcess> {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "main.ts"],
      cwd: ROOT,
      env: { ...env, PORT: "0", NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const log = { text: "" };
    const { promise: listening, resolve, reject } = Promise.withResolvers<string>();
    const read = async (stream: ReadableStream<Uint8Array>) => {
      const decoder = new TextDecoder();
      for await (const chunk of stream) {
        log.text += decoder.decode(chunk, { stream: true });
        const m = log.text.match(/listening on (http:\/\/\S+)/);
        if (m) resolve(m[1]);
      }
    };
    const pump = Promise.all([read(child.stdout), read(child.stderr)]).then(() =>
      reject(new Error(`server exited:\n${log.text}`))
    );
    const timer = setTimeout(() => reject(new Error(`server did not start in 60 s:\n${log.text}`)), 60_000);
    try {
      return new ServerProcess(child, await listening, log, pump);
    } catch (e) {
      child.kill("SIGKILL");
      await child.status;
      await pump.catch(() => {});
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kills the process without letting it shut down (no final writes, no cleanup). */
  async crash(): Promise<void> {
    try {
      this.child.kill("SIGKILL");
    } catch { /* already gone */ }
    const status = await this.child.status;
    await this.done.catch(() => {});
    if (status.signal !== "SIGKILL") throw new Error(`the server exited by itself (${status.code})`);
  }

  /** Asks the process to stop (SIGTERM) and waits for it to exit. */
  async stop(): Promise<void> {
    try {
      this.child.kill("SIGTERM");
    } catch { /* already gone */ }
    await this.child.status;
    await this.done.catch(() => {});
  }

  /** Signs an agent in; returns its bearer token. */
  async signIn(login: string, password: string): Promise<string> {
    const r = await this.request("POST", "/api/v1/session", { body: { login, password } });
    if (r.status !== 200) throw new Error(`sign-in of ${login}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.token as string;
  }

  async request(
    method: string,
    path: string,
    o: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
  ) {
    const headers: Record<string, string> = { ...o.headers };
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    let body = o.raw;
    if (o.body !== undefined) {
      body = JSON.stringify(o.body);
      headers["content-type"] = "application/json";
    }
    const res = await fetch(this.url + path, { method, headers, body });
    const text = await res.text();
    // deno-lint-ignore no-explicit-any
    return { status: res.status, body: (text ? JSON.parse(text) : null) as any };
  }

  async inbound(config: Config, sourceId: string, message: Record<string, unknown>) {
    const raw = JSON.stringify(message);
    const secret = config.sources.find((s) => s.id === sourceId)!.secret;
    return await this.request("POST", `/api/v1/sources/${sourceId}/messages`, {
      raw,
      headers: { "x-signature": await sign(secret, raw) },
    });
  }
}
