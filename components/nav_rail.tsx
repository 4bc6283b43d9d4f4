/** The left navigation with the routing mode (U1), and Supervision for supervisors (U8). */
import { useStore } from "../lib/ui/store.ts";
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
    </nav>
  );
}
