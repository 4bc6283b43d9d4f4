/**
 * Browser (and shared): the configuration draft's typed fields. A `Field<T>` is one place in
 * the draft, reached by typed steps (`config.key("agents").item(2).key("capacity")`), so a
 * misspelt key or a value of the wrong type does not compile. Its `path` is the dotted form the
 * server's validation errors use (`agents.2.capacity.realtime.capacity`): a form field, its
 * value and the error the server reports for it share one name.
 */

// deno-lint-ignore no-explicit-any
export type Json = any;

type Present<T> = Exclude<T, undefined | null>;
/** The element type of a list field (never for other fields: `item` and `append` refuse them). */
export type ElementOf<T> = Present<T> extends readonly (infer E)[] ? E : never;
/** The keys of an object or record field. */
export type KeyOf<T> = Present<T> extends readonly unknown[] ? never
  : Present<T> extends object ? keyof Present<T> & string
  : never;
type ValueAt<T, K> = K extends keyof Present<T> ? Present<T>[K] : never;

/** What a form control needs from its field: read, write, and the path for its id and errors. */
export type Leaf<T> = {
  /** The dotted path: the control's id (`f-<path>`) and the name of the server's errors for it. */
  readonly path: string;
  /** The value in the draft, undefined where any step is missing. */
  value: () => T | undefined;
  /** Sets the value; undefined removes the key (or the list element). */
  set: (value: T | undefined) => void;
  /**
   * Sets what the user typed when it is not a `T` (a number field holding "abc"): the draft
   * keeps it as typed and the server, the authority, refuses it with a message at this path.
   */
  setUnparsed: (raw: string) => void;
};

/** A place in the configuration draft, typed by the configuration schema's input type. */
export type Field<T> = Leaf<T> & {
  /** The field of an object key or a record entry. */
  key: <K extends KeyOf<T>>(k: K) => Field<ValueAt<T, K>>;
  /** The field of a list element. */
  item: (i: number) => Field<ElementOf<T>>;
  /** Adds an element at the end of a list field (creating the list when missing). */
  append: (item: ElementOf<T>) => void;
  /** Removes this key or list element. */
  remove: () => void;
};

/**
 * The field at `path` of the JSON value `read()` returns; writes go through `write` as whole
 * new roots (only the objects along the path are copied). `removed` runs after `remove()`.
 */
export function fieldAt<T>(
  read: () => Json,
  write: (root: Json) => void,
  path = "",
  removed: () => void = () => {},
): Field<T> {
  const set = (value: unknown) => write(setAt(read(), path, value));
  const child = <C>(step: string | number) =>
    fieldAt<C>(read, write, path === "" ? String(step) : `${path}.${step}`, removed);
  return {
    path,
    value: () => getAt(read(), path),
    set,
    setUnparsed: set,
    key: (k) => child(k),
    item: (i) => child(i),
    append: (item) => {
      const list = getAt(read(), path);
      set([...(Array.isArray(list) ? list : []), item]);
    },
    remove: () => {
      set(undefined);
      removed();
    },
  };
}

export const splitPath = (path: string): string[] => (path === "" ? [] : path.split("."));

/** The value at `path`, or undefined when any step is missing. */
export function getAt(root: Json, path: string): Json {
  let v = root;
  for (const k of splitPath(path)) {
    if (v === null || typeof v !== "object") return undefined;
    v = v[k];
  }
  return v;
}

/**
 * A copy of `root` with `path` set to `value` (`undefined` removes an object key, or an array
 * element when the last step is an index). Only the objects along the path are copied.
 */
export function setAt(root: Json, path: string, value: Json): Json {
  const steps = splitPath(path);
  const go = (node: Json, i: number): Json => {
    if (i === steps.length) return value;
    const k = steps[i];
    if (Array.isArray(node)) {
      const copy = node.slice();
      const idx = Number(k);
      const next = go(copy[idx], i + 1);
      if (next === undefined && i === steps.length - 1) copy.splice(idx, 1);
      else copy[idx] = next;
      return copy;
    }
    const obj = node !== null && typeof node === "object" ? { ...node } : {};
    const next = go(obj[k], i + 1);
    if (next === undefined) delete obj[k];
    else obj[k] = next;
    return obj;
  };
  return go(root, 0);
}

/** Deep equality of JSON values (key order ignored). */
export function jsonEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  const ka = Object.keys(a).filter((k) => a[k] !== undefined);
  const kb = Object.keys(b).filter((k) => b[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => jsonEqual(a[k], b[k]));
}
