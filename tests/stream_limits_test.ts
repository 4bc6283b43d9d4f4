/**
 * Bounded resources (issue 10 item 6): at most five event streams per session and per widget
 * visitor (one more closes the oldest, which is told `stream.replaced`), a request body that
 * does not arrive in time answered 408, and clients that go away mid-request leave no log line.
 */
import assert from "node:assert/strict";
import { STREAM_REPLACED, STREAMS_PER_OWNER } from "../lib/server/streams.ts";
import { setBodyReadLimit } from "../routes/http.ts";
import {
  EventReader,
  eventually,
  PASSWORD,
  startServer,
  testConfig,
  testRouting,
  type TestServer,
} from "./harness.ts";
import { ServerProcess } from "./server_process.ts";
import { readStream, Visitor } from "./widget_client.ts";
import { webchatConfig } from "./browser/webchat_support.ts";

async function withServer(fn: (s: TestServer) => Promise<void>) {
  const s = await startServer({ config: await webchatConfig() });
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}

/** Runs `fn` and returns every console.error line written meanwhile. */
async function errorLines(fn: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => void lines.push(args.map(String).join(" "));
  try {
    await fn();
  } finally {
    console.error = original;
  }
  return lines;
}

Deno.test("stream limits - a sixth stream of one session closes the oldest, which is told why", async () => {
  await withServer(async (s) => {
    const alice = await s.agent("alice");
    const streams: EventReader[] = [];
    for (let i = 0; i < STREAMS_PER_OWNER; i++) {
      const e = alice.events();
      await e.ready;
      streams.push(e);
    }
    const sixth = alice.events();
    await sixth.ready;
    const replaced = await streams[0].next(STREAM_REPLACED);
    assert.deepEqual(replaced.data, { reason: "too_many_streams", limit: STREAMS_PER_OWNER });
    assert.equal(replaced.id, null, "not a feed event: no id to resume from");
    await eventually(() => streams[0].closed, 5_000, "the oldest stream to close");
    assert.ok(streams.slice(1).every((e) => !e.closed), "the others stay open");
    assert.ok(!sixth.closed);
    // Another session of the same agent has its own five.
    const other = (await s.agent("alice")).events();
    await other.ready;
    assert.ok(!streams[1].closed);
    // Live events still reach every open stream of the session.
    await (await s.agent("alice")).presence("available");
    for (const e of [...streams.slice(1), sixth]) assert.ok(!e.closed);
  });
});

Deno.test("stream limits - a sixth widget stream of one visitor closes the oldest, which is told why", async () => {
  await withServer(async (s) => {
    const v = await Visitor.start(s);
    const url = `${s.url}/api/v1/webchat/webchat/events?token=${encodeURIComponent(v.token)}`;
    const streams: ReturnType<typeof readStream>[] = [];
    try {
      for (let i = 0; i <= STREAMS_PER_OWNER; i++) {
        const r = readStream(url);
        await r.ready;
        streams.push(r);
        // Each stream's first state arrives once it is registered.
        await eventually(
          () => r.events.some((e) => e.event === "typing"),
          5_000,
          "the stream's first events",
        );
      }
      await eventually(
        () => streams[0].events.some((e) => e.event === STREAM_REPLACED),
        5_000,
        "the oldest stream to be replaced",
      );
      await streams[0].done;
      assert.ok(streams.slice(1).every((r) => !r.events.some((e) => e.event === STREAM_REPLACED)));
      // Another visitor is not affected.
      const w = await Visitor.start(s);
      const theirs = readStream(
        `${s.url}/api/v1/webchat/webchat/events?token=${encodeURIComponent(w.token)}`,
      );
      streams.push(theirs);
      await eventually(
        () => theirs.events.some((e) => e.event === "typing"),
        5_000,
        "another visitor's stream",
      );
      assert.ok(!streams[1].events.some((e) => e.event === STREAM_REPLACED));
    } finally {
      for (const r of streams) r.close();
    }
  });
});

