import assert from "node:assert/strict";
import { escapeControls, stripControls } from "./safe_text.ts";

Deno.test("safe text - names lose control and bidi characters, keep every other character", () => {
  assert.equal(stripControls("invoice\u202Efdp.exe"), "invoicefdp.exe");
  assert.equal(stripControls(" Jeanne\u0000\u0007 Dupont\r\n"), "Jeanne Dupont");
  assert.equal(stripControls("Zoë 🎉 \u05E9\u05DC\u05D5\u05DD"), "Zoë 🎉 \u05E9\u05DC\u05D5\u05DD");
  assert.equal(stripControls("\u2066a\u2069\u200Fb\u009Bc"), "abc");
});

Deno.test("safe text - terminal output shows controls as escapes, except the kept ones", () => {
  assert.equal(escapeControls("a\u001b[31mb\u0007"), "a\\u{1b}[31mb\\u{7}");
  assert.equal(escapeControls("x\ny\r", "\n"), "x\ny\\u{d}");
  assert.equal(escapeControls("\u009b2J\u202e"), "\\u{9b}2J\\u{202e}");
});
