/**
 * The console's sticky bar (Save, Discard, status, version) and the configuration-as-code
 * tools: export (download the saved configuration), import (upload → validated save), and the
 * "Advanced: JSON" view of the draft.
 */
import { useState } from "preact/hooks";
import { useAdmin } from "../../lib/browser/admin_store.ts";
import { PendingChanges } from "./review.tsx";
import { Section } from "./section.tsx";

export function Toolbar() {
  const s = useAdmin();
  const { t } = s;
  const st = s.status.value;
  return (
    <div class="admin-toolbar">
      <div class="admin-toolbar-main">
        <button
          type="button"
          class="btn btn-primary"
          data-action="save"
          disabled={st.kind === "busy" || !!s.conflict.value}
          onClick={() => void s.save()}
        >
          {t("admin.save")}
        </button>
        <button type="button" class="btn" disabled={!s.dirty.value} onClick={s.discard}>
          {t("admin.discard")}
        </button>
        <span class={`admin-status admin-status-${st.kind}`} role="status" aria-live="polite">{st.text}</span>
        <span class="muted small admin-version-label">
          {s.version.value ? t("admin.versions.label", { v: s.version.value }) : null}
        </span>
      </div>
      <PendingChanges />
    </div>
  );
}

function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function AsCodeSection() {
  const s = useAdmin();
  const { t } = s;
  const [json, setJson] = useState<string | null>(null);
  const [jsonError, setJsonError] = useState<string | null>(null);
  return (
    <Section id="code" title={t("admin.section.code")}>
      <p class="muted">{t("admin.code.help")}</p>
      <div class="admin-actions">
        <button
          type="button"
          class="btn"
          data-action="export"
          onClick={() =>
            download(
              `configuration${s.version.value ? `-v${s.version.value}` : ""}.json`,
              JSON.stringify(s.base.value, null, 2) + "\n",
            )}
        >
          {t("admin.code.export")}
        </button>
        <label class="btn" for="admin-import">{t("admin.code.import")}</label>
        <input
          id="admin-import"
          class="sr-only"
          type="file"
          accept="application/json,.json"
          onChange={async (e) => {
            const file = e.currentTarget.files?.[0];
            e.currentTarget.value = "";
            if (file) await s.importText(await file.text());
          }}
        />
      </div>
      <details
        class="admin-json"
        onToggle={(e) =>
          setJson(
            (e.currentTarget as HTMLDetailsElement).open ? JSON.stringify(s.draft.value, null, 2) : null,
          )}
      >
        <summary>{t("admin.json.title")}</summary>
        {json !== null
          ? (
            <div class="field">
              <label for="admin-json-text">{t("admin.json.label")}</label>
              <textarea
                id="admin-json-text"
                class="mono"
                rows={20}
                spellcheck={false}
                value={json}
                onInput={(e) => setJson(e.currentTarget.value)}
              />
              {jsonError ? <p class="field-errors" role="alert">{jsonError}</p> : null}
              <div class="admin-actions">
                <button
                  type="button"
                  class="btn"
                  onClick={() => {
                    try {
                      s.draft.value = JSON.parse(json);
                      setJsonError(null);
                    } catch (err) {
                      setJsonError(t("admin.json.invalid", { message: (err as Error).message }));
                    }
                  }}
                >
                  {t("admin.json.apply")}
                </button>
              </div>
            </div>
          )
          : null}
      </details>
    </Section>
  );
}
