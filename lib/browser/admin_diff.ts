/**
 * Browser (and shared): readable differences between two configurations, and reapplying one
 * admin's edits on top of a version another admin saved meanwhile (SPEC M1a: a stale save is
 * refused and shown the difference).
 *
 * Lists of things with an `id` (agents, sources, teams…) are compared by id, not by position, so
 * "Bob was added" stays one change even when he was inserted first, and an edit to Alice's
 * capacity still lands on Alice after someone else reordered or removed other agents.
 */
import { type Json, jsonEqual } from "./admin_paths.ts";

/** One step into a configuration: an object key, or the element of a list with this id. */
export type Step = string | { id: string };

/** A leaf change; `before` undefined means added, `after` undefined means removed. */
export type Change = { path: Step[]; before: Json; after: Json };

const isObject = (x: Json): boolean => x !== null && typeof x === "object" && !Array.isArray(x);
const isKeyedList = (x: Json): boolean =>
  Array.isArray(x) && x.every((e) => isObject(e) && typeof e.id === "string");

/** Every change that turns `a` into `b`, in a stable order (keys of `a`, then new keys). */
export function diffConfig(a: Json, b: Json, path: Step[] = [], out: Change[] = []): Change[] {
  if (jsonEqual(a, b)) return out;
  if (isKeyedList(a) && isKeyedList(b) && (a.length || b.length)) {
    const before = new Map<string, Json>(a.map((e: Json) => [e.id, e]));
    const after = new Map<string, Json>(b.map((e: Json) => [e.id, e]));
    for (const [id, e] of before) {
      if (!after.has(id)) out.push({ path: [...path, { id }], before: e, after: undefined });
      else diffConfig(e, after.get(id), [...path, { id }], out);
    }
    for (const [id, e] of after) {
      if (!before.has(id)) out.push({ path: [...path, { id }], before: undefined, after: e });
    }
    return out;
  }
  if (isObject(a) && isObject(b)) {
    const keys = [...Object.keys(a), ...Object.keys(b).filter((k) => !(k in a))];
    for (const k of keys) diffConfig(a[k], b[k], [...path, k], out);
    return out;
  }
  out.push({ path, before: a, after: b });
  return out;
}

/**
 * `changes` (one admin's edits, from `diffConfig(base, draft)`) applied to `target` (the version
 * saved meanwhile). Where both changed the same value the edit wins: it is what the admin chose
 * to reapply, after seeing the other change. An edit inside something the other admin removed
 * is dropped (there is nothing left to edit).
 */
export function reapply(target: Json, changes: Change[]): Json {
  const root = structuredClone(target);
  for (const c of changes) applyOne(root, c);
  return root;
}

function applyOne(root: Json, c: Change): void {
  let parent: Json = root;
  for (const step of c.path.slice(0, -1)) {
    parent = typeof step === "string"
      ? (isObject(parent) ? parent[step] : undefined)
      : (Array.isArray(parent) ? parent.find((e: Json) => e?.id === step.id) : undefined);
    if (parent === undefined || parent === null || typeof parent !== "object") return;
  }
  const last = c.path[c.path.length - 1];
  if (last === undefined) return;
  const value = c.after === undefined ? undefined : structuredClone(c.after);
  if (typeof last === "string") {
    if (!isObject(parent)) return;
    if (value === undefined) delete parent[last];
    else parent[last] = value;
    return;
  }
  if (!Array.isArray(parent)) return;
  const at = parent.findIndex((e: Json) => e?.id === last.id);
  if (value === undefined) {
    if (at >= 0) parent.splice(at, 1);
  } else if (at >= 0) parent[at] = value;
  else parent.push(value);
}

/** A list element's readable name: its `name` or `title`, else its id. */
function nameOf(list: Json, id: string): string {
  const e = Array.isArray(list) ? list.find((x: Json) => x?.id === id) : undefined;
  return typeof e?.name === "string" ? e.name : typeof e?.title === "string" ? e.title : id;
}

/** The path as people read it: `agents › Alice Martin › capacity › realtime › capacity`. */
export function describePath(path: Step[], ...roots: Json[]): string {
  const names: string[] = [];
  let nodes = roots;
  for (const step of path) {
    if (typeof step === "string") {
      names.push(step);
      nodes = nodes.map((n) => (isObject(n) ? n[step] : undefined));
    } else {
      const named = nodes.map((n) => nameOf(n, step.id)).find((x) => x !== step.id) ?? step.id;
      names.push(named);
      nodes = nodes.map((n) => (Array.isArray(n) ? n.find((e: Json) => e?.id === step.id) : undefined));
    }
  }
  return names.join(" › ");
}

/** A short text for a value in a change line. */
export function describeValue(v: Json): string {
  if (v === undefined) return "—";
  if (v === null) return "null";
  if (Array.isArray(v)) {
    return v.every((x) => typeof x !== "object") ? `[${v.join(", ")}]` : `${v.length} items`;
  }
  if (typeof v === "object") {
    const label = typeof v.name === "string" ? v.name : typeof v.title === "string" ? v.title : v.id;
    return typeof label === "string" ? label : "{…}";
  }
  const s = String(v);
  return s.length > 80 ? s.slice(0, 79) + "…" : s;
}
