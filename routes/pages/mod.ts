/** The HTML pages: sign-in, the routing view, and their assets. */
import type { App } from "../auth.ts";
import { z } from "zod";
import { describe } from "../../lib/server/openapi.ts";
import type { Desk } from "../../desk/desk.ts";
import { adminPageRoutes } from "./admin.tsx";
import { assetRoutes } from "./assets.ts";
import { staticFileRoutes } from "./static_files.ts";
import { deskRoutes } from "./desk.tsx";
import { loginRoutes } from "./login.tsx";
import { printPageRoutes } from "./print.tsx";
import { supervisorPageRoutes } from "./supervisor.tsx";

const html = (description: string) => ({ description, contentType: "text/html", schema: z.string() });
const toLogin = { description: "No session: redirect to /login" };
describe({
  method: "get",
  path: "/login",
  summary: "Page: sign-in form (fields Login and Password, button Sign in; ?lang=en|fr)",
  tag: "pages",
  auth: "none",
  responses: { 200: html("The sign-in page"), 303: { description: "Already signed in: redirect to /" } },
});
describe({
  method: "post",
  path: "/login",
  summary:
    "Page: the sign-in form's post (login, password, the form's csrf token, lang); sets the session cookie",
  tag: "pages",
  auth: "none",
  bodyType: "application/x-www-form-urlencoded",
  body: z.object({ login: z.string(), password: z.string(), csrf: z.string(), lang: z.string().optional() }),
  responses: { 303: { description: "Signed in: redirect to /" }, 401: html("Wrong login or password") },
});
describe({
  method: "post",
  path: "/logout",
  summary: "Page: sign out (form with the session's csrf token)",
  tag: "pages",
  auth: "cookie",
  bodyType: "application/x-www-form-urlencoded",
  body: z.object({ csrf: z.string() }),
  responses: { 303: { description: "Redirect to /login" } },
});
describe({
  method: "get",
  path: "/",
  summary: "Page: the routing view (?i=<interaction id> opens one, ?folder= picks the folder)",
  tag: "pages",
  auth: "cookie",
  responses: { 200: html("The routing view"), 303: toLogin },
});
describe({
  method: "get",
  path: "/threads/:id/print",
  summary: "Page: print preview of a thread (filters by author, dates, text; permission print)",
  tag: "pages",
  auth: "cookie",
  responses: { 200: html("The print preview"), 303: toLogin },
});
describe({
  method: "get",
  path: "/supervisor",
  summary: "Page: supervision (U8): Queues, Agents, Interactions and trend plots, live (supervise; else 403)",
  tag: "pages",
  auth: "cookie",
  responses: { 200: html("The supervision page"), 303: toLogin, 403: html("Not a supervisor") },
});
describe({
  method: "get",
  path: "/supervisor/report",
  summary: "Page: the productivity report (M3): date range, team and agent filters, table, CSV download",
  tag: "pages",
  auth: "cookie",
  responses: { 200: html("The report page"), 303: toLogin, 403: html("Not a supervisor") },
});
describe({
  method: "get",
  path: "/static/build/:file",
  summary: "Island bundles, named by content hash (immutable caching)",
  tag: "pages",
  auth: "none",
  responses: {
    200: { description: "A JavaScript or CSS file", contentType: "text/javascript", schema: z.string() },
  },
});

export function pageRoutes(app: App, desk: Desk): void {
  assetRoutes(app);
  staticFileRoutes(app);
  loginRoutes(app, desk);
  deskRoutes(app, desk);
  printPageRoutes(app, desk);
  supervisorPageRoutes(app, desk);
  adminPageRoutes(app, desk);
}
