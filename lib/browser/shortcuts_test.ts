import assert from "node:assert/strict";
import { replaceRange, shortcutAt } from "./shortcuts.ts";

Deno.test("shortcuts - a /keyword at the start or after a blank is found before the caret", () => {
  assert.deepEqual(shortcutAt("/hello", 6), { keyword: "hello", start: 0, end: 6 });
  assert.deepEqual(shortcutAt("Hi\n/bye", 7), { keyword: "bye", start: 3, end: 7 });
  assert.deepEqual(shortcutAt("see /refund later", 11), { keyword: "refund", start: 4, end: 11 });
});

Deno.test("shortcuts - slashes inside words, URLs and empty keywords are not shortcuts", () => {
  assert.equal(shortcutAt("and/or", 6), null);
  assert.equal(shortcutAt("https://x.io/hello", 18), null);
  assert.equal(shortcutAt("/", 1), null);
  assert.equal(shortcutAt("/hello world", 12), null);
});

Deno.test("shortcuts - replacing a range puts the caret after the inserted text", () => {
  assert.deepEqual(replaceRange("a /hello b", 2, 8, "Hello!"), { text: "a Hello! b", caret: 8 });
});
