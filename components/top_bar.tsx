/** The top bar: brand, live-connection state, presence, interface language, theme, sign-out. */
import { useEffect, useState } from "preact/hooks";
import { useStore } from "../lib/browser/store.ts";
import { useActions } from "../lib/browser/actions.ts";
import { askNotificationPermission, canNotify } from "../lib/browser/alerts.ts";
import type { Presence, Theme } from "../lib/browser/types.ts";
import { isUiLanguage } from "../lib/shared/i18n/mod.ts";
import { Icon } from "./icons.tsx";

const PRESENCES: Presence[] = ["available", "away", "offline"];
const NEXT_THEME: Record<Theme, Theme> = { system: "light", light: "dark", dark: "system" };
const THEME_ICON = { system: "contrast", light: "sun", dark: "moon" } as const;

export function TopBar() {
  const store = useStore();
  const actions = useActions();
  const { t } = store;
  const me = store.me.value;
  const theme = store.theme.value;
  const [askNotify, setAskNotify] = useState(false);
  useEffect(() => setAskNotify(canNotify() && Notification.permission === "default"), []);

  const switchTheme = () => {
    const next = NEXT_THEME[theme];
    store.theme.value = next;
    const root = document.documentElement;
    if (next === "system") delete root.dataset.theme;
    else root.dataset.theme = next;
    document.cookie = `rd_theme=${next}; path=/; max-age=31536000; samesite=lax`;
  };
  const load = me.load.realtime ?? 0, max = me.capacity.realtime?.capacity ?? 0;

  return (
    <header class="topbar">
      <div class="brand">
        <span class="brand-mark" aria-hidden="true">R</span>
        <span class="brand-name">{t("app.title")}</span>
      </div>
      {store.live.value === "reconnecting"
        ? (
          <div class="live-status" role="status">
            <Icon name="alert" size={16} /> {t("live.reconnecting")}
          </div>
        )
        : null}
      <div class="topbar-tools">
        <div class="presence-control">
          <span class={`presence-dot presence-${me.presence}`} aria-hidden="true" />
          <label for="presence" class="topbar-label">{t("top.presence")}</label>
          <select
            id="presence"
            class="select-compact"
            value={me.presence}
            onChange={(e) => actions.setPresence(e.currentTarget.value as Presence)}
          >
            {PRESENCES.map((p) => (
              <option key={p} value={p} selected={p === me.presence}>{t(`presence.${p}`)}</option>
            ))}
          </select>
          {me.presenceBy
            ? (
              <span class="presence-by" data-testid="presence-by">
                {t("sup.setBy", { name: me.presenceBy.name })}
              </span>
            )
            : null}
          <span class="load-meter" title={t("top.load", { n: load, max })} aria-hidden="true">
            {load}/{max}
          </span>
        </div>
        <div class="lang-control">
          <label for="ui-language" class="sr-only">{t("top.language")}</label>
          <select
            id="ui-language"
            class="select-compact"
            value={store.lang.value}
            onChange={(e) => {
              const v = e.currentTarget.value;
              if (isUiLanguage(v)) void actions.setLanguage(v);
            }}
          >
            <option value="en" lang="en" selected={store.lang.value === "en"}>English</option>
            <option value="fr" lang="fr" selected={store.lang.value === "fr"}>Français</option>
          </select>
        </div>
        {askNotify
          ? (
            <button
              type="button"
              class="icon-btn"
              data-action="notifications"
              title={t("top.notifications")}
              onClick={async () => {
                await askNotificationPermission();
                setAskNotify(false);
              }}
            >
              <Icon name="bell" />
              <span class="sr-only">{t("top.notifications")}</span>
            </button>
          )
          : null}
        <button
          type="button"
          class="icon-btn"
          data-action="theme"
          title={`${t("top.theme")}: ${t(`theme.${theme}`)}`}
          onClick={switchTheme}
        >
          <Icon name={THEME_ICON[theme]} />
          <span class="sr-only">{t("top.theme")}: {t(`theme.${theme}`)}</span>
        </button>
        <span class="me" title={me.name}>
          <span class="avatar" aria-hidden="true">{me.initials}</span>
          <span class="me-name">{me.name}</span>
        </span>
        <form method="post" action="/logout" class="inline-form">
          <input type="hidden" name="csrf" value={store.csrf} />
          <button type="submit" class="icon-btn" data-action="sign-out" title={t("top.signOut")}>
            <Icon name="logout" />
            <span class="sr-only">{t("top.signOut")}</span>
          </button>
        </form>
      </div>
    </header>
  );
}
