/**
 * Confirms anonymising one message (permission `anonymize`): it cannot be undone, so the dialog
 * names the message (author, time, first words as text) before the agent confirms.
 */
import { useState } from "preact/hooks";
import { useStore } from "../../lib/browser/store.ts";
import { useActions } from "../../lib/browser/actions.ts";
import { fullDate } from "../../lib/browser/format.ts";
import { Cancel, Dialog } from "./dialog.tsx";

export function AnonymizeDialog({ messageId, onClose }: { messageId: string; onClose: () => void }) {
  const store = useStore();
  const actions = useActions();
  const { t } = store;
  const d = store.detail.value!;
  const m = d.messages.find((x) => x.id === messageId);
  const [busy, setBusy] = useState(false);
  if (!m) return null;
  const name = m.author.type === "system" ? t("author.system") : m.author.name;
  const excerpt = m.body.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim().slice(0, 240) ||
    m.attachments.map((a) => a.name).join(", ");
  const submit = async () => {
    if (busy) return;
    setBusy(true);
    const ok = await actions.anonymize(d.thread.id, m.id);
    setBusy(false);
    if (ok) onClose();
  };
  return (
    <Dialog
      kind="anonymize"
      title={t("anonymize.title")}
      onClose={onClose}
      onSubmit={submit}
      footer={
        <>
          <Cancel onClose={onClose} />
          <button type="submit" class="btn btn-danger" disabled={busy}>{t("anonymize.submit")}</button>
        </>
      }
    >
      <p>{t("anonymize.body")}</p>
      <figure class="quote">
        <figcaption class="muted">
          {t("anonymize.message", { name, time: fullDate(m.createdAt, store.lang.value) })}
        </figcaption>
        <blockquote class="quote-text">{excerpt}</blockquote>
      </figure>
    </Dialog>
  );
}
