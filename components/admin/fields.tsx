/**
 * Form fields of the administration console, each bound to a path of the configuration draft.
 * The path is also the field's id (`f-<path>`) and the name the server's validation uses, so a
 * 400's `details` land next to the field that caused them.
 */
import type { ComponentChildren } from "preact";
import { useAdmin } from "../../lib/browser/admin_store.ts";

export const fieldId = (path: string) => `f-${path}`;
const errorId = (path: string) => `e-${path}`;

/** The errors reported at or inside `path`, shown under the field. */
export function FieldErrors({ path }: { path: string }) {
  const errors = useAdmin().errorsAt(path);
  if (!errors.length) return null;
  return (
    <ul class="field-errors" id={errorId(path)}>
      {errors.map((e) => (
        <li key={e.path + e.message}>
          {e.path === path ? e.message : `${e.path.slice(path.length + 1)}: ${e.message}`}
        </li>
      ))}
    </ul>
  );
}

const invalidProps = (has: boolean, path: string) =>
  has ? { "aria-invalid": "true" as const, "aria-describedby": errorId(path) } : {};

type Empty = "null" | "omit" | "keep";

/** A text input (or a text area); an empty value becomes null or no key when `empty` says so. */
export function TextField(
  { path, label, empty = "keep", type = "text", area, hint, autoComplete, readOnly }: {
    path: string;
    label: string;
    empty?: Empty;
    type?: "text" | "url" | "password";
    area?: boolean;
    hint?: string;
    autoComplete?: string;
    readOnly?: boolean;
  },
) {
  const s = useAdmin();
  const v = s.get(path);
  const has = s.errorsAt(path).length > 0;
  const onInput = (e: Event) => {
    const raw = (e.currentTarget as HTMLInputElement).value;
    s.set(path, raw === "" && empty !== "keep" ? (empty === "null" ? null : undefined) : raw);
  };
  const common = {
    id: fieldId(path),
    value: typeof v === "string" ? v : v === null || v === undefined ? "" : String(v),
    onInput,
    readOnly,
    ...invalidProps(has, path),
  };
  return (
    <div class="field">
      <label for={fieldId(path)}>{label}</label>
      {area
        ? <textarea rows={3} {...common} />
        : <input type={type} autoComplete={autoComplete} {...common} />}
      {hint ? <span class="field-hint">{hint}</span> : null}
      <FieldErrors path={path} />
    </div>
  );
}

/**
 * A number input. What the user typed is sent as typed when it is not a number, so the server
 * (the authority) says what is wrong with it, next to this field.
 */
export function NumberField(
  { path, label, empty = "keep", step = "any", hint }: {
    path: string;
    label: string;
    empty?: Empty;
    step?: string;
    hint?: string;
  },
) {
  const s = useAdmin();
  const v = s.get(path);
  const has = s.errorsAt(path).length > 0;
  return (
    <div class="field">
      <label for={fieldId(path)}>{label}</label>
      <input
        id={fieldId(path)}
        type="text"
        inputMode="decimal"
        data-step={step}
        value={v === null || v === undefined ? "" : String(v)}
        onInput={(e) => {
          const raw = e.currentTarget.value.trim();
          const n = Number(raw);
          s.set(
            path,
            raw === ""
              ? (empty === "null" ? null : empty === "omit" ? undefined : raw)
              : Number.isFinite(n)
              ? n
              : raw,
          );
        }}
        {...invalidProps(has, path)}
      />
      {hint ? <span class="field-hint">{hint}</span> : null}
      <FieldErrors path={path} />
    </div>
  );
}

export function CheckField({ path, label }: { path: string; label: string }) {
  const s = useAdmin();
  const has = s.errorsAt(path).length > 0;
  return (
    <div class="field field-check">
      <label class="check">
        <input
          id={fieldId(path)}
          type="checkbox"
          checked={s.get(path) === true}
          onChange={(e) => s.set(path, e.currentTarget.checked)}
          {...invalidProps(has, path)}
        />
        <span>{label}</span>
      </label>
      <FieldErrors path={path} />
    </div>
  );
}

export type Option = readonly [value: string, label: string];

export function SelectField(
  { path, label, options, empty }: { path: string; label: string; options: Option[]; empty?: string },
) {
  const s = useAdmin();
  const v = s.get(path);
  const has = s.errorsAt(path).length > 0;
  const known = options.some(([o]) => o === v);
  return (
    <div class="field">
      <label for={fieldId(path)}>{label}</label>
      <select
        id={fieldId(path)}
        value={v ?? ""}
        onChange={(e) => {
          const raw = e.currentTarget.value;
          s.set(path, raw === "" && empty !== undefined ? undefined : raw);
        }}
        {...invalidProps(has, path)}
      >
        {empty !== undefined ? <option value="">{empty}</option> : null}
        {!known && v ? <option value={v}>{String(v)}</option> : null}
        {options.map(([o, l]) => <option key={o} value={o} selected={o === v}>{l}</option>)}
      </select>
      <FieldErrors path={path} />
    </div>
  );
}

/** A set of strings as checkboxes (teams, skills, languages, permissions). */
export function ChecksField({ path, legend, options }: { path: string; legend: string; options: Option[] }) {
  const s = useAdmin();
  const list: string[] = Array.isArray(s.get(path)) ? s.get(path) : [];
  const extra = list.filter((x) => !options.some(([o]) => o === x)).map((x) => [x, x] as const);
  const toggle = (value: string, on: boolean) =>
    s.set(path, on ? [...list, value] : list.filter((x) => x !== value));
  return (
    <fieldset class="field checks" id={fieldId(path)} tabIndex={-1}>
      <legend>{legend}</legend>
      {[...options, ...extra].map(([o, l]) => (
        <label key={o} class="check">
          <input
            type="checkbox"
            checked={list.includes(o)}
            onChange={(e) => toggle(o, e.currentTarget.checked)}
          />
          <span>{l}</span>
        </label>
      ))}
      <FieldErrors path={path} />
    </fieldset>
  );
}

/** A titled group of fields for one item of a list, with its remove button. */
export function ItemCard(
  { path, title, onRemove, removeLabel, children, open }: {
    path: string;
    title: string;
    onRemove?: () => void;
    removeLabel?: string;
    children: ComponentChildren;
    open?: boolean;
  },
) {
  const s = useAdmin();
  const hasErrors = s.errorsAt(path).length > 0;
  return (
    <details class="admin-item" id={fieldId(path)} open={open || hasErrors || undefined}>
      <summary>
        <span class="admin-item-title">{title}</span>
        {hasErrors ? <span class="badge badge-error">{s.t("admin.errors.badge")}</span> : null}
      </summary>
      <div class="admin-item-body">
        {children}
        {onRemove
          ? (
            <button type="button" class="btn btn-ghost admin-remove" onClick={onRemove}>
              {removeLabel}
            </button>
          )
          : null}
      </div>
    </details>
  );
}
