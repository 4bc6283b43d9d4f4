/** The audit log window (A9): every message and activity of the thread, across folders. */
import { useEffect, useState } from "preact/hooks";
import { useStore } from "../../lib/ui/store.ts";
import { useActions } from "../../lib/ui/actions.ts";
import { fullDate } from "../../lib/ui/format.ts";
import { Dialog } from "./dialog.tsx";

type Entry = {
  id: string;
  at: string;
  actor: { type: string; name: string };
  type: string;
  details: Record<string, unknown>;
};

function detailsText(d: Record<string, unknown>): string {
  const parts = Object.entries(d ?? {}).filter(([, v]) => v !== null && v !== undefined && v !== "");
  return parts.map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`).join(" · ").slice(
    0,
    400,
  );
}

export function AuditDialog({ onClose }: { onClose: () => void }) {
  const store = useStore();
  const actions = useActions();
  const { t } = store;
  const d = store.detail.value!;
  const [items, setItems] = useState<Entry[] | null>(null);
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
                  <th scope="col">{t("audit.details")}</th>
                </tr>
              </thead>
              <tbody>
                {items.map((e) => (
                  <tr key={e.id} data-audit-type={e.type}>
                    <td class="nowrap">{fullDate(e.at, store.lang.value)}</td>
                    <td>{e.actor?.name ?? e.actor?.type}</td>
                    <td>
                      <code>{e.type}</code>
                    </td>
                    <td class="audit-details">{detailsText(e.details)}</td>
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
