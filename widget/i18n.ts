/**
 * The widget's texts, English and French: `catalogue.ts` is generated from the `widget.*` keys
 * of the interface catalogues (lib/shared/i18n/en.ts, fr.ts; `deno task i18n`), so there is one source
 * of every text while widget.js ships only its own.
 */
import { catalogue } from "./catalogue.ts";

export type Texts = typeof catalogue.en;
export type TextKey = keyof Texts;
export type Lang = keyof typeof catalogue;

export function pickLang(wanted: string | null | undefined): Lang {
  const l = (wanted || navigator.language || "en").toLowerCase();
  return l.startsWith("fr") ? "fr" : "en";
}

export function texts(lang: Lang): (key: TextKey, vars?: Record<string, string>) => string {
  const t: Texts = catalogue[lang];
  return (key, vars) => t[key].replace(/\{(\w+)\}/g, (m, k: string) => vars?.[k] ?? m);
}
