/**
 * What changed between two configurations, in words an administrator reads in the version list
 * (SPEC M1a), e.g. "realtime capacity of Alice Martin 2 → 3". Pure: data in, lines out. Secrets
 * and passwords are named, never shown.
 */
import { capacityOf, CHANNEL_GROUPS, type Config } from "../lib/config.ts";

/** JSON with object keys sorted: equal configurations give equal text whatever their key order. */
export function stableJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_k, v) =>
      v && typeof v === "object" && !Array.isArray(v)
        ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]]))
        : v,
  );
}

const same = (a: unknown, b: unknown) => stableJson(a) === stableJson(b);

/** A short, safe rendering of a value: lists as "a, b", long text cut, objects not spelled out. */
function show(v: unknown): string {
  if (v === undefined || v === null) return "none";
  if (Array.isArray(v)) return v.length ? `[${v.map(show).join(", ")}]` : "[]";
  if (typeof v === "object") return "{…}";
  const s = String(v);
  return s.length > 40 ? `${s.slice(0, 39)}…` : s;
}

type Named = { id: string; name?: string; title?: string };
const label = (x: Named) => x.name ?? x.title ?? x.id;

/** Fields that hold secrets: their change is named, the values never appear. */
const SECRET_FIELDS = new Set(["secret", "password", "passwordHash"]);

/** Field-by-field changes of one entity (a source, an agent…), one line per changed field. */
function fieldChanges(kind: string, before: Named, after: Named, skip: Set<string> = new Set()): string[] {
  const out: string[] = [];
  const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  const b = before as Record<string, unknown>, a = after as Record<string, unknown>;
  let secretChanged = false;
  for (const f of fields) {
    if (skip.has(f) || same(b[f], a[f])) continue;
    if (SECRET_FIELDS.has(f)) {
      secretChanged = true;
      continue;
    }
    out.push(`${kind} ${label(after)}: ${f} ${show(b[f])} → ${show(a[f])}`);
  }
  if (secretChanged) {
    out.push(
      "password" in a || "passwordHash" in a
        ? `password of ${label(after)} reset`
        : `secret of ${kind} ${label(after)} rotated`,
    );
  }
  return out;
}

/** Added, removed and changed entities of an id-keyed list. */
function listChanges<T extends Named>(
  kind: string,
  before: readonly T[],
  after: readonly T[],
  changed: (b: T, a: T) => string[] = (b, a) => fieldChanges(kind, b, a),
): string[] {
  const out: string[] = [];
  const old = new Map(before.map((x) => [x.id, x]));
  const now = new Set(after.map((x) => x.id));
  for (const x of after) {
    const b = old.get(x.id);
    if (!b) out.push(`${kind} ${label(x)} added`);
    else if (!same(b, x)) out.push(...changed(b, x));
  }
  for (const x of before) if (!now.has(x.id)) out.push(`${kind} ${label(x)} removed`);
  return out;
}

function agentChanges(bc: Config, ac: Config) {
  return (b: Config["agents"][number], a: Config["agents"][number]): string[] => {
    const out: string[] = [];
    if (b.disabled !== a.disabled) out.push(`agent ${a.name} ${a.disabled ? "disabled" : "enabled"}`);
    for (const g of CHANNEL_GROUPS) {
      if (same(b.capacity[g], a.capacity[g])) continue;
      const was = capacityOf(bc, b, g), is = capacityOf(ac, a, g);
      if (was.capacity !== is.capacity) {
        out.push(`${g} capacity of ${a.name} ${was.capacity} → ${is.capacity}`);
      }
      if (was.maxCapacity !== is.maxCapacity) {
        out.push(`${g} maximum capacity of ${a.name} ${was.maxCapacity} → ${is.maxCapacity}`);
      }
      if (was.capacity === is.capacity && was.maxCapacity === is.maxCapacity) {
        out.push(`${g} capacity of ${a.name} ${a.capacity[g] ? "now set on the agent" : "now the group's"}`);
      }
    }
    return [...out, ...fieldChanges("agent", b, a, new Set(["disabled", "capacity"]))];
  };
}

