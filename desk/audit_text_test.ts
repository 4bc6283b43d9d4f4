import assert from "node:assert/strict";
import type { Actor } from "../actors/interaction.ts";
import {
  AUDIT_LANGS,
  AUDIT_TYPES,
  type AuditNames,
  auditSummary,
  type AuditType,
  isAuditType,
} from "./audit_text.ts";

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
  assert.equal(line(alice, "robot.waved"), "Alice Martin: robot waved");
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

// ---- Every audit type written anywhere has a sentence in every language --------------------------------

const ROOTS = ["../desk/", "../actors/"].map((p) => new URL(p, import.meta.url));

async function* sources(dir: URL): AsyncGenerator<{ path: string; text: string }> {
  for await (const e of Deno.readDir(dir)) {
    const url = new URL(e.name + (e.isDirectory ? "/" : ""), dir);
    if (e.isDirectory) yield* sources(url);
    else if (/\.tsx?$/.test(e.name) && !/_test\.tsx?$/.test(e.name)) {
      yield { path: url.pathname, text: await Deno.readTextFile(url) };
    }
  }
}

/** The text of the call whose `(` is at `open` (balanced parentheses; strings are not special-cased). */
function callText(text: string, open: number): string {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === "(") depth++;
    else if (text[i] === ")" && --depth === 0) return text.slice(open, i + 1);
  }
  return text.slice(open);
}

/** The top level of the first object literal in `call`: nested objects (`actor: {…}`) removed, strings kept whole. */
function topLevel(call: string): string {
  let depth = 0, out = "";
  for (let i = 0; i < call.length; i++) {
    const ch = call[i];
    if (ch === '"' || ch === "'" || ch === "`") {
      const close = call.indexOf(ch, i + 1);
      const end = close < 0 ? call.length : close + 1;
      if (depth === 1) out += call.slice(i, end);
      i = end - 1;
      continue;
    }
    if (ch === "{") depth++;
    else if (ch === "}") depth--;
    else if (depth === 1) out += ch;
  }
  return out;
}

/** Dotted string literals (`"cobrowse.accepted"`) in the calls of function `name` in `text`. */
function literalsPassedTo(text: string, name: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(new RegExp(`(?<!function )\\b${name}\\(`, "g"))) {
    const call = callText(text, m.index! + name.length);
    for (const l of call.matchAll(/"([a-z_]+(?:\.[a-z_]+)+)"/g)) out.push(l[1]);
  }
  return out;
}

/** Expansions of the template literals used as audit types (`message.${m.author.type}`). */
async function templateTypes(template: string): Promise<string[] | null> {
  if (template === "message.${m.author.type}") {
    return ["customer", "agent", "system"].map((a) => `message.${a}`);
  }
  if (template === "thread.${cmd.control}") {
    const threads = await Deno.readTextFile(new URL("../actors/thread.ts", import.meta.url));
    const union = threads.match(/export type ThreadControl =([^;]+);/)?.[1] ?? "";
    return [...union.matchAll(/"([a-z_]+)"/g)].map((m) => `thread.${m[1]}`);
  }
  return null;
}

/**
 * The audit types the code writes, read from the source: the `{ type: "audit", action }` effects
 * of the pure decide functions, and every `writeAudit(…)` call — a literal `type`, a template
 * (expanded above), or a parameter of the enclosing function (the literals its callers pass).
 */
