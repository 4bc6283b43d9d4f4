/** The left navigation of the supervision pages (U8): Routing, Supervision (current), Administration for admins. */
import type { MessageKey } from "../../lib/shared/i18n/mod.ts";
import { Icon } from "../icons.tsx";

export function SupervisorNav(
  { t, admin }: { current: "supervisor"; t: (key: MessageKey) => string; admin: boolean },
) {
  return (
    <nav class="rail" aria-label={t("nav.label")}>
      <a href="/" class="rail-link" title={t("nav.routing")}>
        <Icon name="routing" size={20} />
        <span class="rail-text">{t("nav.routing")}</span>
      </a>
      <a href="/supervisor" class="rail-link" aria-current="page" title={t("nav.supervision")}>
        <Icon name="monitor" size={20} />
        <span class="rail-text">{t("nav.supervision")}</span>
      </a>
      {admin
        ? (
          <a href="/admin" class="rail-link" title={t("nav.admin")}>
            <Icon name="settings" size={20} />
            <span class="rail-text" aria-hidden="true">{t("nav.adminShort")}</span>
            <span class="sr-only">{t("nav.admin")}</span>
          </a>
        )
        : null}
    </nav>
  );
}
