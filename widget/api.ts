/** The widget's HTTP client: every call carries the visitor token; errors keep the API code. */

export class WidgetError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details?: unknown) {
    super(message);
  }
}

export type WidgetApi = {
  token: string;
  call<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<T>;
  stream(path: string): EventSource;
};

export function createApi(origin: string, sourceId: string, token: string): WidgetApi {
  return clientFor(`${origin}/api/v1/webchat/${encodeURIComponent(sourceId)}`, token);
}

/** The client of a co-browsing invitation (messaging sources): the invitation token, then the key. */
export function createGuestApi(origin: string, token: string): WidgetApi {
  return clientFor(`${origin}/api/v1/guest`, token);
}

const GUEST_KEY = "rd-cobrowse-guest";

/**
 * The link session this tab accepted, kept for the other pages of the site (this tab only, and
 * only until the session ends); `null` forgets it. Without an argument: reads it.
 */
export function keepGuest(value?: { id: string; key: string } | null): { id: string; key: string } | null {
  try {
    if (value === undefined) return JSON.parse(sessionStorage.getItem(GUEST_KEY) ?? "null");
    if (value) sessionStorage.setItem(GUEST_KEY, JSON.stringify(value));
    else sessionStorage.removeItem(GUEST_KEY);
  } catch { /* storage blocked: the session lasts as long as this page */ }
  return null;
}

function clientFor(base: string, token: string): WidgetApi {
  const api: WidgetApi = {
    token,
    async call<T>(
      method: string,
      path: string,
      body?: unknown,
      headers: Record<string, string> = {},
    ): Promise<T> {
      const raw = body instanceof Blob;
      const res = await fetch(base + path, {
        method,
        headers: {
          "x-widget-token": api.token,
          ...(body !== undefined && !raw ? { "content-type": "application/json" } : {}),
          ...headers,
        },
        body: body === undefined ? undefined : raw ? body : JSON.stringify(body),
        credentials: "omit",
      });
      const text = await res.text();
      const json = text ? JSON.parse(text) : null;
      if (!res.ok) {
        const e = json?.error ?? {};
        throw new WidgetError(res.status, e.code ?? "error", e.message ?? res.statusText, e.details);
      }
      return json as T;
    },
    stream(path: string): EventSource {
      const sep = path.includes("?") ? "&" : "?";
      const src = new EventSource(`${base}${path}${sep}token=${encodeURIComponent(api.token)}`);
      // More streams of this visitor were opened than the server keeps (many tabs): this one,
      // the oldest, stays closed rather than reconnect and close another in turn.
      src.addEventListener("stream.replaced", () => src.close());
      return src;
    },
  };
  return api;
}

/** Starts or resumes the visitor: the identity cookie when same-site, else the token kept in localStorage. */
export async function openSession(
  origin: string,
  sourceId: string,
): Promise<{ token: string; source: { name: string } }> {
  const storeKey = `rd-widget:${sourceId}`;
  let kept: string | undefined;
  try {
    kept = localStorage.getItem(storeKey) ?? undefined;
  } catch { /* storage blocked */ }
  const res = await fetch(`${origin}/api/v1/webchat/${encodeURIComponent(sourceId)}/session`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(kept ? { token: kept } : {}),
    credentials: "same-origin",
  });
  if (!res.ok) throw new WidgetError(res.status, "session", "cannot start the chat");
  const s = await res.json();
  try {
    localStorage.setItem(storeKey, s.token);
  } catch { /* storage blocked */ }
  return s;
}

/** A random id for idempotent sends. */
export function clientId(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}
