/**
 * The audit log window (A9): every message and activity of the thread, across folders, each as
 * one readable sentence in the interface language (desk/audit_text.ts); the raw type is its tooltip.
 */
import { useEffect, useState } from "preact/hooks";
import { useStore } from "../../lib/browser/store.ts";
import { type AuditItem, useActions } from "../../lib/browser/actions.ts";
import { fullDate } from "../../lib/browser/format.ts";
import { Dialog } from "./dialog.tsx";

export function AuditDialog({ onClose }: { onClose: () => void }) {
  const store = useStore();
  const actions = useActions();
  const { t } = store;
  const d = store.detail.value!;
  const [items, setItems] = useState<AuditItem[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const load = async (from: string | null) => {
    const r = await actions.run(() => actions.audit(d.thread.id, from));
    if (!r) return;
    setItems((cur) => [...(from ? cur ?? [] : []), ...r.items]);
    setCursor(r.cursor);
  };
  useEffect(() => void load(null), []);
  return (
    <Dialog
      kind="audit"
      wide
      title={t("audit.title")}
      onClose={onClose}
      footer={<button type="button" class="btn btn-primary" onClick={onClose}>{t("dialog.close")}</button>}
    >
      {items === null
        ? <p class="muted">{t("thread.loading")}</p>
        : items.length === 0
        ? <p class="muted">{t("audit.empty")}</p>
        : (
          <div class="table-wrap">
            <table class="audit">
              <thead>
                <tr>
                  <th scope="col">{t("audit.when")}</th>
                  <th scope="col">{t("audit.who")}</th>
                  <th scope="col">{t("audit.what")}</th>
                </tr>
              </thead>
              <tbody>
                {items.map((e) => (
                  <tr key={e.id} data-audit-type={e.type}>
                    <td class="nowrap">{fullDate(e.at, store.lang.value)}</td>
                    <td>
                      {e.actor?.type === "system" ? t("author.system") : e.actor?.name ?? e.actor?.type}
                    </td>
                    <td class="audit-details" title={e.type}>{e.summary}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      {cursor
        ? (
          <button type="button" class="btn btn-ghost" onClick={() => load(cursor)}>
            {t("folder.loadMore")}
          </button>
        )
        : null}
    </Dialog>
  );
}
