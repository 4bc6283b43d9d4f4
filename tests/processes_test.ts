/**
 * Server processes as an operator runs them: two on one KV file serve one desk live (issue 13
 * item 2), and SIGTERM ends a process promptly even with event streams open (issue 10 item 7).
 */
import assert from "node:assert/strict";
import { sign } from "../lib/server/crypto.ts";
import { EventReader, eventually, msg, within } from "./harness.ts";
import { readStream } from "./widget_client.ts";
import { processConfig, type ServerProcess, spawnServer } from "./processes.ts";

const PASSWORD = "process-test-password";
const SECRET = "process-test-secret-0123456789";

async function withFiles(fn: (env: { KV_PATH: string; ROUTING_CONFIG: string }) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "processes-test-" });
  const env = { KV_PATH: `${dir}/desk.kv`, ROUTING_CONFIG: `${dir}/config.json` };
  await Deno.writeTextFile(env.ROUTING_CONFIG, JSON.stringify(processConfig(["alice"], PASSWORD)));
  try {
    await fn(env);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function signIn(p: ServerProcess, login: string): Promise<string> {
  const r = await fetch(`${p.url}/api/v1/session`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ login, password: PASSWORD }),
  });
  assert.equal(r.status, 200);
  return (await r.json()).token;
}

async function call(p: ServerProcess, token: string, method: string, path: string, body?: unknown) {
  const r = await fetch(p.url + path, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.status, body: await r.json() };
}

async function inbound(p: ServerProcess, thread: string): Promise<string> {
  const raw = JSON.stringify(msg(thread));
  const r = await fetch(`${p.url}/api/v1/sources/webchat/messages`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-signature": await sign(SECRET, raw) },
    body: raw,
  });
  assert.equal(r.status, 202);
  return (await r.json()).interactionId;
}

Deno.test("processes - an offer made by one process reaches the agent's stream on another within 1 s", async () => {
  await withFiles(async (env) => {
    const one = await spawnServer(env);
    const two = await spawnServer(env).catch(async (e) => (await one.kill(), Promise.reject(e)));
    const streams: EventReader[] = [];
    try {
      const token = await signIn(one, "alice");
      // Signed in on one, available through two (whose dispatcher then offers to her).
      assert.equal(
        (await call(two, token, "PUT", "/api/v1/me/presence", { presence: "available" })).status,
        200,
      );
      const events = new EventReader(one.url, token);
      streams.push(events);
      await events.ready;
      for (const n of [1, 2, 3]) {
        const sent = performance.now();
        const id = await inbound(two, `cross-${n}`);
        await events.next("interaction.offered", (d) => d.interactionId === id, 1_000);
        const took = performance.now() - sent;
        assert.ok(took < 1_000, `offer ${n} took ${took} ms`);
        // Accepting on two, completing on one: the stream on one sees both.
        assert.equal((await call(two, token, "POST", `/api/v1/interactions/${id}/accept`)).status, 200);
        assert.equal((await call(one, token, "POST", `/api/v1/interactions/${id}/complete`, {})).status, 200);
        await events.next(
          "interaction.updated",
          (d) => d.interactionId === id && d.interaction?.state === "completed",
        );
      }
      // One stream, in commit order, with every event once.
      const ids = events.events.map((e) => e.id);
      assert.equal(new Set(ids).size, ids.length);
    } finally {
      for (const s of streams) s.close();
      await Promise.all([one.kill(), two.kill()]);
    }
  });
});

Deno.test("processes - a reply sent through one process reaches the widget's stream held on another within 1 s", async () => {
  await withFiles(async (env) => {
    const one = await spawnServer(env);
    const two = await spawnServer(env).catch(async (e) => (await one.kill(), Promise.reject(e)));
    let widget: ReturnType<typeof readStream> | null = null;
    try {
      const token = await signIn(two, "alice");
      assert.equal(
        (await call(two, token, "PUT", "/api/v1/me/presence", { presence: "available" })).status,
        200,
      );
      const session = await fetch(`${one.url}/api/v1/webchat/webchat/session`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      });
      const visitor = (await session.json()).token as string;
      widget = readStream(`${one.url}/api/v1/webchat/webchat/events?token=${encodeURIComponent(visitor)}`);
      const said = await fetch(`${one.url}/api/v1/webchat/webchat/messages`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-widget-token": visitor },
        body: JSON.stringify({ id: crypto.randomUUID().replaceAll("-", ""), body: "Hello from the widget" }),
      });
      assert.equal(said.status, 202);
      const id = (await said.json()).interactionId as string;
      assert.equal((await call(two, token, "POST", `/api/v1/interactions/${id}/accept`)).status, 200);
      const sent = performance.now();
      assert.equal(
        (await call(two, token, "POST", `/api/v1/interactions/${id}/reply`, { body: "Hello from two" }))
          .status,
        201,
      );
      const w = widget;
      await eventually(
        () => w.events.some((e) => e.event === "message" && e.data.includes("Hello from two")),
        1_000,
        "the reply on the widget stream",
      );
      assert.ok(performance.now() - sent < 1_000);
    } finally {
      widget?.close();
      await Promise.all([one.kill(), two.kill()]);
    }
  });
});

Deno.test("processes - SIGTERM tells open streams to reconnect and the process exits within 10 s", async () => {
  await withFiles(async (env) => {
    const p = await spawnServer(env);
    const streams: EventReader[] = [];
    try {
      const token = await signIn(p, "alice");
      const events = new EventReader(p.url, token);
      streams.push(events);
      await events.ready;
      const started = performance.now();
      p.child.kill("SIGTERM");
      await events.next("server.stopping", () => true, 10_000);
      const status = await within(p.status, 10_000, "the process to exit after SIGTERM");
      const took = performance.now() - started;
      assert.ok(took < 10_000, `exited after ${took} ms`);
      assert.equal(status.code, 0, p.output());
      assert.ok(events.closed, "the stream was closed");
      assert.doesNotMatch(p.output(), /BadResource|error/i);
    } finally {
      for (const s of streams) s.close();
      await p.kill();
    }
  });
});
