/**
 * What changed between two configurations, in words an administrator reads in the version list
 * (SPEC M1a), e.g. "realtime capacity of Alice Martin 2 → 3". Pure: data in, changes out. A
 * change is stored as data (`Change`: a catalogue key and its values) and rendered in English or
 * French when read (U7). Secrets and passwords are named, never shown.
 */
import { capacityOf, CHANNEL_GROUPS, type Config } from "../lib/shared/config.ts";
import { type MessageKey, translate, type UiLanguage } from "../lib/shared/i18n/mod.ts";

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

/** What a thing of the configuration is called (`configKind.*` in the catalogues). */
export type ChangeKind =
  | "agent"
  | "team"
  | "category"
  | "disposition"
  | "source"
  | "expert"
  | "language"
  | "role"
  | "replyGroup"
  | "replyEntry";

/** One change: a `configChange.*` catalogue key and its values (`kind` is a `ChangeKind`). */
export type Change = { key: Extract<MessageKey, `configChange.${string}`>; vars: Record<string, string> };

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

const change = (key: Change["key"], vars: Record<string, string | number>): Change => ({
  key,
  vars: Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, String(v)])),
});

/** Field-by-field changes of one entity (a source, an agent…), one per changed field. */
function fieldChanges(
  kind: ChangeKind,
  before: Named,
  after: Named,
  skip: Set<string> = new Set(),
): Change[] {
  const out: Change[] = [];
  const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  const b = before as Record<string, unknown>, a = after as Record<string, unknown>;
  let secretChanged = false;
  for (const f of fields) {
    if (skip.has(f) || same(b[f], a[f])) continue;
    if (SECRET_FIELDS.has(f)) {
      secretChanged = true;
      continue;
    }
    out.push(
      change("configChange.entityField", {
        kind,
        name: label(after),
        field: f,
        from: show(b[f]),
        to: show(a[f]),
      }),
    );
  }
  if (secretChanged) {
    out.push(
      "password" in a || "passwordHash" in a
        ? change("configChange.passwordReset", { name: label(after) })
        : change("configChange.secretRotated", { kind, name: label(after) }),
    );
  }
  return out;
}

/** Added, removed and changed entities of an id-keyed list. */
function listChanges<T extends Named>(
  kind: ChangeKind,
  before: readonly T[],
  after: readonly T[],
  changed: (b: T, a: T) => Change[] = (b, a) => fieldChanges(kind, b, a),
): Change[] {
  const out: Change[] = [];
  const old = new Map(before.map((x) => [x.id, x]));
  const now = new Set(after.map((x) => x.id));
  for (const x of after) {
    const b = old.get(x.id);
    if (!b) out.push(change("configChange.added", { kind, name: label(x) }));
    else if (!same(b, x)) out.push(...changed(b, x));
  }
  for (const x of before) {
    if (!now.has(x.id)) out.push(change("configChange.removed", { kind, name: label(x) }));
  }
  return out;
}

function agentChanges(bc: Config, ac: Config) {
  return (b: Config["agents"][number], a: Config["agents"][number]): Change[] => {
    const out: Change[] = [];
    if (b.disabled !== a.disabled) {
      out.push(change(a.disabled ? "configChange.disabled" : "configChange.enabled", { name: a.name }));
    }
    for (const group of CHANNEL_GROUPS) {
      if (same(b.capacity[group], a.capacity[group])) continue;
      const was = capacityOf(bc, b, group), is = capacityOf(ac, a, group);
      const name = a.name;
      if (was.capacity !== is.capacity) {
        out.push(change("configChange.capacity", { group, name, from: was.capacity, to: is.capacity }));
      }
      if (was.maxCapacity !== is.maxCapacity) {
        out.push(
          change("configChange.maxCapacity", { group, name, from: was.maxCapacity, to: is.maxCapacity }),
        );
      }
      if (was.capacity === is.capacity && was.maxCapacity === is.maxCapacity) {
        out.push(
          change(a.capacity[group] ? "configChange.capacityOwn" : "configChange.capacityGroup", {
            group,
            name,
          }),
        );
      }
    }
    return [...out, ...fieldChanges("agent", b, a, new Set(["disabled", "capacity"]))];
  };
}

function setChanges(kind: ChangeKind, before: readonly string[], after: readonly string[]): Change[] {
  return [
    ...after.filter((x) => !before.includes(x)).map((name) => change("configChange.added", { kind, name })),
    ...before.filter((x) => !after.includes(x)).map((name) => change("configChange.removed", { kind, name })),
  ];
}

