/**
 * The header read deadline (issue 10 item 6): a connection that does not finish a request head in
 * time is closed; requests that do are served as by Deno.serve, with the peer's address; a
 * shutdown closes idle connections at once and waits for responses in flight.
 */
import assert from "node:assert/strict";
import { serve, type Server } from "./http_server.ts";

const enc = new TextEncoder();

async function withServer(
  headerTimeoutMs: number,
  handler: Parameters<typeof serve>[1],
  fn: (s: Server, url: string) => Promise<void>,
) {
  const s = serve({ hostname: "127.0.0.1", port: 0, headerTimeoutMs }, handler);
  try {
    await fn(s, `http://127.0.0.1:${s.addr.port}`);
  } finally {
    await s.shutdown();
  }
}

/** Opens a raw connection and sends `head` (possibly incomplete). */
async function rawConnection(port: number, head: string): Promise<Deno.TcpConn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(enc.encode(head));
  return conn;
}

/** Reads until the peer closes; resolves with what it sent and when (ms after the call). */
async function untilClosed(conn: Deno.Conn, limitMs: number): Promise<{ text: string; afterMs: number }> {
  const started = performance.now();
  const chunks: string[] = [];
  const buf = new Uint8Array(4096);
  const timer = setTimeout(() => conn.close(), limitMs);
  try {
    for (;;) {
      const n = await conn.read(buf).catch(() => null);
      if (n === null) break;
      chunks.push(new TextDecoder().decode(buf.subarray(0, n)));
    }
  } finally {
    clearTimeout(timer);
  }
  return { text: chunks.join(""), afterMs: performance.now() - started };
}

Deno.test("http server - a request head not finished in time closes the connection; others are served", async () => {
  await withServer(
    300,
    (req, info) => Response.json({ path: new URL(req.url).pathname, peer: info.remoteAddr.hostname }),
    async (s, url) => {
      const slow = await rawConnection(s.addr.port, "GET /slow HTTP/1.1\r\nHost: x\r\nX-Trickle: a");
      // Meanwhile the server answers others, with the peer's address for per-address limits.
      const res = await fetch(`${url}/fine`);
      assert.deepEqual(await res.json(), { path: "/fine", peer: "127.0.0.1" });
      const { text, afterMs } = await untilClosed(slow, 10_000);
      assert.equal(text, "", "closed without an answer");
      assert.ok(afterMs < 9_000, `closed by the server (after ${Math.round(afterMs)} ms), not by the test`);
      // A head trickled byte by byte that is not done in time is closed the same way.
      const trickle = await rawConnection(s.addr.port, "G");
      let sent = 1;
      const drip = setInterval(() => void trickle.write(enc.encode("E")).then(() => sent++, () => {}), 50);
      const dripped = await untilClosed(trickle, 10_000);
      clearInterval(drip);
      assert.ok(dripped.afterMs < 9_000 && sent > 2, "a trickling head does not extend the deadline");
      // A complete head in time is answered, on a raw connection too.
      const ok = await rawConnection(
        s.addr.port,
        "GET /raw HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
      );
      const answer = await untilClosed(ok, 5_000);
      assert.match(answer.text, /^HTTP\/1\.1 200/);
      assert.match(answer.text, /"path":"\/raw"/);
    },
  );
});

Deno.test("http server - a handler that throws is answered 500 and the server goes on", async () => {
  const errors: unknown[] = [];
  const original = console.error;
  console.error = (...a: unknown[]) => void errors.push(a);
  try {
    await withServer(1_000, (req) => {
      if (new URL(req.url).pathname === "/boom") throw new Error("boom");
      return new Response("ok");
    }, async (_s, url) => {
      const boom = await fetch(`${url}/boom`);
      assert.equal(boom.status, 500);
      await boom.body?.cancel();
      assert.equal(await (await fetch(`${url}/ok`)).text(), "ok");
    });
  } finally {
    console.error = original;
  }
  assert.equal(errors.length, 1, "one line for the failed request");
});

Deno.test("http server - shutdown closes idle connections at once and waits for a response in flight", async () => {
  const release = Promise.withResolvers<void>();
  await withServer(30_000, async (req) => {
    if (new URL(req.url).pathname === "/slow") await release.promise;
    return new Response("done");
  }, async (s, url) => {
    // An idle keep-alive connection (a request answered, the connection kept).
    const idle = await rawConnection(s.addr.port, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
    await idle.read(new Uint8Array(4096));
    const slow = fetch(`${url}/slow`).then((r) => r.text());
    await new Promise((r) => setTimeout(r, 100));
    let stopped = false;
    const stopping = s.shutdown().then(() => (stopped = true));
    const idleClosed = await untilClosed(idle, 5_000);
    assert.ok(idleClosed.afterMs < 4_000, "the idle connection is closed at once");
    assert.equal(stopped, false, "the response in flight is waited for");
    release.resolve();
    assert.equal(await slow, "done");
    await stopping;
    await assert.rejects(fetch(`${url}/late`), "no connection accepted once stopped");
  });
});

Deno.test("http server - with no deadline it is Deno.serve, with the peer's address", async () => {
  await withServer(0, (_req, info) => new Response(info.remoteAddr.hostname), async (_s, url) => {
    assert.equal(await (await fetch(url)).text(), "127.0.0.1");
  });
});
