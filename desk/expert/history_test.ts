import assert from "node:assert/strict";
import type { Message } from "../../actors/thread.ts";
import {
  historyLength,
  historyLines,
  historyWindow,
  lineAsText,
  replaceNames,
  structuredText,
} from "./history.ts";

let n = 0;
const m = (type: Message["author"]["type"], body: string, extra: Partial<Message> = {}): Message => ({
  id: `m${++n}`,
  threadId: "t",
  interactionId: "i",
  externalId: null,
  author: {
    type,
    id: type,
    name: type === "customer" ? "Jeanne Dupont" : type === "agent" ? "Alice Martin" : "System",
  },
  body,
  format: "text",
  attachments: [],
  structured: null,
  contextData: null,
  language: null,
  status: "new",
  anonymized: false,
  private: false,
  createdAt: "2026-01-01T00:00:00Z",
  receivedAt: "2026-01-01T00:00:00Z",
  ...extra,
});

Deno.test("expert history - the last 20, private notes never, customer messages only before any agent reply", () => {
  const many = Array.from({ length: 25 }, (_, i) => m(i % 5 === 4 ? "agent" : "customer", `b${i}`));
  const w = historyWindow(many);
  assert.equal(w.length, 20);
  assert.equal(w[0].body, "b5");
  const noAgent = [
    m("customer", "q1"),
    m("system", "auto"),
    m("customer", "q2"),
    m("agent", "note", { private: true }),
  ];
  assert.deepEqual(historyWindow(noAgent).map((x) => x.body), ["q1", "q2"]);
  const withAgent = [m("customer", "q1"), m("system", "auto"), m("agent", "a1")];
  assert.deepEqual(historyWindow(withAgent).map((x) => x.body), ["q1", "auto", "a1"]);
});

Deno.test("expert history - each structured type is copied partially", () => {
  assert.equal(structuredText({ type: "quick_replies", options: [{ label: "Yes" }] }, "Shall we?"), "");
  assert.equal(
    structuredText({ type: "quick_replies", body: "Shall we?", options: [{ label: "Yes" }] }, ""),
    "Shall we?",
  );
  assert.equal(
    structuredText({ type: "rich_link", url: "https://x.io", title: "T", description: "D" }, ""),
    "https://x.io",
  );
  assert.equal(
    structuredText({ type: "template", title: "Order", body: "3 items", buttons: [] }, ""),
    "Order",
  );
  assert.equal(
    structuredText({ type: "carousel", items: [{ title: "First" }, { title: "Second" }] }, ""),
    "First",
  );
  assert.equal(structuredText({ type: "unknown" }, ""), "");
});

Deno.test("expert history - names are replaced whole-word, in French too, and the length counts lines", () => {
  assert.equal(
    replaceNames("Merci Jeanne Dupont, Alice vous rappelle. Jeannette", [
      { name: "Jeanne Dupont", label: "Client" },
      { name: "Alice Martin", label: "Agent" },
    ]),
    "Merci Client, Agent vous rappelle. Jeannette",
  );
  const lines = historyLines([
    m("customer", "Bonjour, Jeanne ici", {
      attachments: [{ url: "https://f/a.png", name: "a.png", contentType: "image/png" }],
    }),
    m("agent", "Bonjour Jeanne"),
  ], {
    lang: "fr",
    customerName: "Jeanne Dupont",
  });
  assert.deepEqual(lines.map(lineAsText), ["Client: Bonjour, Client ici [a.png]", "Agent: Bonjour Client"]);
  assert.equal(historyLength(lines), lineAsText(lines[0]).length + 1 + lineAsText(lines[1]).length);
});
