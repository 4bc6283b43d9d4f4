/** The left navigation of the supervision pages (U8): Routing, and Supervision as the current mode. */
import type { MessageKey } from "../../lib/i18n/mod.ts";
import { Icon } from "../icons.tsx";

export function SupervisorNav({ t }: { current: "supervisor"; t: (key: MessageKey) => string }) {
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
    </nav>
  );
}
