import assert from "node:assert/strict";
import { actionLayoutOf, ACTIONS, type Config, parseConfig } from "./config.ts";
import { Invalid } from "./errors.ts";

/** A small valid configuration; tests break one thing at a time. */
// deno-lint-ignore no-explicit-any
const valid = (): any => ({
  teams: [{ id: "support", name: "Support" }, { id: "sales", name: "Sales" }],
  categories: [{ id: "billing", name: "Billing" }],
  dispositions: [{ id: "solved", name: "Solved" }],
  roles: { agent: ["accept", "reply", "complete"] },
  sources: [{
    id: "webchat",
    name: "Web chat",
    kind: "chat",
    group: "realtime",
    secret: "0123456789abcdef0123",
    teams: ["support"],
    defaultLanguage: "en",
  }],
  agents: [
    {
      id: "alice",
      name: "Alice",
      login: "alice",
      password: "secret-pass",
      role: "agent",
      teams: ["support"],
    },
    { id: "bruno", name: "Bruno", login: "bruno", password: "secret-pass", role: "agent", teams: ["sales"] },
  ],
});

/** The `details` of the `Invalid` that parsing throws (fails the test if it does not throw). */
function problems(raw: unknown): { path: string; message: string }[] {
  try {
    parseConfig(raw);
  } catch (e) {
    assert.ok(e instanceof Invalid, `expected Invalid, got ${e}`);
    assert.equal(e.status, 400);
    assert.equal(e.code, "invalid_config");
    return e.details as { path: string; message: string }[];
  }
  assert.fail("the configuration was accepted");
}
const paths = (raw: unknown) => problems(raw).map((p) => p.path).sort();

Deno.test("config - a minimal configuration gets its defaults", () => {
  const c: Config = parseConfig(valid());
  assert.deepEqual(c.routing, {
    strategy: "least_occupied",
    acceptTimeout: null,
    idleTimeout: null,
    awayOnMiss: true,
    stickyWindow: 86400,
  });
  assert.deepEqual(c.channelGroups, {
    realtime: { capacity: 3, maxCapacity: 5, serviceLevel: { target: 0.8, seconds: 20 } },
    async: { capacity: 10, maxCapacity: 20, serviceLevel: { target: 0.8, seconds: 14400 } },
  });
  assert.equal(c.agents[0].disabled, false);
  assert.deepEqual(c.languages, ["en", "fr"]);
  assert.equal(c.sources[0].priority, 0);
  assert.equal(c.sources[0].callbackUrl, null);
  assert.equal(c.sources[0].dispositionRequired, false);
  assert.deepEqual(c.agents[0].capacity, {});
});

Deno.test("config - unknown keys are refused at their own path", () => {
  const raw = valid();
  raw.colour = "blue";
  raw.routing = { strategy: "round_robin", speed: 3 };
  raw.agents[1].nickname = "Bru";
  raw.sources[0].smartClosure = { enabled: true, tone: "warm" };
  const details = problems(raw);
  for (const path of ["colour", "routing.speed", "agents.1.nickname", "sources.0.smartClosure.tone"]) {
    assert.ok(
      details.some((d) => d.path === path && d.message === "unknown key"),
      `${path} in ${JSON.stringify(details)}`,
    );
  }
});

Deno.test("config - every wrong reference is listed at once", () => {
  const raw = valid();
  raw.agents[0].teams = ["support", "ghosts"]; // unknown team
  raw.agents[0].categories = ["billing", "astrology"]; // unknown category
  raw.agents[0].role = "wizard"; // unknown role
  raw.agents[0].capacity = { realtime: { capacity: 6, maxCapacity: 5 } }; // capacity > maxCapacity
  raw.agents[1].languages = ["de"]; // language not configured
  delete raw.agents[1].password; // no password
  raw.sources[0].teams = ["nobody"]; // source serving an unknown team
  raw.sources[0].defaultLanguage = "es";
  raw.channelGroups = { async: { capacity: 30, maxCapacity: 20 } };
  assert.deepEqual(paths(raw), [
    "agents.0.capacity.realtime.capacity",
    "agents.0.categories.1",
    "agents.0.role",
    "agents.0.teams.1",
    "agents.1.languages.0",
    "agents.1.password",
    "channelGroups.async.capacity",
    "sources.0.defaultLanguage",
    "sources.0.teams.0",
  ]);
});

