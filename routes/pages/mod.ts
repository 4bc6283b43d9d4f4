/** The HTML pages: sign-in, the routing view, and their assets. */
import type { Hono } from "hono";
import type { Desk } from "../../desk/desk.ts";
import { assetRoutes } from "./assets.ts";
import { deskRoutes } from "./desk.tsx";
import { loginRoutes } from "./login.tsx";
import { printPageRoutes } from "./print.tsx";

export function pageRoutes(app: Hono, desk: Desk): void {
  assetRoutes(app);
  loginRoutes(app, desk);
  deskRoutes(app, desk);
  printPageRoutes(app, desk);
}
