/// <reference lib="dom" />
/**
 * Browser: the administration console's calls to the configuration API (API.md "Configuration
 * at run time"). Unlike the routing view's client it keeps the status, the `ETag` and the error
 * details, because the console acts on 400 (field errors), 412 (conflict) and versions.
 */
import type { VersionRecord } from "../shared/wire/admin.ts";
import type { Json } from "./admin_paths.ts";

export type ErrorDetail = { path: string; message: string };
export type ApiAnswer = {
  status: number;
  body: Json;
  /** The configuration version from `ETag: "<version>"`, when the server sent one. */
  version: string | null;
  error: { code: string; message: string; details?: Json } | null;
};

/** One item of the version list (the server's wire shape). */
export type VersionSummary = VersionRecord;

const CONFIG = "/api/v1/admin/config";

/** `"12"` or `W/"12"` → `12`. */
export const versionOfEtag = (etag: string | null): string | null =>
  etag ? etag.replace(/^W\//, "").replace(/^"|"$/g, "") : null;

export function createAdminApi(csrf: string) {
  const call = async (method: string, path: string, body?: unknown, version?: string | null) => {
    const headers: Record<string, string> = { accept: "application/json" };
    if (method !== "GET") {
      headers["x-csrf-token"] = csrf;
      headers["content-type"] = "application/json";
    }
    if (version) headers["if-match"] = `"${version}"`;
    let res: Response;
    try {
      res = await fetch(path, {
        method,
        headers,
        credentials: "same-origin",
        body: method === "GET" ? undefined : JSON.stringify(body ?? {}),
      });
    } catch {
      return { status: 0, body: null, version: null, error: { code: "network", message: "" } };
    }
    const text = await res.text();
    let json: Json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch { /* not JSON */ }
    if (res.status === 401) location.assign("/login");
    return {
      status: res.status,
      body: json,
      version: versionOfEtag(res.headers.get("etag")),
      error: res.ok ? null : (json?.error ?? { code: "error", message: res.statusText }),
    } satisfies ApiAnswer;
  };
  return {
    read: () => call("GET", CONFIG),
    save: (config: Json, version: string | null) => call("PUT", CONFIG, config, version),
    versions: (cursor?: string | null) =>
      call("GET", `${CONFIG}/versions?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`),
    version: (v: string | number) => call("GET", `${CONFIG}/versions/${encodeURIComponent(String(v))}`),
    audit: (cursor?: string | null) =>
      call("GET", `/api/v1/admin/audit?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`),
    restore: (v: string | number, version: string | null) =>
      call("POST", `${CONFIG}/versions/${encodeURIComponent(String(v))}/restore`, {}, version),
  };
}

export type AdminApi = ReturnType<typeof createAdminApi>;
