/**
 * Interface languages (U7): one catalogue per language, shared by the server render and the
 * browser. Client-safe: no server imports.
 */
import { type Catalogue, en, type MessageKey } from "./en.ts";
import { fr } from "./fr.ts";

export type { Catalogue, MessageKey };
export const UI_LANGUAGES = ["en", "fr"] as const;
export type UiLanguage = (typeof UI_LANGUAGES)[number];

export const catalogues: Record<UiLanguage, Catalogue> = { en, fr };

export type Vars = Record<string, string | number>;

/** The string for `key` in `lang`, with `{name}` placeholders filled from `vars`. */
export function translate(lang: UiLanguage, key: MessageKey, vars?: Vars): string {
  const text = catalogues[lang][key] ?? en[key] ?? key;
  return vars ? text.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m)) : text;
}

export const isUiLanguage = (x: unknown): x is UiLanguage => x === "en" || x === "fr";

/**
 * Picks the interface language from an `Accept-Language` header: the first supported language
 * by quality, else English.
 */
export function fromAcceptLanguage(header: string | null | undefined): UiLanguage {
  if (!header) return "en";
  const ranked = header.split(",").map((part, i) => {
    const [tag, ...params] = part.trim().split(";");
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    return { lang: tag.trim().toLowerCase().split("-")[0], q: q ? Number(q.slice(2)) || 0 : 1, i };
  }).filter((x) => x.q > 0).sort((a, b) => b.q - a.q || a.i - b.i);
  return ranked.map((x) => x.lang).find(isUiLanguage) ?? "en";
}
