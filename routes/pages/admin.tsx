/**
 * The administration page (SPEC U8) at `/admin`, for the `admin` permission: the page frame is
 * rendered here, the console itself is the `admin` island over the configuration API. Others get
 * a 403 page; no session goes to the sign-in page.
 */
import type { Context } from "hono";
import type { App } from "../auth.ts";
import { z } from "zod";
import { ACTIONS, PERMISSIONS } from "../../lib/shared/config.ts";
import { describe } from "../../lib/server/openapi.ts";
import {
  catalogues,
  fromAcceptLanguage,
  isUiLanguage,
  translate,
  type UiLanguage,
} from "../../lib/shared/i18n/mod.ts";
import { Island } from "../../lib/server/islands/render.tsx";
import { can } from "../../desk/access.ts";
import { redactedConfig } from "../../desk/admin.ts";
import type { Desk } from "../../desk/desk.ts";
import type { AgentState } from "../../actors/agent.ts";
import Admin, { type AdminIslandProps } from "../../islands/admin.tsx";
import { AdminFrame, Forbidden } from "../../components/admin/frame.tsx";
import { renderDocument, securityHeaders } from "./_app.tsx";
import { pageSession, themeOf } from "./session.ts";

describe({
  method: "get",
  path: "/admin",
  summary: "Page: the administration console (permission admin; ?lang=en|fr); 403 page for other agents",
  tag: "pages",
  auth: "cookie",
  responses: {
    200: { description: "The administration console", contentType: "text/html", schema: z.string() },
    303: { description: "No session: redirect to /login" },
    403: {
      description: "The agent's role lacks the admin permission",
      contentType: "text/html",
      schema: z.string(),
    },
  },
});

function pageLang(c: Context, agent: AgentState): UiLanguage {
  const explicit = c.req.query("lang");
  if (isUiLanguage(explicit)) return explicit;
  return agent.uiLanguage ?? fromAcceptLanguage(c.req.header("accept-language"));
}

/**
 * The console's strings in one language (its own, and the action names for "More actions"): the
 * island ships no catalogue of its own.
 */
function adminStrings(lang: UiLanguage): Record<string, string> {
  return Object.fromEntries(
    Object.entries(catalogues[lang]).filter(([k]) => k.startsWith("admin.") || k.startsWith("action.")),
  );
}

export function adminPageRoutes(app: App, desk: Desk): void {
  app.get("/admin", async (c) => {
    const s = await pageSession(c, desk);
    if (!s) return c.redirect("/login", 303);
    const { agent, session } = s;
    const lang = pageLang(c, agent);
    const t = (k: Parameters<typeof translate>[1]) => translate(lang, k);
    securityHeaders(c);
    const theme = themeOf(c);
    if (!can(desk.ctx, agent, "admin")) {
      const html = await renderDocument({
        lang,
        title: t("admin.forbidden.title"),
        theme,
        csrf: session.csrf,
        bodyClass: "page-admin",
        children: <Forbidden lang={lang} />,
      });
      return c.html(html, 403);
    }
    // Read together (one cache swap), so the version is the one the configuration belongs to.
    const version = desk.ctx.configVersion;
    const config = redactedConfig(desk.config);
    const props: AdminIslandProps = {
      csrf: session.csrf,
      lang,
      strings: adminStrings(lang),
      config,
      version: String(version),
      permissions: [...PERMISSIONS],
      actions: [...ACTIONS],
    };
    const html = await renderDocument({
      lang,
      title: `${t("admin.title")} · ${t("app.title")}`,
      theme,
      csrf: session.csrf,
      islands: ["admin"],
      bodyClass: "page-admin",
      children: (
        <AdminFrame
          lang={lang}
          csrf={session.csrf}
          name={agent.name}
          supervise={can(desk.ctx, agent, "supervise")}
        >
          <Island name="admin" component={Admin} props={props} />
        </AdminFrame>
      ),
    });
    return c.html(html);
  });
}
