/**
 * The bench's stream reader ends its connection when closed: the server sees the body cancelled,
 * and no event is handed on after `close()`. (Aborting the request alone left the connection
 * open once the body was piped: the soak's reconnecting agents piled up streams on the server.)
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { FeedStream, type StreamEvent } from "./sse.ts";

for (const everyMs of [5, 700]) {
  Deno.test(`bench sse - close() ends the connection and hands on nothing more (an event every ${everyMs} ms)`, () =>
    closes(everyMs));
}

async function closes(everyMs: number) {
  let cancelled = 0;
  let open = 0;
  const enc = new TextEncoder();
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, () => {
    let timer: ReturnType<typeof setInterval>;
    let n = 0;
    open++;
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(enc.encode(": connected\n\n"));
        timer = setInterval(() => {
          n++;
          c.enqueue(enc.encode(`id: ${n}\nevent: tick\ndata: {"n":${n}}\n\n`));
        }, everyMs);
      },
      cancel() {
        clearInterval(timer);
        cancelled++;
      },
    });
    return new Response(body, { headers: { "content-type": "text/event-stream" } });
  });
  const url = `http://127.0.0.1:${server.addr.port}`;
  try {
    for (let round = 1; round <= 3; round++) {
      const seen: StreamEvent[] = [];
      const s = new FeedStream(url, "a1", "token", (e) => seen.push(e));
      await s.ready;
      while (seen.length < 2) await new Promise((r) => setTimeout(r, 5));
      s.close();
      const atClose = seen.length;
      const deadline = Date.now() + 5_000;
      while (cancelled < round && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      assertEquals(cancelled, round, `round ${round}: the server still streams to a closed reader`);
      assertEquals(seen.length, atClose, "no event after close()");
      assert(s.closed);
    }
    assertEquals(open, 3);
  } finally {
    await server.shutdown();
  }
}
