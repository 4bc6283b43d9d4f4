/**
 * The supervision pages (U8, SPEC M2/M3): `/supervisor` (queues, agents, interactions, trends)
 * and `/supervisor/report` (productivity), rendered on the server into their islands. Signed-in
 * agents without `supervise` get a 403 page.
 */
import type { Context } from "hono";
import type { App } from "../auth.ts";
import { fromAcceptLanguage, translate, type UiLanguage } from "../../lib/shared/i18n/mod.ts";
import type { AgentState } from "../../actors/agent.ts";
import type { Desk } from "../../desk/desk.ts";
import { can } from "../../desk/access.ts";
import { overview } from "../../desk/supervisor_overview.ts";
import { openInteractions } from "../../desk/supervisor_list.ts";
import { productivity } from "../../desk/supervisor_report.ts";
import { dayOf } from "../../desk/supervisor_counters.ts";
import { scopeOf, seesAgent } from "../../desk/supervisor_scope.ts";
import type { OpenItem } from "../../lib/shared/supervision.ts";
import Supervisor, { type SupervisorProps } from "../../islands/supervisor.tsx";
import SupervisorReport, { type ReportProps } from "../../islands/supervisor_report.tsx";
import { Island } from "../../lib/server/islands/render.tsx";
import { renderDocument, securityHeaders } from "./_app.tsx";
import { pageSession, themeOf } from "./session.ts";

const langOf = (c: Context, agent: AgentState): UiLanguage =>
  agent.uiLanguage ?? fromAcceptLanguage(c.req.header("accept-language"));

async function forbidden(c: Context, lang: UiLanguage) {
  securityHeaders(c);
  const html = await renderDocument({
    lang,
    title: translate(lang, "sup.title"),
    theme: themeOf(c),
    children: (
      <main class="sup-forbidden">
        <h1>{translate(lang, "sup.forbidden")}</h1>
        <a href="/">{translate(lang, "nav.routing")}</a>
      </main>
    ),
  });
  return c.html(html, 403);
}

export function supervisorPageRoutes(app: App, desk: Desk): void {
  app.get("/supervisor", async (c) => {
    const s = await pageSession(c, desk);
    if (!s) return c.redirect("/login", 303);
    const lang = langOf(c, s.agent);
    if (!can(desk.ctx, s.agent, "supervise")) return await forbidden(c, lang);
    const scope = scopeOf(desk.ctx, s.agent);
    const config = desk.config;
    const [o, list] = await Promise.all([
      overview(desk, scope),
      openInteractions(desk, scope, {}, 100, undefined),
    ]);
    const props: SupervisorProps = {
      lang,
      csrf: s.session.csrf,
      now: desk.ctx.now(),
      overview: o,
      interactions: { items: list.items as OpenItem[], cursor: list.cursor },
      lists: {
        sources: config.sources.filter((x) => scope.sources.has(x.id)).map(({ id, name }) => ({ id, name })),
        teams: config.teams.filter((x) => scope.teams.has(x.id)).map(({ id, name }) => ({ id, name })),
        categories: config.categories.map(({ id, name }) => ({ id, name })),
        languages: [...config.languages],
        agents: o.agents.map(({ id, name }) => ({ id, name })),
      },
      admin: can(desk.ctx, s.agent, "admin"),
    };
    securityHeaders(c);
    return c.html(
      await renderDocument({
        lang,
        title: translate(lang, "sup.title"),
        theme: themeOf(c),
        csrf: s.session.csrf,
        islands: ["supervisor"],
        bodyClass: "page-supervisor",
        children: <Island name="supervisor" component={Supervisor} props={props} />,
      }),
    );
  });

  app.get("/supervisor/report", async (c) => {
    const s = await pageSession(c, desk);
    if (!s) return c.redirect("/login", 303);
    const lang = langOf(c, s.agent);
    if (!can(desk.ctx, s.agent, "supervise")) return await forbidden(c, lang);
    const scope = scopeOf(desk.ctx, s.agent);
    const today = dayOf(desk.ctx.now());
    const config = desk.config;
    const props: ReportProps = {
      lang,
      today,
      rows: await productivity(desk, s.agent, { from: today, to: today }),
      teams: config.teams.filter((x) => scope.teams.has(x.id)).map(({ id, name }) => ({ id, name })),
      agents: config.agents.filter((a) => seesAgent(scope, a)).map(({ id, name, teams }) => ({
        id,
        name,
        teams,
      })),
      admin: can(desk.ctx, s.agent, "admin"),
    };
    securityHeaders(c);
    return c.html(
      await renderDocument({
        lang,
        title: translate(lang, "sup.report"),
        theme: themeOf(c),
        csrf: s.session.csrf,
        islands: ["supervisor_report"],
        bodyClass: "page-supervisor",
        children: <Island name="supervisor_report" component={SupervisorReport} props={props} />,
      }),
    );
  });
}
