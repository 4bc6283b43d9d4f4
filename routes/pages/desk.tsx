/**
 * The routing view page (U1) at `/`: the agent's folders, the open thread (`?i=`) and the
 * directory the dialogs need, rendered on the server into the `routing_view` island.
 */
import type { App } from "../auth.ts";
import { fromAcceptLanguage, translate } from "../../lib/shared/i18n/mod.ts";
import type { BootProps, FolderName } from "../../lib/browser/types.ts";
import type { Desk } from "../../desk/desk.ts";
import { directoryOf, meOf, routingView } from "../../desk/views.ts";
import RoutingView from "../../islands/routing_view.tsx";
import { Island } from "../../lib/server/islands/render.tsx";
import { renderDocument, securityHeaders } from "./_app.tsx";
import { pageSession, themeOf } from "./session.ts";

const FOLDERS: FolderName[] = ["in_progress", "deferred", "history"];

export function deskRoutes(app: App, desk: Desk): void {
  app.get("/", async (c) => {
    const started = performance.now();
    const s = await pageSession(c, desk);
    if (!s) return c.redirect("/login", 303);
    const { agent, session } = s;
    const selectedId = c.req.query("i")?.slice(0, 100) || null;
    const folderParam = c.req.query("folder") as FolderName | undefined;
    const view = await routingView(desk, agent, selectedId);
    const lang = agent.uiLanguage ?? fromAcceptLanguage(c.req.header("accept-language"));
    const props: BootProps = {
      me: meOf(desk, agent),
      csrf: session.csrf,
      lang,
      theme: themeOf(c),
      now: desk.ctx.now(),
      feedCursor: view.feedCursor,
      folder: folderParam && FOLDERS.includes(folderParam) ? folderParam : "in_progress",
      interactions: view.interactions,
      historyCursor: view.historyCursor,
      directory: directoryOf(desk),
      acceptTimeout: desk.config.routing.acceptTimeout,
      selected: view.selected,
    };
    securityHeaders(c);
    const html = await renderDocument({
      lang,
      title: translate(lang, "app.title"),
      theme: props.theme,
      csrf: session.csrf,
      islands: ["routing_view"],
      bodyClass: "page-desk",
      children: <Island name="routing_view" component={RoutingView} props={props} />,
    });
    c.header("server-timing", `render;dur=${(performance.now() - started).toFixed(2)}`);
    return c.html(html);
  });
}
