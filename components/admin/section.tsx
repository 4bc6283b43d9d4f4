/** A titled section of the administration console, and the editor for lists of `{id, name}`. */
import type { ComponentChildren } from "preact";
import { useAdmin } from "../../lib/browser/admin_store.ts";
import type { Field } from "../../lib/browser/admin_paths.ts";
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
export function NamedList(
  { field, title, noun }: {
    field: Field<{ id: string; name: string }[] | undefined>;
    title: string;
    noun: string;
  },
) {
  const { t } = useAdmin();
  const { path } = field;
  const list = field.value() ?? [];
  return (
    <div class="admin-list" id={fieldId(path)} tabIndex={-1}>
      <h3>{title}</h3>
      {list.map((item, i) => (
        <div class="admin-row" key={i}>
          <TextField field={field.item(i).key("id")} label={t("admin.field.id")} />
          <TextField field={field.item(i).key("name")} label={t("admin.field.name")} />
          <IconButton
            action="remove"
            icon="x"
            tone="danger"
            label={t("admin.remove", { what: item.name || item.id || noun })}
            onClick={field.item(i).remove}
          />
        </div>
      ))}
      <FieldErrors path={path} />
      <button type="button" class="btn" onClick={() => field.append({ id: "", name: "" })}>
        {t("admin.add", { what: noun })}
      </button>
    </div>
  );
}

/** A list of plain strings (languages, co-browsing selectors), one field per entry. */
export function StringList(
  { field, title, noun, itemLabel }: {
    field: Field<string[] | undefined>;
    title: string;
    noun: string;
    itemLabel: string;
  },
) {
  const { t } = useAdmin();
  const { path } = field;
  const list = field.value() ?? [];
  return (
    <div class="admin-list" id={fieldId(path)} tabIndex={-1}>
      <h3>{title}</h3>
      {list.map((item, i) => (
        <div class="admin-row" key={i}>
          <TextField field={field.item(i)} label={`${itemLabel} ${i + 1}`} />
          <IconButton
            action="remove"
            icon="x"
            tone="danger"
            label={t("admin.remove", { what: item || noun })}
            onClick={field.item(i).remove}
          />
        </div>
      ))}
      <FieldErrors path={path} />
      <button type="button" class="btn" onClick={() => field.append("")}>
        {t("admin.add", { what: noun })}
      </button>
    </div>
  );
}
