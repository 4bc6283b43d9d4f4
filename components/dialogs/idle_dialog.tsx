/** The idle prompt (R11): the conversation went quiet; Defer, Transfer or Complete. */
import { useStore } from "../../lib/browser/store.ts";
import { useActions } from "../../lib/browser/actions.ts";
import { when } from "../../lib/browser/format.ts";
import { startComplete } from "../action_bar.tsx";
import { Dialog } from "./dialog.tsx";

export function IdleDialog({ id, onClose }: { id: string; onClose: () => void }) {
  const store = useStore();
  const actions = useActions();
  const { t } = store;
  const i = store.byId.value[id];
  if (!i) return null;
  const since = i.lastActivityAt ?? i.updatedAt;
  return (
    <Dialog
      kind="idle"
      title={t("idle.title")}
      onClose={onClose}
      footer={
        <>
          <button type="button" class="btn btn-ghost" onClick={onClose}>{t("idle.keep")}</button>
          <button type="button" class="btn" onClick={() => store.openDialog("defer", id)}>
            {t("action.defer")}
          </button>
          <button type="button" class="btn" onClick={() => store.openDialog("transfer", id)}>
            {t("action.transfer")}
          </button>
          <button
            type="button"
            class="btn btn-primary"
            onClick={() => {
              store.closeDialog();
              startComplete(store, actions, id);
            }}
          >
            {t("action.complete")}
          </button>
        </>
      }
    >
      <p>{t("idle.body", { name: i.customer.name, time: when(since, store.now.value, store.lang.value) })}</p>
    </Dialog>
  );
}
