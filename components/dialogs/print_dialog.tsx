/**
 * Print preview (A8): at most the last 200 messages, folded content left out unless asked for,
 * a filter, then the browser's print (or save as PDF). Media print as static pictures; other
 * files as a file-type icon.
 */
import { useState } from "preact/hooks";
import { useStore } from "../../lib/browser/store.ts";
import { fullDate } from "../../lib/browser/format.ts";
import { isFolded } from "../message_item.tsx";
import { MessageContent } from "../message_content.tsx";
import { Dialog } from "./dialog.tsx";

export function PrintDialog({ onClose }: { onClose: () => void }) {
  const store = useStore();
  const { t } = store;
  const d = store.detail.value!;
  const [filter, setFilter] = useState("");
  const [folded, setFolded] = useState(false);
  const q = filter.trim().toLowerCase();
  const shown = d.messages
    .filter((m) => folded || !isFolded(m))
    .filter((m) => !q || m.body.toLowerCase().includes(q) || m.author.name.toLowerCase().includes(q))
    .slice(-200);
  const print = () => {
    document.body.classList.add("is-printing");
    globalThis.print();
    document.body.classList.remove("is-printing");
  };
  return (
    <Dialog
      kind="print"
      wide
      title={t("print.title")}
      onClose={onClose}
      footer={
        <>
          <button type="button" class="btn btn-ghost" onClick={onClose}>{t("dialog.cancel")}</button>
          <a
            class="btn"
            data-action="print-view"
            target="_blank"
            href={`/threads/${encodeURIComponent(d.thread.id)}/print?${new URLSearchParams({
              q: filter.trim(),
              folded: folded ? "include" : "exclude",
            })}`}
          >
            {t("print.open")}
          </a>
          <button type="button" class="btn btn-primary" onClick={print}>{t("print.print")}</button>
        </>
      }
    >
      <div class="print-controls">
        <div class="field">
          <label for="print-filter">{t("print.filter")}</label>
          <input
            id="print-filter"
            type="search"
            value={filter}
            onInput={(e) => setFilter(e.currentTarget.value)}
          />
        </div>
        <label class="check">
          <input type="checkbox" checked={folded} onChange={(e) => setFolded(e.currentTarget.checked)} />
          <span>{t("print.folded")}</span>
        </label>
        <p class="muted small">{t("print.count", { n: shown.length })}</p>
      </div>
      <article class="print-sheet">
        <h3>{d.thread.customer.name} · {store.sourceName(d.interaction.sourceId)}</h3>
        {shown.map((m) => (
          <section key={m.id} class="print-msg">
            <p class="print-meta">
              <strong>{m.author.type === "system" ? t("author.system") : m.author.name}</strong> ·{" "}
              {fullDate(m.createdAt, store.lang.value)} · {t(`status.${m.status}`)}
            </p>
            <MessageContent m={m} />
          </section>
        ))}
      </article>
    </Dialog>
  );
}