function setChanges(kind: string, before: readonly string[], after: readonly string[]): string[] {
  return [
    ...after.filter((x) => !before.includes(x)).map((x) => `${kind} ${x} added`),
    ...before.filter((x) => !after.includes(x)).map((x) => `${kind} ${x} removed`),
  ];
}

/** Changes of a plain object section: one line per changed key (`prefix key before → after`). */
function sectionChanges(prefix: string, before: object, after: object): string[] {
  const b = before as Record<string, unknown>, a = after as Record<string, unknown>;
  return [...new Set([...Object.keys(b), ...Object.keys(a)])]
    .filter((k) => !same(b[k], a[k]))
    .map((k) => `${prefix} ${k} ${show(b[k])} → ${show(a[k])}`);
}

/**
 * Every change from `before` to `after`, one readable line each, in the configuration's order.
 * @example describeChanges(c, { ...c, routing: { ...c.routing, strategy: "round_robin" } })
 *   // ["routing strategy least_occupied → round_robin"]
 */
export function describeChanges(before: Config, after: Config): string[] {
  const out: string[] = [];
  out.push(...sectionChanges("routing", before.routing, after.routing));
  for (const g of CHANNEL_GROUPS) {
    out.push(...sectionChanges(`${g}`, before.channelGroups[g], after.channelGroups[g]));
  }
  out.push(...setChanges("language", before.languages, after.languages));
  out.push(...listChanges("category", before.categories, after.categories));
  out.push(...listChanges("team", before.teams, after.teams));
  out.push(...listChanges("disposition", before.dispositions, after.dispositions));
  const roles = [...new Set([...Object.keys(before.roles), ...Object.keys(after.roles)])];
  for (const r of roles) {
    const b = before.roles[r], a = after.roles[r];
    if (!b) out.push(`role ${r} added`);
    else if (!a) out.push(`role ${r} removed`);
    else if (!same(b, a)) {
      const plus = a.filter((p) => !b.includes(p)).map((p) => `+${p}`);
      const minus = b.filter((p) => !a.includes(p)).map((p) => `-${p}`);
      out.push(`role ${r} permissions ${[...plus, ...minus].join(" ") || "reordered"}`);
    }
  }
  out.push(...listChanges("source", before.sources, after.sources));
  out.push(...listChanges("agent", before.agents, after.agents, agentChanges(before, after)));
  out.push(
    ...listChanges(
      "reply assistant group",
      before.replyAssistant.groups,
      after.replyAssistant.groups,
      (b, a) => [
        ...fieldChanges("reply assistant group", b, a, new Set(["entries"])),
        ...listChanges("reply assistant entry", b.entries, a.entries),
      ],
    ),
  );
  out.push(...listChanges("expert", before.experts, after.experts));
  if (!same(before.cobrowse, after.cobrowse)) out.push("co-browsing exclusions changed");
  // Sections added after this function was written still show up, if less eloquently.
  const known = new Set([
    "routing",
    "channelGroups",
    "languages",
    "categories",
    "teams",
    "dispositions",
    "roles",
    "sources",
    "agents",
    "replyAssistant",
    "experts",
    "cobrowse",
  ]);
  const b = before as Record<string, unknown>, a = after as Record<string, unknown>;
  for (const k of new Set([...Object.keys(b), ...Object.keys(a)])) {
    if (known.has(k) || same(b[k], a[k])) continue;
    const scalar = (v: unknown) => v === undefined || v === null || typeof v !== "object";
    out.push(scalar(b[k]) && scalar(a[k]) ? `${k} ${show(b[k])} → ${show(a[k])}` : `${k} changed`);
  }
  return out;
}

/** Lines shown in a version's one-line summary before "and N more changes". */
const SUMMARY_LINES = 8;

/** The one-line summary of a list of changes. */
export function summarize(changes: readonly string[]): string {
  if (changes.length === 0) return "no change";
  const shown = changes.slice(0, SUMMARY_LINES).join("; ");
  const more = changes.length - SUMMARY_LINES;
  return more > 0 ? `${shown}; and ${more} more change${more === 1 ? "" : "s"}` : shown;
}
