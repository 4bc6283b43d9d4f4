// deno-lint-ignore-file no-explicit-any
/** A web chat visitor over HTTP, as the widget does it (for the API suites). */
import type { ApiResponse, TestServer } from "./harness.ts";

export class Visitor {
  constructor(
    readonly server: TestServer,
    readonly sourceId: string,
    readonly token: string,
    readonly id: string,
  ) {}

  static async start(
    server: TestServer,
    sourceId = "webchat",
    body: Record<string, unknown> = {},
  ): Promise<Visitor> {
    const r = await server.request("POST", `/api/v1/webchat/${sourceId}/session`, { body });
    if (r.status !== 200) throw new Error(`session failed: ${r.status} ${JSON.stringify(r.body)}`);
    return new Visitor(server, sourceId, r.body.token, r.body.visitorId);
  }

  req<T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
    token = this.token,
  ): Promise<ApiResponse<T>> {
    return this.server.request<T>(method, `/api/v1/webchat/${this.sourceId}${path}`, {
      body,
      headers: { "x-widget-token": token, ...headers },
    });
  }

  say(body: string, id = crypto.randomUUID().replaceAll("-", ""), extra: Record<string, unknown> = {}) {
    return this.req("POST", "/messages", { id, body, ...extra });
  }

  async upload(
    bytes: Uint8Array,
    name: string,
    contentType = "application/octet-stream",
  ): Promise<ApiResponse> {
    const res = await fetch(`${this.server.url}/api/v1/webchat/${this.sourceId}/uploads`, {
      method: "POST",
      headers: {
        "x-widget-token": this.token,
        "content-type": contentType,
        "x-file-name": encodeURIComponent(name),
      },
      body: bytes as Uint8Array<ArrayBuffer>,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
  }

  cobrowse(sessionId: string, action: string, body?: unknown) {
    return this.req("POST", `/cobrowse/${sessionId}/${action}`, body);
  }
}

/** Reads a server-sent event stream into a list (closed by `close`). */
export function readStream(url: string, headers: Record<string, string> = {}) {
  const abort = new AbortController();
  const events: { event: string; data: string }[] = [];
  // Resolves once the response has started: the server has fixed where the stream starts
  // from, so whatever is sent after this is seen (before it, a racing write may be skipped).
  const opened = Promise.withResolvers<void>();
  const done = (async () => {
    const res = await fetch(url, { headers, signal: abort.signal }).finally(() => opened.resolve());
    if (!res.ok) {
      events.push({ event: "http_error", data: String(res.status) });
      await res.body?.cancel();
      return;
    }
    let buf = "";
    for await (const chunk of res.body!.pipeThrough(new TextDecoderStream())) {
      buf += chunk;
      let i;
      while ((i = buf.indexOf("\n\n")) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        let event = "message", data = "";
        for (const line of block.split("\n")) {
          if (line.startsWith("event:")) event = line.slice(6).trim();
          else if (line.startsWith("data:")) data += line.slice(5).trim();
        }
        if (data) events.push({ event, data });
      }
    }
  })().catch(() => {});
  return { events, close: () => abort.abort(), done, ready: opened.promise };
}
