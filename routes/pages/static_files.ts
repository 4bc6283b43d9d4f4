/**
 * The few plain files pages use besides the built bundles: the favicon (every page links it,
 * and browsers also ask for /favicon.ico) and the demo shop's stylesheet and script (files,
 * because the pages' CSP allows no inline style or script). Read once, served from memory.
 */
import { z } from "zod";
import { describe } from "../../lib/server/openapi.ts";
import type { App } from "../auth.ts";

const STATIC = new URL("../../static/", import.meta.url);

const FILES: Record<string, { file: string; contentType: string }> = {
  "/favicon.svg": { file: "favicon.svg", contentType: "image/svg+xml" },
  "/favicon.ico": { file: "favicon.svg", contentType: "image/svg+xml" },
  "/static/demo.css": { file: "demo.css", contentType: "text/css; charset=utf-8" },
  "/static/demo.js": { file: "demo.js", contentType: "text/javascript; charset=utf-8" },
};

for (const [path, { contentType }] of Object.entries(FILES)) {
  describe({
    method: "get",
    path,
    summary: `Extension: a static file of the pages (${
      path.endsWith(".ico") ? "the SVG favicon" : path.slice(1)
    })`,
    tag: "pages",
    auth: "none",
    responses: { 200: { description: "The file", contentType, schema: z.string() } },
  });
}

const cache = new Map<string, Promise<Uint8Array<ArrayBuffer>>>();

export function staticFileRoutes(app: App): void {
  for (const [path, { file, contentType }] of Object.entries(FILES)) {
    app.get(path, async (c) => {
      let body = cache.get(file);
      if (!body) {
        cache.set(file, body = Deno.readFile(new URL(file, STATIC)) as Promise<Uint8Array<ArrayBuffer>>);
      }
      return c.body(await body, 200, {
        "content-type": contentType,
        "cache-control": "public, max-age=86400",
        "x-content-type-options": "nosniff",
      });
    });
  }
}
