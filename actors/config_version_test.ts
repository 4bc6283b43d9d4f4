import assert from "node:assert/strict";
import { type Config, parseConfig } from "../lib/shared/config.ts";
import { PreconditionFailed } from "../lib/shared/errors.ts";
import { iso } from "../lib/shared/time.ts";
import {
  type ConfigCommand,
  type ConfigDecision,
  type ConfigHeadState,
  decideConfig,
  rotateSecrets,
  summaryOf,
  versionView,
} from "./config_version.ts";
import { describeChanges, renderChanges, stableJson } from "./config_diff.ts";

const T0 = Date.parse("2026-12-01T10:00:00.000Z");
const HASH = "pbkdf2-sha256$1$AAAA$AAAA";
const ROOT = { type: "agent" as const, id: "root", name: "Root" };

const base = (): Config =>
  parseConfig({
    teams: [{ id: "support", name: "Support" }],
    categories: [{ id: "billing", name: "Billing" }],
    roles: { agent: ["accept", "reply"], admin: ["admin"] },
    sources: [{
      id: "webchat",
      name: "Web chat",
      kind: "chat",
      group: "realtime",
      secret: "old-secret-0123456789",
      teams: ["support"],
      defaultLanguage: "en",
    }],
    agents: [{
      id: "alice",
      name: "Alice Martin",
      login: "alice",
      passwordHash: HASH,
      role: "agent",
      teams: ["support"],
      capacity: { realtime: { capacity: 2, maxCapacity: 3 } },
    }],
  });

const head = (config = base(), version = 4): ConfigHeadState => ({ version, payload: { config, grace: [] } });

/** Runs a command and checks the decision is pure (inputs untouched). */
function run(h: ConfigHeadState, cmd: ConfigCommand, now = T0): ConfigDecision {
  const before = structuredClone({ h, cmd });
  const d = decideConfig(h, cmd, { now });
  assert.deepEqual({ h, cmd }, before, "the inputs must not be mutated");
  return d;
}

const edit = (patch: (c: Config) => Config) => patch(structuredClone(base()));

Deno.test("config version - the first import is version 1 by the file", () => {
  const d = run(null, { type: "import_file", config: base(), fileHash: "h1" });
  assert.equal(d.type, "new_version");
  if (d.type !== "new_version") return;
  assert.equal(d.record.version, 1);
  assert.equal(d.record.actor.type, "file");
  assert.equal(d.record.at, iso(T0));
  assert.deepEqual(d.effects.map((e) => e.type), ["file_imported", "audit"]);
  assert.equal(summaryOf(d.record), "initial configuration from the configuration file");
  assert.equal(summaryOf(d.record, "fr"), "configuration initiale depuis le fichier de configuration");
});

Deno.test("config version - a save is the next version, summarised in words", () => {
  const next = edit((c) => ({
    ...c,
    agents: c.agents.map((a) => ({ ...a, capacity: { realtime: { capacity: 3, maxCapacity: 3 } } })),
  }));
  const d = run(head(), { type: "put", config: next, actor: ROOT, expected: 4 });
  assert.equal(d.type, "new_version");
  if (d.type !== "new_version") return;
  assert.equal(d.record.version, 5);
  assert.deepEqual(d.record.actor, ROOT);
  assert.equal(summaryOf(d.record), "realtime capacity of Alice Martin 2 → 3");
  // Worded when read, in the reader's language.
  assert.equal(summaryOf(d.record, "fr"), "capacité realtime de Alice Martin 2 → 3");
  assert.deepEqual(d.payload.config, next);
});

Deno.test("config version - a stale expected version is refused with the current one", () => {
  assert.throws(
    () => run(head(), { type: "put", config: base(), actor: ROOT, expected: 3 }),
    (e) =>
      e instanceof PreconditionFailed && e.status === 412 && (e.details as { version: number }).version === 4,
  );
  assert.throws(() => run(head(), { type: "restore", from: 1, config: base(), actor: ROOT, expected: 2 }));
  // No expectation: last writer wins, on top of whatever is current.
  assert.equal(run(head(), { type: "put", config: base(), actor: ROOT, expected: null }).type, "unchanged");
});

Deno.test("config version - saving what is already there makes no version", () => {
  // Key order does not matter.
  const reordered = JSON.parse(stableJson(base())) as Config;
  assert.deepEqual(run(head(), { type: "put", config: reordered, actor: ROOT, expected: 4 }), {
    type: "unchanged",
    effects: [],
  });
});

