/**
 * A bench-only server-sent-events reader for `/api/v1/me/events`: it timestamps each event the
 * moment its block is parsed (performance.now()) and hands it to a callback, so latency is
 * measured where an agent's browser would see it.
 */

export type StreamEvent = {
  agentId: string;
  event: string;
  data: Record<string, unknown>;
  at: number;
  /** The event's SSE id (null for events sent without one). */
  id?: string | null;
};

/**
 * Connection options: resume after an event id (`Last-Event-ID`); another stream path (the
 * supervisor's); `onEnd` hears a stream that ended without `close()` (the server closed it, or
 * it failed: `error` says which), so a long run can count it.
 */
export type StreamOptions = {
  lastEventId?: string | null;
  path?: string;
  onEnd?: (error: unknown | null) => void;
};

export class FeedStream {
  readonly ready: Promise<void>;
  closed = false;
  /** The id of the last event received (to resume from after a reconnect). */
  lastEventId: string | null = null;
  #abort = new AbortController();
  #reader: ReadableStreamDefaultReader<string> | null = null;

  constructor(
    url: string,
    readonly agentId: string,
    token: string,
    onEvent: (e: StreamEvent) => void,
    options: StreamOptions = {},
  ) {
    this.lastEventId = options.lastEventId ?? null;
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    this.ready = promise;
    (async () => {
      try {
        const res = await fetch(`${url}${options.path ?? "/api/v1/me/events"}`, {
          headers: {
            authorization: `Bearer ${token}`,
            accept: "text/event-stream",
            ...(this.lastEventId ? { "last-event-id": this.lastEventId } : {}),
          },
          signal: this.#abort.signal,
        });
        if (!res.ok || !res.body) throw new Error(`event stream of ${agentId} answered ${res.status}`);
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        this.#reader = reader;
        // Closed while the response was on its way: the body is cancelled here.
        if (this.#abort.signal.aborted) await reader.cancel().catch(() => {});
        let buf = "";
        for (;;) {
          const { value, done } = await reader.read();
          // After close() nothing more is handed on, even if the body was not cancelled in time.
          if (done || this.#abort.signal.aborted) break;
          buf += value;
          let i;
          while ((i = buf.indexOf("\n\n")) >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            const e = parseBlock(block);
            // The server's first write is the ": connected" comment: the watch is in place.
            if (!e) resolve();
            else if (e.id) this.lastEventId = e.id;
            if (e) onEvent({ agentId, event: e.event, data: e.data, at: performance.now(), id: e.id });
          }
        }
        if (!this.#abort.signal.aborted) options.onEnd?.(null);
      } catch (e) {
        if (!this.#abort.signal.aborted) {
          console.error(`bench: event stream of ${agentId} failed:`, e);
          options.onEnd?.(e);
          reject(e);
        }
      } finally {
        this.closed = true;
        resolve();
      }
    })();
  }

  /**
   * Ends the stream: the request is aborted and the body cancelled. Aborting alone left the
   * connection open once the body was piped (the server then kept every replaced stream: a
   * reconnecting client reached the per-session limit and heard `stream.replaced` on a stream
   * it had closed).
   */
  close(): void {
    this.#abort.abort();
    this.#reader?.cancel().catch(() => {});
  }
}

function parseBlock(
  block: string,
): { id: string | null; event: string; data: Record<string, unknown> } | null {
  let event = "message", data = "", id: string | null = null;
  for (const line of block.split("\n")) {
    if (line.startsWith("id:")) id = line.slice(3).trim();
    else if (line.startsWith("event:")) event = line.slice(6).trim();
    else if (line.startsWith("data:")) data += line.slice(5).trim();
  }
  return data ? { id, event, data: JSON.parse(data) } : null;
}
