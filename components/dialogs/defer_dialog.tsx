/** Defer (A5): presets (1 hour, 3 hours, tomorrow 9:00, next Monday 9:00) or a date and time. */
import { useMemo, useState } from "preact/hooks";
import { useStore } from "../../lib/browser/store.ts";
import { useActions } from "../../lib/browser/actions.ts";
import { deferPresets, fullDate, toLocalInput } from "../../lib/browser/format.ts";
import { Cancel, Dialog, FormError, Submit } from "./dialog.tsx";

export function DeferDialog({ id, onClose }: { id: string; onClose: () => void }) {
  const store = useStore();
  const actions = useActions();
  const { t } = store;
  const presets = useMemo(() => deferPresets(new Date()), []);
  const [choice, setChoice] = useState<string>(presets[0].key);
  const [custom, setCustom] = useState(toLocalInput(presets[2].at));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async () => {
    const at = choice === "custom" ? new Date(custom) : presets.find((p) => p.key === choice)!.at;
    if (isNaN(at.getTime()) || at.getTime() <= Date.now()) return setError(t("defer.past"));
    setBusy(true);
    const ok = await actions.defer(id, at);
    setBusy(false);
    if (ok) onClose();
  };

  return (
    <Dialog
      kind="defer"
      title={t("defer.title")}
      onClose={onClose}
      onSubmit={submit}
      footer={
        <>
          <Cancel onClose={onClose} />
          <Submit label={t("defer.submit")} busy={busy} />
        </>
      }
    >
      <FormError text={error} />
      <fieldset class="field presets">
        <legend>{t("defer.presets")}</legend>
        {presets.map((p) => (
          <div key={p.key} class="preset-row">
            <label class="check">
              <input
                type="radio"
                name="defer-preset"
                value={p.key}
                checked={choice === p.key}
                onChange={() => setChoice(p.key)}
              />
              <span>{t(p.key)}</span>
            </label>
            <span class="muted small">{fullDate(p.at.toISOString(), store.lang.value)}</span>
          </div>
        ))}
      </fieldset>
      <div class="field">
        <label for="defer-at">{t("defer.custom")}</label>
        <input
          id="defer-at"
          type="datetime-local"
          value={custom}
          min={toLocalInput(new Date())}
          onInput={(e) => {
            setCustom(e.currentTarget.value);
            setChoice("custom");
          }}
          onFocus={() => setChoice("custom")}
        />
      </div>
    </Dialog>
  );
}
