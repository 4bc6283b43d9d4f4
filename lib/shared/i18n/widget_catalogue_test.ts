import assert from "node:assert/strict";
import { catalogue } from "../../../widget/catalogue.ts";
import { widgetCatalogue } from "./widget_catalogue.ts";

Deno.test("i18n - widget/catalogue.ts is the widget.* cut of the catalogues (run `deno task i18n` if not)", () => {
  assert.deepEqual(catalogue, widgetCatalogue());
});

Deno.test("i18n - the widget catalogue holds its texts in English and French, and nothing else", () => {
  const { en, fr } = widgetCatalogue();
  assert.ok(Object.keys(en).length >= 20);
  assert.deepEqual(Object.keys(fr).sort(), Object.keys(en).sort());
  assert.equal(en.send, "Send");
  assert.equal(fr.send, "Envoyer");
  assert.ok(!("action.accept" in en), "no desk text in the widget's catalogue");
});
