/// <reference lib="dom" />
/**
 * Browser: the administration console's calls to the configuration API (API.md "Configuration
 * at run time"), on the one fetch wrapper (`request` in api.ts). Unlike the routing view's client
 * it keeps the status, the `ETag` and the error details, because the console acts on 400 (field
 * errors), 412 (conflict) and versions.
 */
import type { AdminAuditEntry, VersionRecord } from "../shared/wire/admin.ts";
import type { ConfigInput } from "../shared/config.ts";
import { type ErrorBody, request } from "./api.ts";

export type ErrorDetail = { path: string; message: string };
export type ApiAnswer<T> = {
  status: number;
  /** The answer's JSON: a `T` when `status` is 200 (the callers check it first). */
  body: T;
  /** The configuration version from `ETag: "<version>"`, when the server sent one. */
  version: string | null;
  error: ErrorBody | null;
};

/** One item of the version list (the server's wire shape). */
export type VersionSummary = VersionRecord;
type Page<T> = { items: T[]; cursor: string | null };

const CONFIG = "/api/v1/admin/config";

/** `"12"` or `W/"12"` → `12`. */
export const versionOfEtag = (etag: string | null): string | null =>
  etag ? etag.replace(/^W\//, "").replace(/^"|"$/g, "") : null;

export function createAdminApi(csrf: string) {
  const call = async <T>(
    method: string,
    path: string,
    body?: unknown,
    version?: string | null,
  ): Promise<ApiAnswer<T>> => {
    const r = await request(csrf, method, path, body, {
      headers: version ? { "if-match": `"${version}"` } : {},
    });
    return {
      status: r.status,
      body: r.json as T,
      version: versionOfEtag(r.headers.get("etag")),
      error: r.error,
    };
  };
  return {
    read: () => call<ConfigInput>("GET", CONFIG),
    save: (config: ConfigInput, version: string | null) => call<ConfigInput>("PUT", CONFIG, config, version),
    versions: (cursor?: string | null) =>
      call<Page<VersionRecord>>(
        "GET",
        `${CONFIG}/versions?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
      ),
    version: (v: string | number) =>
      call<VersionRecord & { config: ConfigInput }>(
        "GET",
        `${CONFIG}/versions/${encodeURIComponent(String(v))}`,
      ),
    audit: (cursor?: string | null) =>
      call<Page<AdminAuditEntry>>(
        "GET",
        `/api/v1/admin/audit?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
      ),
    restore: (v: string | number, version: string | null) =>
      call<ConfigInput>("POST", `${CONFIG}/versions/${encodeURIComponent(String(v))}/restore`, {}, version),
  };
}

export type AdminApi = ReturnType<typeof createAdminApi>;