Deno.test("config version - restore names the version it restored", () => {
  const old = edit((c) => ({ ...c, routing: { ...c.routing, strategy: "round_robin" } }));
  const d = run(head(), { type: "restore", from: 2, config: old, actor: ROOT, expected: null });
  assert.equal(d.type, "new_version");
  if (d.type !== "new_version") return;
  assert.equal(d.record.restoredFrom, 2);
  assert.equal(summaryOf(d.record), "restored version 2: routing strategy least_occupied → round_robin");
  assert.equal(
    summaryOf(d.record, "fr"),
    "version 2 restaurée : routing strategy least_occupied → round_robin",
  );
  const audit = d.effects.find((e) => e.type === "audit");
  assert.ok(audit?.type === "audit" && audit.action === "config.restore");
  assert.equal(summaryOf(audit.facts), summaryOf(d.record));
});

Deno.test("config version - a replaced secret keeps verifying for the grace period, then not", () => {
  const rotated = edit((c) => ({
    ...c,
    sources: c.sources.map((s) => ({ ...s, secret: "new-secret-0123456789" })),
  }));
  const d = run(head(), { type: "put", config: rotated, actor: ROOT, expected: null });
  assert.equal(d.type, "new_version");
  if (d.type !== "new_version") return;
  assert.equal(summaryOf(d.record), "secret of source Web chat rotated");
  assert.ok(!JSON.stringify(d.record).includes("secret-0123"), "a secret never shows in a version record");
  assert.deepEqual(d.payload.grace, [
    { kind: "source", id: "webchat", secret: "old-secret-0123456789", until: T0 + 86_400_000 },
  ]);
  // A later unrelated change carries the grace entry while it lasts, and drops it after.
  const later = { ...rotated, routing: { ...rotated.routing, awayOnMiss: false } };
  const during = rotateSecrets(d.payload, later, T0 + 3600_000);
  assert.equal(during.length, 1);
  assert.deepEqual(rotateSecrets(d.payload, later, T0 + 86_400_001), []);
  // Rotating back to the old secret: it is current again, no grace entry needed.
  assert.deepEqual(rotateSecrets(d.payload, base(), T0 + 60_000).map((g) => g.secret), [
    "new-secret-0123456789",
  ]);
  // The grace period is configurable.
  const short = { ...rotated, secretGracePeriod: 60 };
  assert.equal(rotateSecrets(head()!.payload, short, T0)[0].until, T0 + 60_000);
});

Deno.test("config diff - names every kind of change without showing secrets", () => {
  const next = edit((c) => ({
    ...c,
    languages: ["en", "fr", "de"],
    teams: [...c.teams, { id: "sales", name: "Sales" }],
    categories: [],
    roles: { ...c.roles, agent: ["accept", "lock"] },
    agents: [
      { ...c.agents[0], disabled: true, passwordHash: "pbkdf2-sha256$1$BBBB$BBBB", languages: ["en", "fr"] },
      { ...c.agents[0], id: "bob", name: "Bob", login: "bob" },
    ],
  }));
  assert.deepEqual(renderChanges(describeChanges(base(), next)), [
    "language de added",
    "category Billing removed",
    "team Sales added",
    "role agent permissions +lock -reply",
    "agent Alice Martin disabled",
    "agent Alice Martin: languages [] → [en, fr]",
    "password of Alice Martin reset",
    "agent Bob added",
  ]);
  assert.deepEqual(renderChanges(describeChanges(base(), next), "fr"), [
    "langue de : ajout",
    "catégorie Billing : suppression",
    "équipe Sales : ajout",
    "permissions du rôle agent +lock -reply",
    "agent Alice Martin : désactivation",
    "agent Alice Martin : languages [] → [en, fr]",
    "mot de passe de Alice Martin : réinitialisation",
    "agent Bob : ajout",
  ]);
  const many = { ...base(), languages: ["en", "fr", "de", "es", "it", "nl", "pt", "pl", "sv", "da", "fi"] };
  const record = run(head(), { type: "put", config: many, actor: ROOT, expected: null });
  assert.ok(record.type === "new_version");
  assert.match(summaryOf(record.record), /^language de added; .*; language da added; and 1 more change$/);
  assert.match(summaryOf(record.record, "fr"), /; et 1 autre changement$/);
  assert.equal(summaryOf({ origin: "put", restoredFrom: null, changes: [], total: 0 }), "no change");
});

Deno.test("config version - a huge change keeps a version record well under the 64 KiB value limit", () => {
  const agents = Array.from({ length: 500 }, (_, i) => ({
    ...base().agents[0],
    id: `agent-${i}`,
    login: `agent-${i}`,
    name: `${"N".repeat(190)} ${i}`,
  }));
  const d = run(head(), { type: "put", config: { ...base(), agents }, actor: ROOT, expected: null });
  assert.equal(d.type, "new_version");
  if (d.type !== "new_version") return;
  assert.equal(d.record.changes.length, 100);
  const view = versionView(d.record);
  assert.equal(view.changes.length, 101);
  assert.equal(view.changes.at(-1), "and 401 more changes");
  assert.ok(new TextEncoder().encode(JSON.stringify(d.record)).length < 32 * 1024);
});
