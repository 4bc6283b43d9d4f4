/**
 * The web chat widget's files (`/widget.js`, the on-demand modules under `/widget/`), the demo
 * shop page (`/demo`) and the agent's co-browsing viewer (`/cobrowse/view/:id`).
 */
import type { App } from "././auth.ts";
import { z } from "zod";
import { describe } from "../lib/server/openapi.ts";
import { NotFound } from "../lib/shared/errors.ts";
import { buildWidget, type WidgetAssets } from "../lib/server/widget_build.ts";
import type { Desk } from "../desk/desk.ts";
import { cobrowseViewerRoutes } from "./pages/cobrowse.tsx";
import { demoRoutes } from "./pages/demo.tsx";

let building: Promise<WidgetAssets> | null = null;

/** The built widget (built on first use; a failed build is retried on the next call). */
export function widgetAssets(): Promise<WidgetAssets> {
  building ??= buildWidget().catch((e) => {
    building = null;
    throw e;
  });
  return building;
}

const JS = "text/javascript; charset=utf-8";

const script = (description: string) => ({ description, contentType: "text/javascript", schema: z.string() });
describe({
  method: "get",
  path: "/widget.js",
  summary:
    'The embeddable web chat widget: <script src="/widget.js" data-source="…" async> (data-lang, data-customer-name)',
  tag: "webchat",
  auth: "none",
  responses: { 200: script("The widget") },
});
describe({
  method: "get",
  path: "/widget/:file",
  summary: "The widget's on-demand modules (co-browsing), named by content hash",
  tag: "webchat",
  auth: "none",
  responses: { 200: script("A module") },
});
describe({
  method: "get",
  path: "/demo",
  summary: "Page: the demo shop with the web chat widget (?lang=fr)",
  tag: "pages",
  auth: "none",
  responses: { 200: { description: "The demo page", contentType: "text/html", schema: z.string() } },
});
describe({
  method: "get",
  path: "/cobrowse/view/:id",
  summary: "Page: the agent's live co-browsing viewer of a session (permission cobrowse)",
  tag: "pages",
  auth: "cookie",
  responses: {
    200: { description: "The viewer", contentType: "text/html", schema: z.string() },
    302: { description: "No session: redirect to /login" },
  },
});

export function widgetRoutes(app: App, desk: Desk): void {
  app.get("/widget.js", async (c) => {
    const w = await widgetAssets();
    // A stable URL that sites embed: short cache, so a new version reaches them soon.
    return c.body(w.main as Uint8Array<ArrayBuffer>, 200, {
      "content-type": JS,
      "cache-control": "public, max-age=300",
      "x-content-type-options": "nosniff",
      "access-control-allow-origin": "*",
    });
  });
  app.get("/widget/:file", async (c) => {
    const body = (await widgetAssets()).modules.get(c.req.param("file"));
    if (!body) throw new NotFound("No such widget file.", "no_asset");
    // Loaded with import() from any embedding site: needs CORS; content-hashed: cache forever.
    return c.body(body as Uint8Array<ArrayBuffer>, 200, {
      "content-type": JS,
      "cache-control": "public, max-age=31536000, immutable",
      "x-content-type-options": "nosniff",
      "access-control-allow-origin": "*",
    });
  });
  demoRoutes(app, desk);
  cobrowseViewerRoutes(app, desk, async () => (await widgetAssets()).viewer);
}
