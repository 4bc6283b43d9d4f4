/// <reference lib="dom" />
/**
 * The browser's JSON API client: same-origin, the session cookie, and the CSRF token on every
 * state-changing request (routes/auth.ts). API errors keep the API.md `code` and message.
 * `request` is the one fetch wrapper: `createApi` throws on an error answer (the islands' calls),
 * the administration console reads the answer whole (status, `ETag`, error details).
 */

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

/** An API.md error body's `error`. */
export type ErrorBody = { code: string; message: string; details?: unknown };

/** An answer read whole: status 0 when the network failed (nothing was answered). */
export type Answer = {
  status: number;
  /** The parsed JSON body, or null (empty or not JSON). */
  json: unknown;
  headers: Headers;
  /** The API.md error of an answer that is not ok. */
  error: ErrorBody | null;
};

/**
 * One call: JSON in and out, the CSRF token on every method but GET, `headers` added (e.g.
 * `If-Match`). Never throws; a 401 calls `onUnauthorized` (by default, back to the sign-in page).
 */
export async function request(
  csrf: string,
  method: string,
  path: string,
  body?: unknown,
  o: { headers?: Record<string, string>; onUnauthorized?: () => void } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { accept: "application/json", ...o.headers };
  if (method !== "GET") {
    headers["x-csrf-token"] = csrf;
    headers["content-type"] = "application/json";
  }
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: "same-origin",
      body: method === "GET" ? undefined : JSON.stringify(body ?? {}),
    });
  } catch {
    return { status: 0, json: null, headers: new Headers(), error: { code: "network", message: "" } };
  }
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch { /* not JSON */ }
  if (res.status === 401) (o.onUnauthorized ?? (() => location.assign("/login")))();
  const e = (json as { error?: Partial<ErrorBody> } | null)?.error;
  return {
    status: res.status,
    json,
    headers: res.headers,
    error: res.ok ? null : {
      code: e?.code ?? "error",
      message: e?.message ?? res.statusText,
      ...(e?.details !== undefined ? { details: e.details } : {}),
    },
  };
}

export type Api = <T = unknown>(method: string, path: string, body?: unknown) => Promise<T>;

export function createApi(csrf: string, onUnauthorized: () => void = () => location.assign("/login")): Api {
  return async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const r = await request(csrf, method, path, body, { onUnauthorized });
    if (r.error) throw new ApiError(r.status, r.error.code, r.error.message);
    return r.json as T;
  };
}
