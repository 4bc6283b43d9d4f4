import assert from "node:assert/strict";
import { termsOf, TextIndex } from "./text_search.ts";

Deno.test("text search - French and English words are stemmed, accents folded, stop words dropped", () => {
  assert.deepEqual(termsOf("Les factures facturées", "fr"), termsOf("facture facturé", "fr"));
  assert.deepEqual(termsOf("The invoices", "en"), ["invoic"]);
  assert.deepEqual(termsOf("Été", null), ["ete"]);
});

Deno.test("text search - ranks by relevance, prefers the language and categories, removes documents", () => {
  const ix = new TextIndex();
  const doc = (id: string, text: string, language: string | null, categories: string[] = []) =>
    ix.add({ id, language, categories, fields: [{ text, weight: 1 }] });
  doc("en1", "refund of my invoice", "en");
  doc("en2", "invoice invoice address", "en", ["billing"]);
  doc("fr1", "remboursement de ma facture", "fr");
  assert.deepEqual(ix.search("invoices ", { language: "en" }).map((h) => h.id), ["en2", "en1"]);
  assert.deepEqual(ix.search("invoice refund ", { language: "en" }).map((h) => h.id)[0], "en1");
  assert.deepEqual(ix.search("invoice ", { language: "en", categories: ["billing"] }).map((h) => h.tier), [
    0,
    1,
  ]);
  assert.deepEqual(ix.search("factures ", { language: "fr" }).map((h) => h.id), ["fr1"]);
  // Typing: the last word is a prefix.
  assert.deepEqual(ix.search("rembour", { language: "fr" }).map((h) => h.id), ["fr1"]);
  // Another language only when nothing matches in the thread's.
  assert.deepEqual(ix.search("invoice ", { language: "fr" }).map((h) => [h.id, h.tier]), [["en2", 2], [
    "en1",
    2,
  ]]);
  assert.equal(ix.remove("en2"), true);
  ix.add({ id: "en1", language: "en", categories: [], fields: [{ text: "delivery delay", weight: 1 }] });
  assert.deepEqual(ix.search("invoice ", { language: "en" }), []);
  ix.compact();
  assert.equal(ix.size, 2);
  assert.deepEqual(ix.search("delay ", { language: "en" }).map((h) => h.id), ["en1"]);
});
