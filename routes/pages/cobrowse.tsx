/**
 * The agent's co-browsing viewer page (`/cobrowse/view/:id`), shown in the routing view's right
 * pane as a same-origin frame: the session's own agent only (cookie session). Its policy lets
 * the replayed page keep its inline styles and images, and still runs no script but ours
 * (the replay itself is a sandboxed frame without scripts).
 */
import type { App } from "../auth.ts";
import { renderToString } from "preact-render-to-string";
import { fromAcceptLanguage, isUiLanguage, type UiLanguage } from "../../lib/shared/i18n/mod.ts";
import { serializeProps } from "../../lib/server/islands/render.tsx";
import type { Desk } from "../../desk/desk.ts";
import { can } from "../../desk/access.ts";
import { getAgentSession } from "../../desk/cobrowse.ts";
import { pageSession } from "./session.ts";

const TEXTS: Record<UiLanguage, Record<string, string>> = {
  en: {
    title: "Co-browsing",
    waiting: "Waiting for the customer to accept…",
    active: "Live: the customer's page",
    declined: "The customer declined co-browsing.",
    ended: "Co-browsing ended.",
    waitingLink: "A link was sent to the customer: waiting for them to open it and accept…",
    endedLeft: "Co-browsing ended: the interaction is no longer yours.",
    endedClosed: "Co-browsing ended: the customer closed the conversation.",
    endedExpired: "Co-browsing ended: the customer did not open the link in time.",
    takeControl: "Take control",
    release: "Release control",
    highlight: "Highlight",
    close: "Close",
    controlling: "You are controlling the customer's page",
    pageLabel: "Customer's page",
    noPage: "The customer's page appears here once they accept.",
  },
  fr: {
    title: "Co-navigation",
    waiting: "En attente de l'accord du client…",
    active: "En direct : la page du client",
    declined: "Le client a refusé la co-navigation.",
    ended: "Co-navigation terminée.",
    waitingLink: "Un lien a été envoyé au client : en attente de son ouverture et de son accord…",
    endedLeft: "Co-navigation terminée : l'interaction ne vous est plus attribuée.",
    endedClosed: "Co-navigation terminée : le client a fermé la conversation.",
    endedExpired: "Co-navigation terminée : le client n'a pas ouvert le lien à temps.",
    takeControl: "Prendre le contrôle",
    release: "Rendre le contrôle",
    highlight: "Mettre en évidence",
    close: "Fermer",
    controlling: "Vous contrôlez la page du client",
    pageLabel: "Page du client",
    noPage: "La page du client s'affiche ici dès son accord.",
  },
};

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline' https: http:",
  "img-src 'self' https: http: data: blob:",
  "font-src 'self' https: http: data:",
  "media-src 'self' https: http: blob:",
  "connect-src 'self'",
  "frame-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'self'",
].join("; ");

const STYLE = `
html, body { margin: 0; height: 100%; font: 14px system-ui, sans-serif; background: #f3f5f9; color: #1b1f29; }
body { display: flex; flex-direction: column; }
.cb-toolbar { display: flex; gap: 6px; align-items: center; padding: 6px 8px; background: #fff; border-bottom: 1px solid #dde2ec; flex-wrap: wrap; }
.cb-toolbar [role=status] { flex: 1; min-width: 120px; }
.cb-toolbar button { font: inherit; padding: 5px 10px; border-radius: 6px; border: 1px solid #aab3c5; background: #fff; cursor: pointer; }
.cb-toolbar button[aria-pressed=true] { background: #1f5eff; color: #fff; border-color: #1f5eff; }
.cb-toolbar button:disabled { opacity: .5; cursor: default; }
.cb-indicator { background: #b3261e; color: #fff; padding: 4px 8px; font-weight: 600; }
.cb-stage { position: relative; flex: 1; overflow: hidden; }
.cb-waiting { padding: 16px; color: #5b6272; }
.replayer-wrapper { position: relative; background: #fff; box-shadow: 0 0 0 1px #c9cfdb; }
.replayer-wrapper > iframe { border: 0; display: block; pointer-events: none; }
.replayer-mouse { position: absolute; width: 16px; height: 16px; margin: -2px 0 0 -2px; border-left: 3px solid #1f5eff; border-top: 3px solid #1f5eff; transition: left .05s linear, top .05s linear; pointer-events: none; }
.cb-overlay { position: absolute; inset: 0; z-index: 5; outline: none; }
.cb-overlay.control { cursor: pointer; box-shadow: inset 0 0 0 3px #b3261e; }
.cb-overlay.highlight { cursor: crosshair; }
.cb-highlight { position: absolute; border: 3px solid #ffb400; background: rgba(255,180,0,.15); pointer-events: none; }
[hidden] { display: none !important; }
`;

function ViewerPage(
  { lang, sessionId, csrf, script }: { lang: UiLanguage; sessionId: string; csrf: string; script: string },
) {
  const t = TEXTS[lang];
  return (
    <html lang={lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{t.title}</title>
        <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
        <style dangerouslySetInnerHTML={{ __html: STYLE }} />
      </head>
      <body>
        <div class="cb-toolbar" role="toolbar" aria-label={t.title}>
          <span id="cb-status" role="status" />
          <button id="cb-control" type="button" aria-pressed="false" disabled>{t.takeControl}</button>
          <button id="cb-highlight" type="button" aria-pressed="false" disabled>{t.highlight}</button>
          <button id="cb-end" type="button" disabled>{t.close}</button>
        </div>
        <div id="cb-indicator" class="cb-indicator" role="alert" hidden>{t.controlling}</div>
        <div id="cb-stage" class="cb-stage">
          <p id="cb-waiting" class="cb-waiting">{t.noPage}</p>
        </div>
        <script
          type="application/json"
          id="cobrowse-config"
          dangerouslySetInnerHTML={{ __html: serializeProps({ sessionId, csrf, texts: t }) }}
        />
        <script type="module" src={script} />
      </body>
    </html>
  );
}

export function cobrowseViewerRoutes(app: App, desk: Desk, viewerScript: () => Promise<string>): void {
  app.get("/cobrowse/view/:id", async (c) => {
    const who = await pageSession(c, desk);
    if (!who) return c.redirect("/login");
    if (!can(desk.ctx, who.agent, "cobrowse")) return c.text("Forbidden", 403);
    const s = await getAgentSession(desk, who.agent, c.req.param("id"));
    const q = c.req.query("lang");
    const lang: UiLanguage = isUiLanguage(q)
      ? q
      : who.agent.uiLanguage && isUiLanguage(who.agent.uiLanguage)
      ? who.agent.uiLanguage
      : fromAcceptLanguage(c.req.header("accept-language"));
    const html = "<!doctype html>" +
      renderToString(
        <ViewerPage lang={lang} sessionId={s.id} csrf={who.session.csrf} script={await viewerScript()} />,
      );
    c.header("content-security-policy", CSP);
    c.header("x-content-type-options", "nosniff");
    c.header("referrer-policy", "same-origin");
    c.header("cache-control", "no-store");
    return c.html(html);
  });
}
