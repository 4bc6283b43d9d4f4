/**
 * The browser assets of the pages: island bundles and stylesheets, built once per process on
 * first use (lazily, so processes that never serve a page never bundle) and served from memory
 * under content-hashed names with year-long immutable caching.
 */
import type { App } from "../auth.ts";
import { type Assets, buildAssets } from "../../lib/server/islands/build.ts";
import { NotFound } from "../../lib/shared/errors.ts";

const ROOT = new URL("../../", import.meta.url);
export const ISLANDS = ["routing_view", "print_toolbar", "supervisor", "supervisor_report", "admin"];
export const STYLES = ["app.css", "print_view.css"];

let building: Promise<Assets> | null = null;

/** The built assets (built on the first call; a failed build is retried on the next). */
export function assets(): Promise<Assets> {
  building ??= buildAssets({ root: ROOT, islands: ISLANDS, styles: STYLES, writeToDisk: true }).catch((e) => {
    building = null;
    throw e;
  });
  return building;
}

export function assetRoutes(app: App): void {
  app.get("/static/build/:file", async (c) => {
    const file = (await assets()).files.get(c.req.param("file"));
    if (!file) throw new NotFound("No such asset.", "no_asset");
    return c.body(file.body as Uint8Array<ArrayBuffer>, 200, {
      "content-type": file.contentType,
      "cache-control": "public, max-age=31536000, immutable",
      "x-content-type-options": "nosniff",
    });
  });
}
