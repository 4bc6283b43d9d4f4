/**
 * Smart closure surviving a crash: the real server (`main.ts`) runs as a subprocess on a KV file,
 * is killed with SIGKILL in the middle of a `closing` wait, and a fresh process on the same file
 * completes the interaction when the wait ends (queue message or start-up sweep).
 */
import assert from "node:assert/strict";
import { sign } from "../lib/server/crypto.ts";
import { eventually, PASSWORD, testConfig } from "./harness.ts";
import { smartClosure, webchat } from "./flow_helpers.ts";

const ROOT = new URL("..", import.meta.url).pathname;

type Proc = { url: string; child: Deno.ChildProcess; output: () => string };

/** Starts `main.ts` on a free port and resolves once it prints its `listening on` line. */
async function spawnServer(env: Record<string, string>): Promise<Proc> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "main.ts"],
    cwd: ROOT,
    env: { ...env, PORT: "0" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let out = "";
  const { promise, resolve, reject } = Promise.withResolvers<string>();
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    // The cast: the project-wide check also loads the DOM lib (Preact's JSX types), whose
    // TextDecoderStream typing differs from Deno's.
    for await (
      const chunk of stream.pipeThrough(new TextDecoderStream() as TransformStream<Uint8Array, string>)
    ) {
      out += chunk;
      const m = out.match(/listening on (http:\/\/[^\s]+)/);
      if (m) resolve(m[1]);
    }
  };
  void pump(child.stdout).catch(() => {});
  void pump(child.stderr).catch(() => {});
  void child.status.then((st) => reject(new Error(`server exited (${st.code}) before listening:\n${out}`)));
  const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 60_000);
  try {
    return { url: await promise, child, output: () => out };
  } finally {
    clearTimeout(timer);
  }
}

async function api(url: string, method: string, path: string, body?: unknown, token?: string) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(url + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

async function signIn(url: string, login: string): Promise<string> {
  const r = await api(url, "POST", "/api/v1/session", { login, password: PASSWORD });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.token;
}

Deno.test("smart closure - the closing wait completes after the server is killed (SIGKILL) and started again", async () => {
  const dir = await Deno.makeTempDir();
  const config = await testConfig({ sources: [webchat({ smartClosure: smartClosure(5) })] });
  await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify(config));
  const env = { KV_PATH: `${dir}/desk.kv`, ROUTING_CONFIG: `${dir}/config.json` };
  let proc: Proc | null = await spawnServer(env);
  try {
    const token = await signIn(proc.url, "alice");
    assert.equal(
      (await api(proc.url, "PUT", "/api/v1/me/presence", { presence: "available" }, token)).status,
      200,
    );
    const raw = JSON.stringify({
      id: "crash-1",
      thread: { id: "crash-thread" },
      author: { id: "c1", name: "Jeanne" },
      body: "Bonjour",
    });
    const res = await fetch(`${proc.url}/api/v1/sources/webchat/messages`, {
      method: "POST",
      headers: { "x-signature": await sign("webchat-secret-0123456789", raw) },
      body: raw,
    });
    const inbound = await res.json();
    assert.equal(res.status, 202, JSON.stringify(inbound));
    const id = inbound.interactionId;
    await eventually(
      async () =>
        (await api(proc!.url, "POST", `/api/v1/interactions/${id}/accept`, {}, token)).status === 200,
      10_000,
      "accept",
    );
    const done = await api(proc.url, "POST", `/api/v1/interactions/${id}/complete`, {}, token);
    assert.equal(done.body.interaction.state, "closing");
    const deadline = Date.parse(done.body.interaction.closing.deadline);

    proc.child.kill("SIGKILL");
    await proc.child.status;
    proc = null;

    proc = await spawnServer(env);
    const token2 = await signIn(proc.url, "alice");
    const first = await api(proc.url, "GET", `/api/v1/interactions/${id}`, undefined, token2);
    assert.equal(first.status, 200);
    // Only meaningful when the new process came up before the deadline (the machine may be slow).
    if (Date.now() < deadline - 500) assert.equal(first.body.interaction.state, "closing");
    const final = await eventually(
      async () => {
        const r = await api(proc!.url, "GET", `/api/v1/interactions/${id}`, undefined, token2);
        return r.body.interaction.state === "completed" ? r.body : null;
      },
      30_000,
      "completion after the crash",
    );
    assert.equal(final.interaction.completedBy, "smart_closure");
    assert.ok(Date.now() >= deadline, "not before the wait ended");
  } finally {
    if (proc) {
      proc.child.kill("SIGTERM");
      await proc.child.status;
    }
    await Deno.remove(dir, { recursive: true });
  }
});
