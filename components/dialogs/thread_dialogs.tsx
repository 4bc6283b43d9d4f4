/** Thread settings dialogs: change language (A10) and categorize (A4). */
import { useState } from "preact/hooks";
import { useStore } from "../../lib/browser/store.ts";
import { useActions } from "../../lib/browser/actions.ts";
import { languageName } from "../../lib/browser/format.ts";
import { Cancel, Dialog, Submit } from "./dialog.tsx";

export function LanguageDialog({ onClose }: { onClose: () => void }) {
  const store = useStore();
  const actions = useActions();
  const { t } = store;
  const d = store.detail.value!;
  const [language, setLanguage] = useState(d.thread.language ?? d.interaction.language);
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setBusy(true);
    const ok = await actions.changeLanguage(d.thread.id, language);
    setBusy(false);
    if (ok) onClose();
  };
  return (
    <Dialog
      kind="language"
      title={t("language.title")}
      onClose={onClose}
      onSubmit={submit}
      footer={
        <>
          <Cancel onClose={onClose} />
          <Submit label={t("language.submit")} busy={busy} />
        </>
      }
    >
      <div class="field">
        <label for="thread-language">{t("language.label")}</label>
        <select id="thread-language" value={language} onChange={(e) => setLanguage(e.currentTarget.value)}>
          {store.directory.languages.map((l) => (
            <option key={l} value={l} selected={l === language}>{languageName(l, store.lang.value)}</option>
          ))}
        </select>
      </div>
    </Dialog>
  );
}

export function CategorizeDialog({ onClose }: { onClose: () => void }) {
  const store = useStore();
  const actions = useActions();
  const { t } = store;
  const d = store.detail.value!;
  const [chosen, setChosen] = useState<string[]>(d.thread.categories);
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setBusy(true);
    const ok = await actions.categorize(d.thread.id, chosen);
    setBusy(false);
    if (ok) onClose();
  };
  return (
    <Dialog
      kind="categorize"
      title={t("categorize.title")}
      onClose={onClose}
      onSubmit={submit}
      footer={
        <>
          <Cancel onClose={onClose} />
          <Submit label={t("categorize.submit")} busy={busy} />
        </>
      }
    >
      <fieldset class="field checks">
        <legend>{t("details.categories")}</legend>
        {store.directory.categories.map((c) => (
          <label key={c.id} class="check">
            <input
              type="checkbox"
              value={c.id}
              checked={chosen.includes(c.id)}
              onChange={(e) =>
                setChosen(e.currentTarget.checked ? [...chosen, c.id] : chosen.filter((x) => x !== c.id))}
            />
            <span>{c.name}</span>
          </label>
        ))}
      </fieldset>
    </Dialog>
  );
}