async function writtenAuditTypes(): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const add = (type: string, where: string) => found.has(type) || found.set(type, where);
  const all: { path: string; text: string }[] = [];
  for (const root of ROOTS) for await (const source of sources(root)) all.push(source);
  /** The module's own text and those of its siblings importing it (a helper's callers may live there). */
  const withImporters = (path: string, text: string) => {
    const name = path.slice(path.lastIndexOf("/") + 1);
    const dir = path.slice(0, path.lastIndexOf("/") + 1);
    const importers = all.filter((s) => s.path.startsWith(dir) && s.text.includes(`from "./${name}"`));
    return [text, ...importers.map((s) => s.text)].join("\n");
  };
  for (const { path, text } of all) {
    const file = path.slice(path.lastIndexOf("/", path.lastIndexOf("/") - 1) + 1);
    for (const m of text.matchAll(/type:\s*"audit",\s*action:\s*"([^"]+)"/g)) add(m[1], file);
    for (const m of text.matchAll(/type:\s*"audit",\s*action:\s*`([^`]+)`/g)) {
      const types = await templateTypes(m[1]);
      assert.ok(types?.length, `${file}: teach audit_text_test.ts the expansions of \`${m[1]}\``);
      for (const t of types) add(t, file);
    }
    for (const m of text.matchAll(/(?<!function )\bwriteAudit\(/g)) {
      const call = topLevel(callText(text, m.index! + "writeAudit".length));
      const literal = call.match(/\btype:\s*"([^"]+)"/)?.[1];
      const template = call.match(/\btype:\s*`([^`]+)`/)?.[1];
      const variable = call.match(/\btype:\s*([A-Za-z_][\w.]*)\s*[,}]/)?.[1];
      if (literal) add(literal, file);
      else if (template) {
        const types = await templateTypes(template);
        assert.ok(types?.length, `${file}: teach audit_text_test.ts the expansions of \`${template}\``);
        for (const t of types) add(t, file);
      } else if (variable && variable.endsWith(".action")) {
        // The decide functions' audit effects, matched above.
      } else if (variable) {
        const before = text.slice(0, m.index);
        const fn = [...before.matchAll(/function\s+(\w+)\s*\(/g)].pop()?.[1];
        assert.ok(fn, `${file}: writeAudit with type ${variable} outside a named function`);
        const passed = literalsPassedTo(withImporters(path, text), fn);
        assert.ok(passed.length, `${file}: no audit type literal passed to ${fn}(…)`);
        for (const t of passed) add(t, file);
      } else assert.fail(`${file}: cannot read the audit type of ${call.slice(0, 120)}`);
    }
  }
  return found;
}

/** Details as the desk writes them, one sample per type (a new type needs one: `Record<AuditType, …>`). */
const SAMPLES: Record<AuditType, { actor: Actor; details: Record<string, unknown> }[]> = {
  queued: [{ actor: system, details: {} }],
  offered: [{ actor: system, details: { agentId: "alice", acceptDeadline: null } }],
  accepted: [{ actor: alice, details: {} }],
  offer_missed: [{ actor: system, details: { agentId: "alice" } }],
  offer_withdrawn: [{ actor: system, details: { agentId: "alice" } }],
  deferred: [{ actor: alice, details: { until: "2026-11-23T10:00:00.000Z" } }],
  resumed: [{ actor: alice, details: { from: "deferred" } }, {
    actor: alice,
    details: { from: "completed" },
  }],
  returned_from_deferred: [{ actor: system, details: { why: "customer_message" } }],
  requeued_from_deferred: [{ actor: system, details: { why: "timer" } }],
  transferred: [{ actor: alice, details: { to: { teamId: "support" }, comment: null, forced: false } }],
  completed: [
    {
      actor: alice,
      details: { by: "agent", reason: null, disposition: { categoryId: "solved", notes: "Ok" } },
    },
    { actor: customer, details: { by: "smart_closure", reason: "customer answered No", disposition: null } },
    { actor: system, details: { by: "smart_closure", reason: "no answer in time", disposition: null } },
    { actor: customer, details: { by: "smart_closure", reason: "customer closed the conversation" } },
  ],
  smart_closure_started: [
    { actor: alice, details: { waitForReply: false, disposition: null } },
    { actor: alice, details: { waitForReply: true, disposition: { categoryId: "solved" } } },
  ],
  smart_closure_asked: [{ actor: system, details: {} }],
  smart_closure_reopened: [
    { actor: customer, details: { answer: "yes" } },
    { actor: customer, details: { answer: "text", requeued: true } },
  ],
  conversation_closed: [{ actor: customer, details: {} }],
  idle: [{ actor: system, details: {} }],
  "thread.categorized": [{ actor: alice, details: { categories: ["billing"] } }],
  "thread.language_changed": [{ actor: alice, details: { language: "fr" } }],
  "thread.lock": [{ actor: alice, details: {} }],
  "thread.unlock": [{ actor: alice, details: {} }],
  "thread.ignore": [{ actor: alice, details: {} }],
  "thread.unignore": [{ actor: alice, details: {} }],
  "thread.mute": [{ actor: alice, details: {} }],
  "thread.unmute": [{ actor: alice, details: {} }],
  "message.customer": [
    { actor: customer, details: { messageId: "m1", excerpt: "Hello", status: "new", private: false } },
    { actor: customer, details: { messageId: "m2", excerpt: "", status: "new", private: false, files: 2 } },
  ],
  "message.agent": [
    { actor: alice, details: { messageId: "m3", excerpt: "Hi", status: "replied", private: false } },
  ],
  "message.system": [
    { actor: system, details: { messageId: "m4", excerpt: "Any other questions?", private: false } },
    { actor: { type: "system", id: "expert:law", name: "Legal team" }, details: { private: true } },
  ],
  "message.anonymized": [{ actor: alice, details: { messageId: "m1", author: "customer" } }],
  "expert.asked": [{
    actor: alice,
    details: {
      questionId: "q1",
      expertId: "law",
      expertName: "Legal team",
      question: "Refund?",
      sharedMessages: 3,
    },
  }],
  "expert.answered": [{
    actor: { type: "system", id: "expert:law", name: "Legal team" },
    details: { questionId: "q1", expertId: "law", expertName: "Legal team", messageId: "m9" },
  }],
  "cobrowse.requested": [{ actor: alice, details: { sessionId: "s1" } }],
  "cobrowse.accepted": [{ actor: customer, details: { sessionId: "s1" } }],
  "cobrowse.declined": [{ actor: customer, details: { sessionId: "s1" } }],
  "cobrowse.control_taken": [{ actor: alice, details: { sessionId: "s1" } }],
  "cobrowse.control_released": [{ actor: alice, details: { sessionId: "s1" } }],
  "cobrowse.control_revoked": [{ actor: customer, details: { sessionId: "s1" } }],
  "cobrowse.ended": [
    { actor: alice, details: { sessionId: "s1", by: "agent" } },
    { actor: customer, details: { sessionId: "s1", by: "customer" } },
  ],
};