/** Sends `head` and then only `sent` bytes of a body on a raw connection; returns the first bytes answered. */
async function slowBody(s: TestServer, path: string, declared: number, sent: string): Promise<string> {
  const port = Number(new URL(s.url).port);
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(new TextEncoder().encode(
      `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${declared}\r\n\r\n${sent}`,
    ));
    const buf = new Uint8Array(512);
    const n = await conn.read(buf);
    return new TextDecoder().decode(buf.subarray(0, n ?? 0));
  } finally {
    conn.close();
  }
}

Deno.test("stream limits - a body that does not arrive in time is answered 408 and the connection let go", async () => {
  setBodyReadLimit(300);
  try {
    await withServer(async (s) => {
      const started = performance.now();
      const answer = await slowBody(s, "/api/v1/session", 200, '{"login": "al');
      assert.match(answer, /^HTTP\/1\.1 408/);
      assert.match(answer, /request_timeout/);
      assert.ok(performance.now() - started < 5_000);
      // The server still answers.
      assert.equal((await s.request("GET", "/healthz")).status, 200);
    });
  } finally {
    setBodyReadLimit(30_000);
  }
});

Deno.test("stream limits - clients that go away mid-body or mid-stream leave no error line", async () => {
  await withServer(async (s) => {
    const alice = await s.agent("alice");
    const lines = await errorLines(async () => {
      // A body cut off: the connection closes after part of it.
      const port = Number(new URL(s.url).port);
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      await conn.write(new TextEncoder().encode(
        "POST /api/v1/session HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
          'Content-Length: 500\r\n\r\n{"login": ',
      ));
      await new Promise((r) => setTimeout(r, 100));
      conn.close();
      // A stream dropped by its client.
      const e = alice.events();
      await e.ready;
      e.close();
      await eventually(() => s.desk.streams.size === 0, 5_000, "the dropped stream to be let go");
      await new Promise((r) => setTimeout(r, 200));
      assert.equal((await s.request("GET", "/healthz")).status, 200);
    });
    assert.deepEqual(lines, []);
  });
});

Deno.test("stream limits - five streams per session hold across two processes on one KV file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stream_limits_" });
  await Deno.writeTextFile(
    `${dir}/config.json`,
    JSON.stringify(await testConfig({ routing: testRouting() }, [{ id: "a1" }])),
  );
  const env = { KV_PATH: `${dir}/desk.kv`, ROUTING_CONFIG: `${dir}/config.json`, KV_QUEUES: "off" };
  const one = await ServerProcess.start(env);
  const two = await ServerProcess.start(env);
  const readers: EventReader[] = [];
  const kv = await Deno.openKv(`${dir}/desk.kv`);
  const leases = async () => {
    let n = 0;
    for await (const _ of kv.list({ prefix: ["stream_lease"] })) n++;
    return n;
  };
  try {
    const token = await one.signIn("a1", PASSWORD);
    // Three on the first process, two on the second: five, all kept.
    for (const [p, n] of [[one, 3], [two, 2]] as const) {
      for (let i = 0; i < n; i++) {
        const r = new EventReader(p.url, token);
        await r.ready;
        readers.push(r);
        // Opened one after another, so "the oldest" is well defined.
        await eventually(async () => (await leases()) === readers.length, 5_000, "the stream's lease");
      }
    }
    assert.ok(readers.every((r) => !r.closed));
    // A sixth, on the second process: the oldest, on the first, is told and closed.
    const sixth = new EventReader(two.url, token);
    await sixth.ready;
    readers.push(sixth);
    const replaced = await readers[0].next(STREAM_REPLACED, () => true, 15_000);
    assert.deepEqual(replaced.data, { reason: "too_many_streams", limit: STREAMS_PER_OWNER });
    await eventually(() => readers[0].closed, 5_000, "the oldest stream to close");
    assert.ok(readers.slice(1).every((r) => !r.closed), "the five newest stay open");
    await eventually(async () => (await leases()) === STREAMS_PER_OWNER, 5_000, "the evicted lease removed");
    // A stream that ends releases its lease.
    readers[5].close();
    await eventually(async () => (await leases()) === STREAMS_PER_OWNER - 1, 5_000, "the lease released");
  } finally {
    for (const r of readers) r.close();
    kv.close();
    await one.stop();
    await two.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
