/** The left navigation with the routing mode (U1), Supervision and Administration (U8). */
import { useStore } from "../lib/browser/store.ts";
import { Icon } from "./icons.tsx";

export function NavRail() {
  const { t, me } = useStore();
  return (
    <nav class="rail" aria-label={t("nav.label")}>
      <a href="/" class="rail-link" aria-current="page" title={t("nav.routing")}>
        <Icon name="routing" size={20} />
        <span class="rail-text">{t("nav.routing")}</span>
      </a>
      {me.value.permissions.includes("supervise")
        ? (
          <a href="/supervisor" class="rail-link" title={t("nav.supervision")}>
            <Icon name="monitor" size={20} />
            <span class="rail-text">{t("nav.supervision")}</span>
          </a>
        )
        : null}
      {me.value.permissions.includes("admin")
        ? (
          <a href="/admin" class="rail-link" title={t("nav.admin")}>
            <Icon name="settings" size={20} />
            {/* "Administration" does not fit the rail: a short visible word, the full accessible name. */}
            <span class="rail-text" aria-hidden="true">{t("nav.adminShort")}</span>
            <span class="sr-only">{t("nav.admin")}</span>
          </a>
        )
        : null}
    </nav>
  );
}