Deno.test("audit text - every audit type written in desk/ and actors/ has its own sentence", async () => {
  const written = await writtenAuditTypes();
  // The scan itself must see the main families, or it is broken rather than the code clean.
  for (const t of ["queued", "completed", "message.customer", "thread.lock", "message.anonymized"]) {
    assert.ok(written.has(t), `the source scan missed ${t}`);
  }
  const missing = [...written].filter(([t]) => !isAuditType(t)).map(([t, f]) => `${t} (${f})`);
  assert.deepEqual(missing, [], "audit types without a sentence in desk/audit_text.ts");
  const stale = AUDIT_TYPES.filter((t) => !written.has(t));
  assert.deepEqual(stale, [], "AUDIT_TYPES lists types nothing writes");
});

Deno.test("audit text - every known type reads as a sentence in English and French", () => {
  for (const type of AUDIT_TYPES) {
    for (const sample of SAMPLES[type]) {
      const texts = AUDIT_LANGS.map((lang) => auditSummary({ type, ...sample }, names, lang));
      for (const [i, text] of texts.entries()) {
        const where = `${type} (${AUDIT_LANGS[i]}) ${JSON.stringify(sample.details)}: ${text}`;
        assert.ok(text.length > 10, where);
        assert.doesNotMatch(text, /undefined|null|\[object|NaN|\?$|“”|« »/, where);
        // Not the generic fallback ("Actor: type words").
        assert.ok(!text.endsWith(type.replace(/[._]/g, " ")), where);
      }
      assert.notEqual(texts[0], texts[1], `${type}: the French text is the English one`);
    }
  }
});

Deno.test("audit text - anonymisation, experts, co-browsing and uploads read naturally", () => {
  assert.equal(
    line(alice, "message.anonymized", { messageId: "m1", author: "customer" }),
    "Alice Martin anonymized a customer message: its content was removed everywhere",
  );
  assert.equal(
    line(alice, "expert.asked", { expertName: "Legal team", question: "Refund?", sharedMessages: 2 }, "fr"),
    "Alice Martin a posé une question à l'expert Legal team : « Refund? » (2 messages partagés)",
  );
  assert.equal(
    line({ type: "system", id: "expert:law", name: "Legal team" }, "expert.answered", {
      expertName: "Legal team",
    }),
    "The expert Legal team answered: private note added to the thread",
  );
  assert.equal(line(customer, "cobrowse.ended", { by: "customer" }), "The customer ended co-browsing");
  assert.equal(
    line(alice, "cobrowse.ended", { by: "agent" }, "fr"),
    "Alice Martin a mis fin à la co-navigation",
  );
  assert.equal(line(customer, "message.customer", { excerpt: "", files: 1 }), "Jeanne Dupont sent 1 file");
  assert.equal(
    line(customer, "message.customer", { excerpt: "See", files: 2 }, "fr"),
    "Jeanne Dupont a écrit : « See » (+2 fichiers)",
  );
  assert.equal(
    line(alice, "completed", { by: "agent", disposition: { categoryId: "solved", notes: "Refunded" } }),
    "Alice Martin completed the interaction (disposition: Solved)",
  );
});
