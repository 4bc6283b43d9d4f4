/**
 * The administration page's frame, rendered on the server only (no script): the top bar, the
 * left navigation ("Routing", "Supervision" for supervisors, "Administration"), and the 403
 * page for other agents.
 */
import type { ComponentChildren } from "preact";
import { type MessageKey, translate, type UiLanguage } from "../../lib/shared/i18n/mod.ts";
import { Icon } from "../icons.tsx";

export function AdminFrame(
  { lang, csrf, name, supervise, children }: {
    lang: UiLanguage;
    csrf: string;
    name: string;
    /** Whether to link the supervision page (the agent's role may supervise). */
    supervise: boolean;
    children: ComponentChildren;
  },
) {
  const t = (k: MessageKey) => translate(lang, k);
  return (
    <div class="admin-page">
      <header class="topbar">
        <div class="brand">
          <span class="brand-mark" aria-hidden="true">R</span>
          <span class="brand-name">{t("app.title")}</span>
        </div>
        <h1 class="admin-title">{t("admin.title")}</h1>
        <nav class="topbar-tools admin-langs" aria-label={t("top.language")}>
          <a href="/admin?lang=en" lang="en" aria-current={lang === "en" ? "true" : undefined}>English</a>
          <a href="/admin?lang=fr" lang="fr" aria-current={lang === "fr" ? "true" : undefined}>Français</a>
          <span class="me-name">{name}</span>
          <form method="post" action="/logout" class="inline-form">
            <input type="hidden" name="csrf" value={csrf} />
            <button type="submit" class="icon-btn" data-action="sign-out" title={t("top.signOut")}>
              <Icon name="logout" />
              <span class="sr-only">{t("top.signOut")}</span>
            </button>
          </form>
        </nav>
      </header>
      <div class="admin-columns">
        <nav class="rail" aria-label={t("nav.label")}>
          <a href="/" class="rail-link" title={t("nav.routing")}>
            <Icon name="routing" size={20} />
            <span class="rail-text">{t("nav.routing")}</span>
          </a>
          {supervise
            ? (
              <a href="/supervisor" class="rail-link" title={t("nav.supervision")}>
                <Icon name="monitor" size={20} />
                <span class="rail-text">{t("nav.supervision")}</span>
              </a>
            )
            : null}
          <a href="/admin" class="rail-link" aria-current="page" title={t("nav.admin")}>
            <Icon name="settings" size={20} />
            {/* "Administration" does not fit the rail: a short visible word, the full accessible name. */}
            <span class="rail-text" aria-hidden="true">{t("nav.adminShort")}</span>
            <span class="sr-only">{t("nav.admin")}</span>
          </a>
        </nav>
        <main class="admin-content">{children}</main>
      </div>
    </div>
  );
}

export function Forbidden({ lang }: { lang: UiLanguage }) {
  const t = (k: MessageKey) => translate(lang, k);
  return (
    <main class="signin">
      <div class="signin-card">
        <h1>{t("admin.forbidden.title")}</h1>
        <p>{t("admin.forbidden.text")}</p>
        <a class="btn" href="/">{t("admin.forbidden.back")}</a>
      </div>
    </main>
  );
}
