/** The administration audit log (who changed the configuration, when, how), newest first. */
import { useState } from "preact/hooks";
import type { AdminAuditEntry } from "../../lib/shared/wire/admin.ts";
import { useAdmin } from "../../lib/browser/admin_store.ts";
import { Section } from "./section.tsx";

const ACTIONS = ["config.put", "config.restore", "config.import"];

export function AuditSection() {
  const s = useAdmin();
  const { t } = s;
  const [items, setItems] = useState<AdminAuditEntry[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = async (more: boolean) => {
    const r = await s.api.audit(more ? cursor : null);
    if (r.status !== 200 || !Array.isArray(r.body?.items)) {
      return setError(r.error?.message ?? String(r.status));
    }
    setError(null);
    setItems(more ? [...(items ?? []), ...r.body.items] : r.body.items);
    setCursor(r.body.cursor ?? null);
  };
  const date = (iso: string) =>
    new Date(iso).toLocaleString(s.lang === "fr" ? "fr-FR" : "en-GB", {
      dateStyle: "medium",
      timeStyle: "short",
    });
  return (
    <Section id="audit" title={t("admin.section.audit")}>
      <button type="button" class="btn" onClick={() => void load(false)}>
        {items ? t("admin.audit.refresh") : t("admin.audit.show")}
      </button>
      {error ? <p class="field-errors" role="alert">{error}</p> : null}
      {items
        ? (
          <ol class="admin-versions admin-audit">
            {items.length === 0 ? <li class="muted">{t("admin.audit.empty")}</li> : null}
            {items.map((e) => (
              <li key={e.id} class="admin-version">
                <div>
                  <strong>{ACTIONS.includes(e.action) ? t(`admin.audit.${e.action}`) : e.action}</strong>
                  {e.version
                    ? <span class="badge">{t("admin.versions.label", { v: e.version })}</span>
                    : null}
                  <span class="muted small">
                    {date(e.at)} · {e.actor.type === "file" ? t("admin.versions.file") : e.actor.name}
                  </span>
                </div>
                <p class="admin-version-summary">{e.summary}</p>
              </li>
            ))}
          </ol>
        )
        : null}
      {items && cursor
        ? (
          <button type="button" class="btn btn-ghost" onClick={() => void load(true)}>
            {t("admin.audit.more")}
          </button>
        )
        : null}
    </Section>
  );
}
