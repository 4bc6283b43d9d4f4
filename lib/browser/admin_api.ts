/// <reference lib="dom" />
/**
 * Browser: the administration console's calls to the configuration API (API.md "Configuration
 * at run time"), on the one fetch wrapper (`request` in api.ts). Unlike the routing view's client
 * it keeps the status, the `ETag` and the error details, because the console acts on 400 (field
 * errors), 412 (conflict) and versions.
 */
import type { VersionRecord } from "../shared/wire/admin.ts";
import type { Json } from "./admin_paths.ts";
import { type ErrorBody, request } from "./api.ts";

export type ErrorDetail = { path: string; message: string };
export type ApiAnswer = {
  status: number;
  body: Json;
  /** The configuration version from `ETag: "<version>"`, when the server sent one. */
  version: string | null;
  error: ErrorBody | null;
};

/** One item of the version list (the server's wire shape). */
export type VersionSummary = VersionRecord;

const CONFIG = "/api/v1/admin/config";

/** `"12"` or `W/"12"` → `12`. */
export const versionOfEtag = (etag: string | null): string | null =>
  etag ? etag.replace(/^W\//, "").replace(/^"|"$/g, "") : null;

export function createAdminApi(csrf: string) {
  const call = async (method: string, path: string, body?: unknown, version?: string | null) => {
    const r = await request(csrf, method, path, body, {
      headers: version ? { "if-match": `"${version}"` } : {},
    });
    return {
      status: r.status,
      body: r.json as Json,
      version: versionOfEtag(r.headers.get("etag")),
      error: r.error,
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
