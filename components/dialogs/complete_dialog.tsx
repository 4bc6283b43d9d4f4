/**
 * Complete (A7, C2, C6): the disposition window when the source requires one, and the smart
 * closure option ("wait for a reply before smart closure") when the source has smart closure.
 * With `lock` it is Lock's window (A13): locking completes the interaction at once (no smart
 * closure), so only the disposition is asked.
 */
import { useState } from "preact/hooks";
import { useStore } from "../../lib/browser/store.ts";
import { useActions } from "../../lib/browser/actions.ts";
import { Cancel, Dialog, FormError, Submit } from "./dialog.tsx";

export function CompleteDialog({ id, onClose, lock }: { id: string; onClose: () => void; lock?: boolean }) {
  const store = useStore();
  const actions = useActions();
  const { t } = store;
  const i = store.byId.value[id] ?? store.detail.value?.interaction;
  const source = store.directory.sources.find((s) => s.id === i?.sourceId);
  const needsDisposition = source?.dispositionRequired ?? false;
  const [disposition, setDisposition] = useState("");
  const [notes, setNotes] = useState("");
  const [waitForReply, setWaitForReply] = useState(source?.waitForReply ?? false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async () => {
    if (needsDisposition && !disposition) return setError(t("complete.choose"));
    setBusy(true);
    const chosen = disposition
      ? { disposition: { categoryId: disposition, ...(notes.trim() ? { notes: notes.trim() } : {}) } }
      : {};
    const ok = lock && i
      ? await actions.control(i.threadId, "lock", chosen)
      : await actions.complete(id, { ...chosen, ...(source?.smartClosure ? { waitForReply } : {}) });
    setBusy(false);
    if (ok) onClose();
  };

  return (
    <Dialog
      kind={lock ? "lock" : "complete"}
      title={t(lock ? "lock.title" : "complete.title")}
      onClose={onClose}
      onSubmit={submit}
      footer={
        <>
          <Cancel onClose={onClose} />
          <Submit label={t(lock ? "lock.submit" : "complete.submit")} busy={busy} />
        </>
      }
    >
      <FormError text={error} />
      {needsDisposition
        ? (
          <>
            <div class="field">
              <label for="cp-disposition">{t("complete.disposition")}</label>
              <select
                id="cp-disposition"
                aria-required="true"
                value={disposition}
                onChange={(e) => setDisposition(e.currentTarget.value)}
              >
                <option value="">{t("complete.choose")}</option>
                {store.directory.dispositions.map((d) => <option key={d.id} value={d.id}>{d.name}</option>)}
              </select>
            </div>
            <div class="field">
              <label for="cp-notes">{t("complete.notes")}</label>
              <textarea
                id="cp-notes"
                rows={3}
                maxLength={2000}
                value={notes}
                onInput={(e) => setNotes(e.currentTarget.value)}
              />
            </div>
          </>
        )
        : null}
      {lock ? <p class="muted">{t("lock.explain")}</p> : null}
      {source?.smartClosure && !lock
        ? (
          <>
            <p class="muted">{t("complete.smartClosure")}</p>
            <label class="check">
              <input
                type="checkbox"
                checked={waitForReply}
                onChange={(e) => setWaitForReply(e.currentTarget.checked)}
              />
              <span>{t("complete.waitForReply")}</span>
            </label>
          </>
        )
        : null}
    </Dialog>
  );
}
