/** A titled section of the administration console, and the editor for lists of `{id, name}`. */
import type { ComponentChildren } from "preact";
import { useAdmin } from "../../lib/browser/admin_store.ts";
import { IconButton } from "../icon_button.tsx";
import { FieldErrors, fieldId, TextField } from "./fields.tsx";

export function Section({ id, title, children }: { id: string; title: string; children: ComponentChildren }) {
  return (
    <section class="admin-section" id={`s-${id}`} aria-labelledby={`h-${id}`}>
      <h2 id={`h-${id}`}>{title}</h2>
      {children}
    </section>
  );
}

/** Teams, categories, dispositions: rows of id and name, added and removed in place. */
export function NamedList({ path, title, noun }: { path: string; title: string; noun: string }) {
  const s = useAdmin();
  const { t } = s;
  const list: { id: string; name: string }[] = s.get(path) ?? [];
  return (
    <div class="admin-list" id={fieldId(path)} tabIndex={-1}>
      <h3>{title}</h3>
      {list.map((item, i) => (
        <div class="admin-row" key={i}>
          <TextField path={`${path}.${i}.id`} label={t("admin.field.id")} />
          <TextField path={`${path}.${i}.name`} label={t("admin.field.name")} />
          <IconButton
            action="remove"
            icon="x"
            tone="danger"
            label={t("admin.remove", { what: item.name || item.id || noun })}
            onClick={() => s.remove(`${path}.${i}`)}
          />
        </div>
      ))}
      <FieldErrors path={path} />
      <button type="button" class="btn" onClick={() => s.append(path, { id: "", name: "" })}>
        {t("admin.add", { what: noun })}
      </button>
    </div>
  );
}

/** A list of plain strings (languages, co-browsing selectors), one field per entry. */
export function StringList(
  { path, title, noun, itemLabel }: { path: string; title: string; noun: string; itemLabel: string },
) {
  const s = useAdmin();
  const { t } = s;
  const list: string[] = s.get(path) ?? [];
  return (
    <div class="admin-list" id={fieldId(path)} tabIndex={-1}>
      <h3>{title}</h3>
      {list.map((item, i) => (
        <div class="admin-row" key={i}>
          <TextField path={`${path}.${i}`} label={`${itemLabel} ${i + 1}`} />
          <IconButton
            action="remove"
            icon="x"
            tone="danger"
            label={t("admin.remove", { what: item || noun })}
            onClick={() => s.remove(`${path}.${i}`)}
          />
        </div>
      ))}
      <FieldErrors path={path} />
      <button type="button" class="btn" onClick={() => s.append(path, "")}>
        {t("admin.add", { what: noun })}
      </button>
    </div>
  );
}
