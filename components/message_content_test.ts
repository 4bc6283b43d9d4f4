import assert from "node:assert/strict";
import { LONG_MESSAGE, textPreview } from "./message_content.tsx";

Deno.test("message content - short texts are shown whole", () => {
  assert.equal(textPreview("Hello"), null);
  assert.equal(textPreview("x".repeat(LONG_MESSAGE)), null);
  assert.equal(textPreview("line\n".repeat(20)), null);
});

Deno.test("message content - a long text folds to its first words, cut at a blank", () => {
  const long = "word ".repeat(4000).trim();
  const p = textPreview(long)!;
  assert.ok(p.length < 1000, `${p.length}`);
  assert.ok(p.endsWith("word…"), p.slice(-10));
  // One unbroken run has no blank to cut at: it is cut by length.
  const run = textPreview("x".repeat(20_000))!;
  assert.equal(run.length, 901);
});

Deno.test("message content - many short lines fold too", () => {
  const p = textPreview(Array.from({ length: 100 }, (_, i) => `line ${i}`).join("\n"))!;
  assert.equal(p.split("\n").length, 24);
  assert.ok(p.endsWith("line 23…"));
});
