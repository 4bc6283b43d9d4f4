/**
 * The console's review parts: the error summary (focusable, each error a link to its field), the
 * conflict view (what the other admin changed, what you changed, reapply), the version list with
 * Restore, and the change lists they share.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { useAdmin } from "../../lib/browser/admin_store.ts";
import { type Change, describePath, describeValue, diffConfig } from "../../lib/browser/admin_diff.ts";
import { type Json, splitPath } from "../../lib/browser/admin_paths.ts";
import { fieldId } from "./fields.tsx";

/** The nearest element of the form for an error path (a list field for one of its elements). */
function targetOf(path: string): HTMLElement | null {
  const steps = splitPath(path);
  for (let n = steps.length; n > 0; n--) {
    const el = document.getElementById(fieldId(steps.slice(0, n).join(".")));
    if (el) return el;
  }
  return null;
}

function focusField(path: string): void {
  const el = targetOf(path);
  if (!el) return;
  for (let d = el.closest("details"); d; d = d.parentElement?.closest("details") ?? null) d.open = true;
  el.focus();
  el.scrollIntoView({ block: "center" });
}

export function ErrorSummary() {
  const s = useAdmin();
  const { t } = s;
  const ref = useRef<HTMLDivElement>(null);
  const errors = s.errors.value;
  useEffect(() => {
    if (errors.length && s.takeSummaryFocus()) ref.current?.focus();
  }, [errors]);
  if (!errors.length) return null;
  return (
    <div class="admin-summary" role="alert" tabIndex={-1} ref={ref} aria-labelledby="error-summary-title">
      <h2 id="error-summary-title">{t("admin.errors.title", { n: errors.length })}</h2>
      <ul>
        {errors.map((e) => (
          <li key={e.path + e.message}>
            <a
              href={`#${fieldId(e.path)}`}
              onClick={(ev) => {
                ev.preventDefault();
                focusField(e.path);
              }}
            >
              <code>{e.path || "/"}</code>: {e.message}
            </a>
          </li>
        ))}
      </ul>
    </div>
  );
}

export function ChangeList(
  { changes, from, to, label }: { changes: Change[]; from: Json; to: Json; label: string },
) {
  const { t } = useAdmin();
  return (
    <ul class="admin-changes" aria-label={label}>
      {changes.length === 0 ? <li class="muted">{t("admin.changes.none")}</li> : null}
      {changes.map((c, i) => (
        <li key={i}>
          <span class="admin-change-path">{describePath(c.path, from, to)}</span> {c.before === undefined
            ? (
              <span class="admin-change-added">
                {t("admin.changes.added", { value: describeValue(c.after) })}
              </span>
            )
            : c.after === undefined
            ? (
              <span class="admin-change-removed">
                {t("admin.changes.removed", { value: describeValue(c.before) })}
              </span>
            )
            : (
              <span>
                <del>{describeValue(c.before)}</del> → <ins>{describeValue(c.after)}</ins>
              </span>
            )}
        </li>
      ))}
    </ul>
  );
}

export function ConflictView() {
  const s = useAdmin();
  const { t } = s;
  const c = s.conflict.value;
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    if (c) ref.current?.focus();
  }, [c]);
  if (!c) return null;
  return (
    <section
      class="admin-conflict"
      ref={ref}
      tabIndex={-1}
      role="region"
      aria-labelledby="conflict-title"
      data-testid="conflict"
    >
      <h2 id="conflict-title">{t("admin.conflict.title")}</h2>
      <p>{t("admin.conflict.intro", { v: c.version ?? "?" })}</p>
      <div class="grid-2">
        <div>
          <h3>{t("admin.conflict.theirs")}</h3>
          <ChangeList
            changes={c.theirs}
            from={s.base.value}
            to={c.current}
            label={t("admin.conflict.theirs")}
          />
        </div>
        <div>
          <h3>{t("admin.conflict.mine")}</h3>
          <ChangeList
            changes={c.mine}
            from={s.base.value}
            to={s.draft.value}
            label={t("admin.conflict.mine")}
          />
        </div>
      </div>
      <div class="admin-actions">
        <button type="button" class="btn btn-primary" onClick={s.reapplyMine}>
          {t("admin.conflict.reapply")}
        </button>
        <button type="button" class="btn" onClick={s.discard}>{t("admin.conflict.discard")}</button>
      </div>
    </section>
  );
}

