/**
 * Form fields of the administration console, each bound to a typed field of the configuration
 * draft (`Leaf<T>`): a text input edits a string, a number input a number, a select one of its
 * options. The field's path is also its id (`f-<path>`) and the name the server's validation
 * uses, so a 400's `details` land next to the field that caused them.
 */
import { useAdmin } from "../../lib/browser/admin_store.ts";
import type { Leaf } from "../../lib/browser/admin_paths.ts";

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
/** "null" only for a field that may be null. */
type EmptyFor<T> = null extends T ? Empty : Exclude<Empty, "null">;

/** What an emptied field holds: `""` as typed, null, or no key. */
const emptied = (empty: Empty, raw: string) =>
  raw === "" && empty !== "keep" ? (empty === "null" ? null : undefined) : raw;

/** A text input (or a text area); an empty value becomes null or no key when `empty` says so. */
export function TextField<T extends string | null | undefined>(
  { field, label, empty = "keep", type = "text", area, hint, autoComplete, readOnly }: {
    field: Leaf<T>;
    label: string;
    empty?: EmptyFor<T>;
    type?: "text" | "url" | "password";
    area?: boolean;
    hint?: string;
    autoComplete?: string;
    readOnly?: boolean;
  },
) {
  const s = useAdmin();
  const { path } = field;
  const v = field.value();
  const has = s.errorsAt(path).length > 0;
  // `emptied` gives null only when `empty` is "null", which EmptyFor<T> allows only for a T with null.
  const onInput = (e: Event) => field.set(emptied(empty, (e.currentTarget as HTMLInputElement).value) as T);
  const common = {
    id: fieldId(path),
    value: v ?? "",
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
export function NumberField<T extends number | null | undefined>(
  { field, label, empty = "keep", step = "any", hint }: {
    field: Leaf<T>;
    label: string;
    empty?: EmptyFor<T>;
    step?: string;
    hint?: string;
  },
) {
  const s = useAdmin();
  const { path } = field;
  const v = field.value();
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
          if (raw === "" && empty !== "keep") field.set((empty === "null" ? null : undefined) as T);
          else if (raw !== "" && Number.isFinite(n)) field.set(n as T);
          else field.setUnparsed(raw);
        }}
        {...invalidProps(has, path)}
      />
      {hint ? <span class="field-hint">{hint}</span> : null}
      <FieldErrors path={path} />
    </div>
  );
}

export function CheckField({ field, label }: { field: Leaf<boolean>; label: string }) {
  const s = useAdmin();
  const { path } = field;
  const has = s.errorsAt(path).length > 0;
  return (
    <div class="field field-check">
      <label class="check">
        <input
          id={fieldId(path)}
          type="checkbox"
          checked={field.value() === true}
          onChange={(e) => field.set(e.currentTarget.checked)}
          {...invalidProps(has, path)}
        />
        <span>{label}</span>
      </label>
      <FieldErrors path={path} />
    </div>
  );
}

export type Option<V extends string = string> = readonly [value: V, label: string];

/** One of `options`; with `empty` (its label), a first choice that removes the key. */
export function SelectField<V extends string>(
  { field, label, options, empty }: {
    field: Leaf<V>;
    label: string;
    options: readonly Option<V>[];
    empty?: string;
  },
) {
  const s = useAdmin();
  const { path } = field;
  const v = field.value();
  const has = s.errorsAt(path).length > 0;
  const known = options.some(([o]) => o === v);
  return (
    <div class="field">
      <label for={fieldId(path)}>{label}</label>
      <select
        id={fieldId(path)}
        value={v ?? ""}
        onChange={(e) => {
          // The choices are the options' values, and the current value when it is not one of them.
          const raw = e.currentTarget.value as V;
          field.set(raw === "" && empty !== undefined ? undefined : raw);
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
export function ChecksField<V extends string>(
  { field, legend, options }: { field: Leaf<V[]>; legend: string; options: readonly Option<V>[] },
) {
  const { path } = field;
  const list = field.value() ?? [];
  const extra = list.filter((x) => !options.some(([o]) => o === x)).map((x) => [x, x] as const);
  const toggle = (value: V, on: boolean) =>
    field.set(on ? [...list, value] : list.filter((x) => x !== value));
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
