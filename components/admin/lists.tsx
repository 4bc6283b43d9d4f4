/**
 * Lists of the configuration edited in place: rows (teams, categories, dispositions, languages,
 * selectors) and cards (sources, agents, reply-assistant groups and entries, experts). Each
 * element has its remove button and the list an add button; removing drops the reported errors
 * (they would point at shifted indexes).
 */
import type { ComponentChildren } from "preact";
import { useAdmin } from "../../lib/browser/admin_store.ts";
import type { ElementOf, Field } from "../../lib/browser/admin_paths.ts";
import { IconButton } from "../icon_button.tsx";
import { FieldErrors, fieldId, TextField } from "./fields.tsx";

/** What a list element may be called by. */
type Named = { id?: string; name?: string; title?: string };

/** An element's readable name: its name, title or id, else what it is (`noun`). */
const nameOf = (v: unknown, noun: string) => {
  const n = v as Named;
  return n.name || n.title || n.id || noun;
};

/** The elements of a list field (none while it is missing). */
const elementsOf = <L,>(field: Field<L>) => (field.value() ?? []) as readonly ElementOf<L>[];

/** A list edited as rows: `row` gives an element's fields; `what` names it on its remove button. */
function RowList<L extends readonly unknown[] | undefined>(
  { field, title, noun, what, newItem, row }: {
    field: Field<L>;
    title: string;
    noun: string;
    what: (v: ElementOf<L>) => string;
    newItem: () => ElementOf<L>;
    row: (item: Field<ElementOf<L>>, i: number) => ComponentChildren;
  },
) {
  const { t } = useAdmin();
  return (
    <div class="admin-list" id={fieldId(field.path)} tabIndex={-1}>
      <h3>{title}</h3>
      {elementsOf(field).map((v, i) => (
        <div class="admin-row" key={i}>
          {row(field.item(i), i)}
          <IconButton
            action="remove"
            icon="x"
            tone="danger"
            label={t("admin.remove", { what: what(v) || noun })}
            onClick={field.item(i).remove}
          />
        </div>
      ))}
      <FieldErrors path={field.path} />
      <button type="button" class="btn" onClick={() => field.append(newItem())}>
        {t("admin.add", { what: noun })}
      </button>
    </div>
  );
}

/** Teams, categories, dispositions: rows of id and name. */
export function NamedList(
  { field, title, noun }: {
    field: Field<{ id: string; name: string }[] | undefined>;
    title: string;
    noun: string;
  },
) {
  const { t } = useAdmin();
  return (
    <RowList
      field={field}
      title={title}
      noun={noun}
      what={(v) => v.name || v.id}
      newItem={() => ({ id: "", name: "" })}
      row={(item) => (
        <>
          <TextField field={item.key("id")} label={t("admin.field.id")} />
          <TextField field={item.key("name")} label={t("admin.field.name")} />
        </>
      )}
    />
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
  return (
    <RowList
      field={field}
      title={title}
      noun={noun}
      what={(v) => v}
      newItem={() => ""}
      row={(item, i) => <TextField field={item} label={`${itemLabel} ${i + 1}`} />}
    />
  );
}

/**
 * A list edited as cards: one per element, titled by its name (or `title`), open while it has no
 * id yet or has errors, and an add button appending `newItem()`.
 */
export function CardList<L extends readonly Named[] | undefined>(
  { field, noun, title, newItem, children }: {
    field: Field<L>;
    noun: string;
    title?: (v: ElementOf<L>) => string;
    newItem: () => ElementOf<L>;
    children: (item: Field<ElementOf<L>>, v: ElementOf<L>) => ComponentChildren;
  },
) {
  const { t } = useAdmin();
  return (
    <>
      {elementsOf(field).map((v, i) => (
        <ItemCard
          key={i}
          field={field.item(i)}
          title={title ? title(v) : nameOf(v, noun)}
          open={!(v as Named).id}
          removeLabel={t("admin.remove", { what: nameOf(v, noun) })}
        >
          {children(field.item(i), v)}
        </ItemCard>
      ))}
      <button type="button" class="btn" onClick={() => field.append(newItem())}>
        {t("admin.add", { what: noun })}
      </button>
    </>
  );
}

/** A titled group of fields for one item of a list, with its remove button. */
function ItemCard(
  { field, title, removeLabel, children, open }: {
    field: { path: string; remove: () => void };
    title: string;
    removeLabel?: string;
    children: ComponentChildren;
    open?: boolean;
  },
) {
  const s = useAdmin();
  const { path } = field;
  const hasErrors = s.errorsAt(path).length > 0;
  return (
    <details class="admin-item" id={fieldId(path)} open={open || hasErrors || undefined}>
      <summary>
        <span class="admin-item-title">{title}</span>
        {hasErrors ? <span class="badge badge-error">{s.t("admin.errors.badge")}</span> : null}
      </summary>
      <div class="admin-item-body">
        {children}
        {removeLabel
          ? (
            <button type="button" class="btn btn-ghost admin-remove" onClick={field.remove}>
              {removeLabel}
            </button>
          )
          : null}
      </div>
    </details>
  );
}
