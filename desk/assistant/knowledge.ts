/**
 * Knowledge-base entries of the reply assistant (SPEC K1–K3): set by the admin in
 * `replyAssistant.groups`, searched by keyword and expanded from shortcut keywords. The search
 * index is built once per configuration (configurations are replaced whole, never mutated).
 */
import type { Config } from "../../lib/shared/config.ts";
import { TextIndex } from "../../lib/shared/text_search.ts";

export type KbEntry = {
  id: string;
  groupId: string;
  groupName: string;
  title: string;
  body: string;
  shortcut: string | null;
  language: string | null;
  categories: string[];
};

type Kb = { entries: KbEntry[]; byKey: Map<string, KbEntry>; index: TextIndex };

const cache = new WeakMap<Config, Kb>();
/** Entry ids are unique within a group only. */
const keyOf = (e: Pick<KbEntry, "groupId" | "id">) => `${e.groupId}/${e.id}`;

function kbOf(config: Config): Kb {
  let kb = cache.get(config);
  if (kb) return kb;
  const entries: KbEntry[] = config.replyAssistant.groups.flatMap((g) =>
    g.entries.map((e) => ({
      id: e.id,
      groupId: g.id,
      groupName: g.name,
      title: e.title,
      body: e.body,
      shortcut: e.shortcut ?? null,
      language: e.language ?? null,
      categories: e.categories,
    }))
  );
  const index = new TextIndex();
  for (const e of entries) {
    index.add({
      id: keyOf(e),
      language: e.language,
      categories: e.categories,
      fields: [{ text: e.title, weight: 3 }, { text: e.shortcut ?? "", weight: 3 }, {
        text: e.body,
        weight: 1,
      }],
    });
  }
  kb = { entries, byKey: new Map(entries.map((e) => [keyOf(e), e])), index };
  cache.set(config, kb);
  return kb;
}

export type Scope = { language: string | null; categories: readonly string[] };

/** 0: the scope's language (or none) and a shared category (or none required); 1: language only; 2: other. */
function tierOf(e: KbEntry, s: Scope): number {
  if (s.language && e.language && e.language !== s.language) return 2;
  if (!e.categories.length || e.categories.some((c) => s.categories.includes(c))) return 0;
  return 1;
}

/** Every entry by group, those fitting the thread's language and categories first. */
export function listEntries(
  config: Config,
  scope: Scope,
): { id: string; name: string; entries: KbEntry[] }[] {
  const groups = new Map<string, { id: string; name: string; entries: KbEntry[] }>();
  for (const e of kbOf(config).entries.toSorted((a, b) => tierOf(a, scope) - tierOf(b, scope))) {
    let g = groups.get(e.groupId);
    if (!g) groups.set(e.groupId, g = { id: e.groupId, name: e.groupName, entries: [] });
    g.entries.push(e);
  }
  return [...groups.values()];
}

/**
 * Entries matching `query` (title and shortcut count triple), in the thread's language and
 * categories when any match there; an entry without language or categories fits every thread.
 */
export function searchEntries(config: Config, query: string, scope: Scope, limit = 10): KbEntry[] {
  const kb = kbOf(config);
  const q = query.trim().replace(/^[/#]/, "");
  const hits = kb.index.search(q, { language: scope.language, categories: scope.categories, limit: 50 });
  const found = hits.map((h) => kb.byKey.get(h.id)!).filter(Boolean);
  // Titles and shortcuts containing the typed text also count (a shortcut such as "rma2" has no stem).
  const lower = q.toLowerCase();
  for (const e of kb.entries) {
    if (found.length >= 50) break;
    if (
      !found.includes(e) && lower &&
      (e.title.toLowerCase().includes(lower) || e.shortcut?.toLowerCase().startsWith(lower))
    ) {
      found.push(e);
    }
  }
  return found.toSorted((a, b) => tierOf(a, scope) - tierOf(b, scope)).filter((e, _i, all) =>
    tierOf(e, scope) < 2 || all.every((x) => tierOf(x, scope) === 2)
  ).slice(0, limit);
}

/**
 * The entry a shortcut keyword stands for (case-insensitive): the one in the thread's language
 * first, then one without language, then any.
 */
export function entryForShortcut(config: Config, keyword: string, scope: Scope): KbEntry | null {
  const k = keyword.replace(/^[/#]/, "").toLowerCase();
  const all = kbOf(config).entries.filter((e) => e.shortcut?.toLowerCase() === k);
  const rank = (e: KbEntry) =>
    (scope.language && e.language === scope.language ? 0 : !e.language ? 1 : 2) * 10 + tierOf(e, scope);
  return all.toSorted((a, b) => rank(a) - rank(b))[0] ?? null;
}
