/**
 * Server processes as an operator runs them: two on one KV file serve one desk live (issue 13
 * item 2), and SIGTERM ends a process promptly even with event streams open (issue 10 item 7).
 */
import assert from "node:assert/strict";
import type { Config } from "../lib/shared/config.ts";
import {
  EventReader,
  eventually,
  msg,
  PASSWORD,
  testConfig,
  testRouting,
  testSource,
  within,
} from "./harness.ts";
import { readStream } from "./widget_client.ts";
import { deskFiles, ServerProcess } from "./server_process.ts";

let config: Config;

async function withFiles(fn: (env: { KV_PATH: string; ROUTING_CONFIG: string }) => Promise<void>) {
  config = await testConfig({
    routing: testRouting({ awayOnMiss: false, stickyWindow: 0 }),
    sources: [testSource("webchat")],
  }, [{ id: "alice" }]);
  const files = await deskFiles("processes-test-", config);
  try {
    await fn(files.env);
  } finally {
    await Deno.remove(files.dir, { recursive: true });
  }
}

const signIn = (p: ServerProcess, login: string) => p.signIn(login, PASSWORD);

const call = (p: ServerProcess, token: string, method: string, path: string, body?: unknown) =>
  p.request(method, path, { token, body });

async function inbound(p: ServerProcess, thread: string): Promise<string> {
  const r = await p.inbound(config, "webchat", msg(thread));
  assert.equal(r.status, 202);
  return r.body.interactionId;
}

/** Starts two processes on one desk; the first is killed when the second fails to start. */
async function startTwo(env: { KV_PATH: string; ROUTING_CONFIG: string }) {
  const one = await ServerProcess.start(env);
  return [one, await ServerProcess.start(env).catch(async (e) => (await one.crash(), Promise.reject(e)))];
}

Deno.test("processes - an offer made by one process reaches the agent's stream on another within 1 s", async () => {
  await withFiles(async (env) => {
    const [one, two] = await startTwo(env);
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
      await Promise.all([one.crash(), two.crash()]);
    }
  });
});

Deno.test("processes - a reply sent through one process reaches the widget's stream held on another within 1 s", async () => {
  await withFiles(async (env) => {
    const [one, two] = await startTwo(env);
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
      // One routes it; its pool (loaded at start) hears of alice's availability, set through two,
      // within a poll of the pool head: the offer may come from that pass.
      await eventually(
        async () => {
          const r = await call(two, token, "GET", "/api/v1/me/folders/in_progress");
          return r.body.items.some((i: { id: string; state: string }) =>
            i.id === id && i.state === "offered"
          );
        },
        5_000,
        "the offer to alice",
      );
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
      await Promise.all([one.crash(), two.crash()]);
    }
  });
});

// Served by Deno.serve (the default), and by the server with a header read deadline.
for (const headerTimeout of ["", "2000"]) {
  const name = headerTimeout ? ` (HEADER_TIMEOUT_MS=${headerTimeout})` : "";
  Deno.test(`processes - SIGTERM tells open streams to reconnect and the process exits within 10 s${name}`, async () => {
    await withFiles(async (env) => {
      const p = await ServerProcess.start({ ...env, HEADER_TIMEOUT_MS: headerTimeout });
      const streams: EventReader[] = [];
      try {
        const token = await signIn(p, "alice");
        const events = new EventReader(p.url, token);
        streams.push(events);
        await events.ready;
        const started = performance.now();
        p.child.kill("SIGTERM");
        await events.next("server.stopping", () => true, 10_000);
        const status = await within(p.child.status, 10_000, "the process to exit after SIGTERM");
        const took = performance.now() - started;
        assert.ok(took < 10_000, `exited after ${took} ms`);
        assert.equal(status.code, 0, p.output);
        assert.ok(events.closed, "the stream was closed");
        assert.doesNotMatch(p.output, /BadResource|error/i);
      } finally {
        for (const s of streams) s.close();
        await p.stop();
      }
    });
  });
}

Deno.test("processes - with HEADER_TIMEOUT_MS a connection that does not finish its request head is closed", async () => {
  await withFiles(async (env) => {
    const p = await ServerProcess.start({ ...env, HEADER_TIMEOUT_MS: "500" });
    try {
      const port = Number(new URL(p.url).port);
      const slow = await Deno.connect({ hostname: "127.0.0.1", port });
      await slow.write(new TextEncoder().encode("POST /api/v1/session HTTP/1.1\r\nHost: x\r\nX-Slow: "));
      const started = performance.now();
      // Meanwhile others are served as usual: JSON as the API answers it (not re-encoded).
      const token = await signIn(p, "alice");
      const me = await fetch(`${p.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(me.status, 200);
      assert.equal(me.headers.get("content-encoding"), null);
      await me.body?.cancel();
      const read = await within(
        slow.read(new Uint8Array(256)).catch(() => null),
        10_000,
        "the server to close it",
      );
      assert.equal(read, null, "closed without an answer");
      assert.ok(performance.now() - started < 5_000);
      slow.close();
      assert.doesNotMatch(p.output, /error/i);
    } finally {
      await p.stop();
    }
  });
});
