/// <reference lib="dom" />
/**
 * The browser's JSON API client: same-origin, the session cookie, and the CSRF token on every
 * state-changing request (routes/auth.ts). API errors keep the API.md `code` and message.
 */

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

export type Api = <T = unknown>(method: string, path: string, body?: unknown) => Promise<T>;

export function createApi(csrf: string, onUnauthorized: () => void = () => location.assign("/login")): Api {
  return async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const headers: Record<string, string> = { accept: "application/json" };
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
      throw new ApiError(0, "network", "");
    }
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch { /* not JSON */ }
    if (!res.ok) {
      if (res.status === 401) onUnauthorized();
      const e = (json as { error?: { code?: string; message?: string } } | null)?.error;
      throw new ApiError(res.status, e?.code ?? "error", e?.message ?? res.statusText);
    }
    return json as T;
  };
}