Deno.test("config - messages name the bad reference", () => {
  const raw = valid();
  raw.agents[0].teams = ["ghosts"];
  raw.agents[0].role = "wizard";
  const details = problems(raw);
  assert.ok(details.some((d) => d.path === "agents.0.teams.0" && d.message.includes('"ghosts"')));
  assert.ok(details.some((d) => d.path === "agents.0.role" && d.message.includes('"wizard"')));
});

Deno.test("config - duplicate ids and logins are refused, every duplicate reported", () => {
  const raw = valid();
  raw.teams.push({ id: "support", name: "Support again" });
  raw.agents[1].id = "alice";
  raw.agents[1].login = "ALICE"; // logins are case-insensitive
  raw.sources.push({ ...raw.sources[0] });
  assert.deepEqual(paths(raw), [
    "agents.0.id",
    "agents.0.login",
    "agents.1.id",
    "agents.1.login",
    "sources.0.id",
    "sources.1.id",
    "teams.0.id",
    "teams.2.id",
  ]);
});

Deno.test("config - reference errors are reported together with shape errors", () => {
  const raw = valid();
  raw.agents[0].teams = ["ghosts"];
  raw.sources[0].kind = "pigeon";
  raw.sources[0].secret = "short";
  raw.routing = { strategy: "random" };
  assert.deepEqual(paths(raw), [
    "agents.0.teams.0",
    "routing.strategy",
    "sources.0.kind",
    "sources.0.secret",
  ]);
});

Deno.test("config - a precomputed password hash replaces the password", () => {
  const raw = valid();
  delete raw.agents[0].password;
  raw.agents[0].passwordHash = "pbkdf2-sha256$210000$c2FsdA$aGFzaA";
  assert.equal(parseConfig(raw).agents[0].passwordHash, raw.agents[0].passwordHash);
  raw.agents[0].passwordHash = "md5$abc";
  assert.deepEqual(paths(raw), ["agents.0.passwordHash"]);
});

Deno.test("config - a required disposition needs dispositions to choose from", () => {
  const raw = valid();
  raw.dispositions = [];
  raw.sources[0].dispositionRequired = true;
  assert.deepEqual(paths(raw), ["sources.0.dispositionRequired"]);
});

Deno.test("config - reply assistant entries must use known categories and languages", () => {
  const raw = valid();
  raw.replyAssistant = {
    groups: [{
      id: "g",
      name: "General",
      entries: [{ id: "e", title: "Hi", body: "Hello", language: "it", categories: ["billing", "nope"] }],
    }],
  };
  assert.deepEqual(paths(raw), [
    "replyAssistant.groups.0.entries.0.categories.1",
    "replyAssistant.groups.0.entries.0.language",
  ]);
});

Deno.test("config - a configuration that is not an object is refused", () => {
  for (const raw of [null, 42, "config", []]) {
    assert.ok(problems(raw).length > 0);
  }
  // Teams and roles are required.
  assert.deepEqual(paths({}), ["roles", "teams"]);
});

Deno.test("config - the More actions layout names known roles and actions, each placed once", () => {
  const c = valid();
  c.actionLayout = {
    agent: { icons: ["reply", "lock"], menu: ["lock", "bogus"] },
    ghost: { icons: [] },
  };
  assert.deepEqual(paths(c), [
    "actionLayout.agent.menu.0",
    "actionLayout.agent.menu.1",
    "actionLayout.ghost",
  ]);
  c.actionLayout = { agent: { icons: ["reply", "complete"], menu: ["lock"] } };
  const parsed = parseConfig(c);
  const layout = actionLayoutOf(parsed, "agent");
  assert.deepEqual(layout.icons, ["reply", "complete"]);
  // Every other action sits in the menu after the configured ones: none is lost.
  assert.equal(layout.menu[0], "lock");
  assert.deepEqual([...layout.icons, ...layout.menu].sort(), [...ACTIONS].sort());
  // A role without a layout keeps today's bar: every action an icon.
  assert.deepEqual(actionLayoutOf(parsed, "supervisor"), { icons: [...ACTIONS], menu: [] });
});
