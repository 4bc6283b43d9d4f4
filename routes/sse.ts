/**
 * The one way a route serves server-sent events: a comment at once and every `keepAliveMs`,
 * messages from an async source that stops when the client goes, registration with the
 * process's open streams (a per-owner limit; the server stopping), and a last event saying why
 * when the server closes the stream. A client that disconnects ends it quietly.
 */
import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import type { ClosingEvent, OpenStreams } from "../lib/server/streams.ts";

export const KEEPALIVE_MS = 20_000;

export type SseMessage = { event: string; data: string; id?: string };

export type SseOptions = {
  /** Names the stream in the one log line a failure writes. */
  name: string;
  /** Whose stream it is (a session, a visitor) for the per-owner limit; null for none. */
  owner: string | null;
  /**
   * The messages to send, set up before the first comment is written (a client that saw it may
   * rely on every later change being sent). The signal aborts when the stream is to end (client
   * gone, replaced, server stopping): the source then returns. A source that returns ends it.
   */
  messages: (signal: AbortSignal) => AsyncIterable<SseMessage> | Promise<AsyncIterable<SseMessage>>;
  keepAliveMs?: number;
};

export function serveEvents(c: Context, streams: OpenStreams, o: SseOptions): Response {
  c.header("x-accel-buffering", "no");
  return streamSSE(c, async (stream) => {
    const abort = new AbortController();
    let closing: ClosingEvent | null = null;
    const unregister = streams.add(o.owner, (e) => {
      closing = e;
      abort.abort();
    });
    stream.onAbort(() => abort.abort());
    const keepAlive = setInterval(() => void stream.write(": keep-alive\n\n"), o.keepAliveMs ?? KEEPALIVE_MS);
    try {
      const messages = await o.messages(abort.signal);
      await stream.write(": connected\n\n");
      for await (const m of messages) {
        if (stream.aborted) break;
        await stream.writeSSE(m);
        if (abort.signal.aborted) break;
      }
    } catch (e) {
      // A client gone mid-write is no failure worth a line.
      if (!stream.aborted) console.error(`${o.name} stream failed:`, e);
    } finally {
      clearInterval(keepAlive);
      unregister();
      abort.abort();
      const last = closing as ClosingEvent | null;
      if (last && !stream.aborted) {
        await stream.writeSSE({ event: last.event, data: JSON.stringify(last.data) });
      }
    }
  });
}
