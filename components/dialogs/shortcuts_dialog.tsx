/** The list of keyboard shortcuts. */
import { Fragment } from "preact";
import { useStore } from "../../lib/browser/store.ts";
import { Dialog } from "./dialog.tsx";

export const SHORTCUTS = [
  { keys: ["Alt+A", "A"], what: "shortcuts.accept" },
  { keys: ["Ctrl+Enter"], what: "shortcuts.send" },
  { keys: ["Alt+↓", "J"], what: "shortcuts.next" },
  { keys: ["Alt+↑", "K"], what: "shortcuts.previous" },
  { keys: ["R"], what: "shortcuts.reply" },
  { keys: ["1", "2", "3"], what: "shortcuts.folders" },
  { keys: ["↑", "↓", "Home", "End"], what: "shortcuts.messages" },
  { keys: ["Enter"], what: "shortcuts.unfold" },
  { keys: ["?"], what: "shortcuts.help" },
  { keys: ["Esc"], what: "shortcuts.escape" },
] as const;

export function ShortcutsDialog({ onClose }: { onClose: () => void }) {
  const { t } = useStore();
  return (
    <Dialog
      kind="shortcuts"
      title={t("shortcuts.title")}
      onClose={onClose}
      footer={<button type="button" class="btn btn-primary" onClick={onClose}>{t("dialog.close")}</button>}
    >
      <dl class="shortcuts">
        {SHORTCUTS.map((s) => (
          <div key={s.what} class="kv-row">
            <dt>
              {s.keys.map((k, i) => (
                <Fragment key={k}>
                  {i ? " / " : ""}
                  <kbd>{k}</kbd>
                </Fragment>
              ))}
            </dt>
            <dd>{t(s.what)}</dd>
          </div>
        ))}
      </dl>
    </Dialog>
  );
}