/** Changes of a plain object section: one per changed key (`section key before → after`). */
function sectionChanges(section: string, before: object, after: object): Change[] {
  const b = before as Record<string, unknown>, a = after as Record<string, unknown>;
  return [...new Set([...Object.keys(b), ...Object.keys(a)])]
    .filter((k) => !same(b[k], a[k]))
    .map((field) =>
      change("configChange.field", { section, field, from: show(b[field]), to: show(a[field]) })
    );
}

/** Sections `describeChanges` knows by name; any other one is still reported. */
const KNOWN_SECTIONS = new Set([
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

/**
 * Every change from `before` to `after`, in the configuration's order.
 * @example renderChanges(describeChanges(c, { ...c, routing: { ...c.routing, strategy: "round_robin" } }), "en")
 *   // ["routing strategy least_occupied → round_robin"]
 */
export function describeChanges(before: Config, after: Config): Change[] {
  const out: Change[] = [];
  out.push(...sectionChanges("routing", before.routing, after.routing));
  for (const g of CHANNEL_GROUPS) {
    out.push(...sectionChanges(g, before.channelGroups[g], after.channelGroups[g]));
  }
  out.push(...setChanges("language", before.languages, after.languages));
  out.push(...listChanges("category", before.categories, after.categories));
  out.push(...listChanges("team", before.teams, after.teams));
  out.push(...listChanges("disposition", before.dispositions, after.dispositions));
  for (const role of [...new Set([...Object.keys(before.roles), ...Object.keys(after.roles)])]) {
    const b = before.roles[role], a = after.roles[role];
    if (!b) out.push(change("configChange.added", { kind: "role", name: role }));
    else if (!a) out.push(change("configChange.removed", { kind: "role", name: role }));
    else if (!same(b, a)) {
      const plus = a.filter((p) => !b.includes(p)).map((p) => `+${p}`);
      const minus = b.filter((p) => !a.includes(p)).map((p) => `-${p}`);
      out.push(
        plus.length || minus.length
          ? change("configChange.permissions", { role, diff: [...plus, ...minus].join(" ") })
          : change("configChange.permissionsReordered", { role }),
      );
    }
  }
  out.push(...listChanges("source", before.sources, after.sources));
  out.push(...listChanges("agent", before.agents, after.agents, agentChanges(before, after)));
  out.push(
    ...listChanges("replyGroup", before.replyAssistant.groups, after.replyAssistant.groups, (b, a) => [
      ...fieldChanges("replyGroup", b, a, new Set(["entries"])),
      ...listChanges("replyEntry", b.entries, a.entries),
    ]),
  );
  out.push(...listChanges("expert", before.experts, after.experts));
  if (!same(before.cobrowse, after.cobrowse)) out.push(change("configChange.cobrowse", {}));
  const b = before as Record<string, unknown>, a = after as Record<string, unknown>;
  for (const section of new Set([...Object.keys(b), ...Object.keys(a)])) {
    if (KNOWN_SECTIONS.has(section) || same(b[section], a[section])) continue;
    const scalar = (v: unknown) => v === undefined || v === null || typeof v !== "object";
    out.push(
      scalar(b[section]) && scalar(a[section])
        ? change("configChange.scalar", { section, from: show(b[section]), to: show(a[section]) })
        : change("configChange.section", { section }),
    );
  }
  return out;
}

/** One change in `lang`. */
export function renderChange(c: Change, lang: UiLanguage = "en"): string {
  const vars = { ...c.vars };
  if (vars.kind) vars.kind = translate(lang, `configKind.${vars.kind as ChangeKind}`);
  return translate(lang, c.key, vars);
}

export function renderChanges(changes: readonly Change[], lang: UiLanguage = "en"): string[] {
  return changes.map((c) => renderChange(c, lang));
}

/** Changes shown in a version's one-line summary before "and N more changes". */
const SUMMARY_LINES = 8;

/** The one-line summary of `total` changes whose first ones are `changes`. */
export function summarize(
  changes: readonly Change[],
  total = changes.length,
  lang: UiLanguage = "en",
): string {
  if (total === 0) return translate(lang, "configSummary.none");
  const shown = renderChanges(changes.slice(0, SUMMARY_LINES), lang).join("; ");
  const more = total - Math.min(SUMMARY_LINES, changes.length);
  if (more <= 0) return shown;
  return `${shown}; ${
    translate(lang, more === 1 ? "configSummary.moreOne" : "configSummary.more", { count: more })
  }`;
}
