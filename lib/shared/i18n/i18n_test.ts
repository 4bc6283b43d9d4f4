import assert from "node:assert/strict";
import { en, EN_AREAS } from "./en.ts";
import { fr, FR_AREAS } from "./fr.ts";
import { fromAcceptLanguage, translate } from "./mod.ts";

Deno.test("i18n - the French catalogue has exactly the English keys", () => {
  assert.deepEqual(Object.keys(fr).sort(), Object.keys(en).sort());
});

Deno.test("i18n - each key lives in one area file, and both languages split alike", () => {
  for (const areas of [EN_AREAS, FR_AREAS]) {
    const seen = new Map<string, string>();
    for (const [area, texts] of Object.entries(areas)) {
      for (const key of Object.keys(texts)) {
        assert.ok(!seen.has(key), `${key} is in ${seen.get(key)} and ${area}`);
        seen.set(key, area);
      }
    }
  }
  for (const area of Object.keys(EN_AREAS) as (keyof typeof EN_AREAS)[]) {
    assert.deepEqual(Object.keys(FR_AREAS[area]).sort(), Object.keys(EN_AREAS[area]).sort(), area);
  }
  assert.ok(Object.keys(EN_AREAS.admin).every((k) => !k.startsWith("sup.")));
});

Deno.test("i18n - every placeholder of a string exists in its translation", () => {
  const holes = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  for (const [key, text] of Object.entries(en)) {
    assert.deepEqual(holes(fr[key as keyof typeof en]), holes(text), key);
  }
});

Deno.test("i18n - translate fills placeholders and keeps unknown ones", () => {
  assert.equal(translate("en", "toast.offer", { name: "Jeanne" }), "New interaction from Jeanne");
  assert.equal(translate("fr", "folder.in_progress"), "En cours");
  assert.equal(translate("en", "toast.offer"), "New interaction from {name}");
});

Deno.test("i18n - the browser language picks French or falls back to English", () => {
  assert.equal(fromAcceptLanguage("fr-FR,fr;q=0.9,en;q=0.8"), "fr");
  assert.equal(fromAcceptLanguage("de-DE,en;q=0.5,fr;q=0.7"), "fr");
  assert.equal(fromAcceptLanguage("de"), "en");
  assert.equal(fromAcceptLanguage(undefined), "en");
  assert.equal(fromAcceptLanguage("fr;q=0,en"), "en");
});
