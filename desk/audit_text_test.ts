import assert from "node:assert/strict";
import type { Actor } from "../actors/interaction.ts";
import { type AuditNames, auditSummary } from "./audit_text.ts";

const names: AuditNames = {
  agent: (id) => ({ alice: "Alice Martin", bob: "Bob Durand" } as Record<string, string>)[id],
  disposition: (id) => (id === "solved" ? "Solved" : undefined),
  category: (id) => (id === "billing" ? "Billing" : undefined),
  team: (id) => (id === "support" ? "Support" : undefined),
};
const alice: Actor = { type: "agent", id: "alice", name: "Alice (old name)" };
const customer: Actor = { type: "customer", id: "c1", name: "Jeanne Dupont" };
const system: Actor = { type: "system", id: null, name: "System" };
const line = (actor: Actor, type: string, details: Record<string, unknown> = {}, lang: "en" | "fr" = "en") =>
  auditSummary({ actor, type, details }, names, lang);

Deno.test("audit text - names the agent from the configuration and the disposition by its name", () => {
  assert.equal(
    line(alice, "completed", { by: "agent", reason: null, disposition: { categoryId: "solved" } }),
    "Alice Martin completed the interaction (disposition: Solved)",
  );
  assert.equal(
    line(alice, "completed", { by: "agent", disposition: { categoryId: "solved" } }, "fr"),
    "Alice Martin a terminé l'interaction (qualification : Solved)",
  );
});

Deno.test("audit text - says which smart-closure ending completed the interaction", () => {
  assert.equal(
    line(customer, "completed", { by: "smart_closure", reason: "customer answered No" }),
    "The customer answered No: completed automatically",
  );
  assert.equal(
    line(system, "completed", { by: "smart_closure", reason: "no answer in time" }),
    "No answer in time: completed automatically",
  );
  assert.equal(
    line(customer, "completed", { by: "smart_closure", reason: "customer closed the conversation" }, "fr"),
    "Le client a fermé la conversation : terminée automatiquement",
  );
});

Deno.test("audit text - describes transfers, messages and thread controls", () => {
  assert.equal(
    line(alice, "transferred", {
      to: { agentId: "bob", categories: ["billing", "x"] },
      comment: "VIP",
      forced: true,
    }),
    "Alice Martin transferred the interaction to Bob Durand, categories Billing, x (forced assignment) “VIP”",
  );
  assert.equal(
    line(customer, "message.customer", { excerpt: "Hello", status: "ignored" }),
    "Jeanne Dupont wrote: “Hello” (ignored)",
  );
  assert.equal(
    line(system, "message.system", { excerpt: "Any other questions?" }),
    "Automated message: “Any other questions?”",
  );
  assert.equal(line(alice, "thread.lock"), "Alice Martin locked the thread");
  assert.equal(line(alice, "thread.mute", {}, "fr"), "Alice Martin a coupé le son du fil");
});

Deno.test("audit text - falls back to a readable line for unknown types and odd details", () => {
  assert.equal(line(alice, "expert.asked"), "Alice Martin: expert asked");
  assert.equal(
    line({ type: "agent", id: "gone", name: "Former Agent" }, "accepted"),
    "Former Agent accepted the interaction",
  );
  assert.equal(line(system, "offered", { agentId: 42 }), "Offered to ?");
  assert.equal(
    line(alice, "deferred", { until: "soon" }),
    "Alice Martin deferred the interaction until soon",
  );
  assert.equal(
    line(alice, "thread.categorized", { categories: [] }),
    "Alice Martin set the thread's categories: none",
  );
});
