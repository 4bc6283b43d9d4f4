/**
 * Browser (and shared): reading and writing inside the configuration draft by path. A path is
 * the dotted form the server's validation errors use (`agents.2.capacity.realtime.capacity`), so
 * a form field, its value and the error the server reports for it share one name.
 */

// deno-lint-ignore no-explicit-any
export type Json = any;

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