/** Who saved a version, as people read it. */
function actorName(a: Json, t: (k: string) => string): string {
  if (a?.name) return a.name;
  if (a?.type === "file") return t("admin.versions.file");
  return a?.id ?? a?.type ?? "?";
}

export function VersionsSection() {
  const s = useAdmin();
  const { t } = s;
  const list = s.versions.value;
  const [compared, setCompared] = useState<{ v: string; changes: Change[]; from: Json } | null>(null);
  const [open, setOpen] = useState(false);
  const compare = async (v: string) => {
    const r = await s.api.version(v);
    if (r.status !== 200) return;
    const from = r.body?.config;
    setCompared({ v, from, changes: diffConfig(from, s.base.value) });
  };
  const date = (iso: string) =>
    new Date(iso).toLocaleString(s.lang === "fr" ? "fr-FR" : "en-GB", {
      dateStyle: "medium",
      timeStyle: "short",
    });
  return (
    <section class="admin-section" id="s-versions" aria-labelledby="h-versions">
      <h2 id="h-versions">{t("admin.section.versions")}</h2>
      {!open
        ? (
          <button
            type="button"
            class="btn"
            onClick={() => {
              setOpen(true);
              void s.loadVersions();
            }}
          >
            {t("admin.versions.show")}
          </button>
        )
        : null}
      {s.versionsError.value ? <p class="muted">{s.versionsError.value}</p> : null}
      {list
        ? (
          <ol class="admin-versions">
            {list.map((v) => {
              const id = String(v.version);
              const current = id === s.version.value;
              return (
                <li key={id} class="admin-version">
                  <div id={`version-${id}`}>
                    <strong>{t("admin.versions.label", { v: id })}</strong>
                    {current ? <span class="badge">{t("admin.versions.current")}</span> : null}
                    <span class="muted small">{date(v.at)} · {actorName(v.actor, t)}</span>
                  </div>
                  <p class="admin-version-summary">
                    {v.restoredFrom ? `${t("admin.versions.restoredFrom", { v: v.restoredFrom })} ` : null}
                    {v.summary}
                  </p>
                  {v.changes?.length > 1
                    ? (
                      <details class="admin-version-changes">
                        <summary>{t("admin.versions.changes", { n: v.changes.length })}</summary>
                        <ul>{v.changes.map((line, i) => <li key={i}>{line}</li>)}</ul>
                      </details>
                    )
                    : null}
                  <div class="admin-actions">
                    <button
                      type="button"
                      class="btn btn-ghost"
                      aria-describedby={`version-${id}`}
                      onClick={() => compare(id)}
                    >
                      {t("admin.versions.compare")}
                    </button>
                    {current ? null : (
                      <button
                        type="button"
                        class="btn"
                        data-action="restore"
                        aria-describedby={`version-${id}`}
                        onClick={() => s.restore(id)}
                      >
                        {t("admin.versions.restore")}
                      </button>
                    )}
                  </div>
                </li>
              );
            })}
          </ol>
        )
        : null}
      {list && s.versionsCursor.value
        ? (
          <button type="button" class="btn btn-ghost" onClick={() => void s.loadVersions(true)}>
            {t("admin.versions.more")}
          </button>
        )
        : null}
      {compared
        ? (
          <div class="admin-compare">
            <h3>{t("admin.versions.compared", { v: compared.v })}</h3>
            <ChangeList
              changes={compared.changes}
              from={compared.from}
              to={s.base.value}
              label={t("admin.versions.compared", { v: compared.v })}
            />
          </div>
        )
        : null}
    </section>
  );
}

/** Unsaved edits, as a change list beside the Save button. */
export function PendingChanges() {
  const s = useAdmin();
  const { t } = s;
  if (!s.dirty.value) return null;
  const changes = diffConfig(s.base.value, s.draft.value);
  return (
    <details class="admin-pending">
      <summary>{t("admin.pending", { n: changes.length })}</summary>
      <ChangeList
        changes={changes}
        from={s.base.value}
        to={s.draft.value}
        label={t("admin.pending", { n: changes.length })}
      />
    </details>
  );
}
