import assert from "node:assert/strict";
import { Conflict } from "../lib/shared/errors.ts";
import { iso } from "../lib/shared/time.ts";
import {
  type AgentCommand,
  type AgentProfile,
  type AgentState,
  agentView,
  canTakeBack,
  decideAgent,
  emptyStats,
  newAgent,
} from "./agent.ts";

const T0 = Date.parse("2025-03-01T10:00:00.000Z");
const sec = (n: number) => T0 + n * 1000;

const profile: AgentProfile = {
  id: "alice",
  name: "Alice Martin",
  initials: "AM",
  login: "alice",
  role: "agent",
  teams: ["support"],
  categories: ["billing"],
  languages: ["en", "fr"],
  capacity: { realtime: { capacity: 2, maxCapacity: 3 }, async: { capacity: 10, maxCapacity: 20 } },
};

/** Applies commands in order, checking each decision leaves its input untouched. */
function apply(s: AgentState, ...cmds: AgentCommand[]): AgentState {
  for (const cmd of cmds) {
    const before = structuredClone(s);
    const next = decideAgent(s, cmd);
    assert.deepEqual(s, before, "the input state must not be mutated");
    s = next;
  }
  return s;
}

const available = (load = { realtime: 0, async: 0 }) => ({
  ...apply(newAgent(profile, sec(0)), { type: "set_presence", presence: "available", now: sec(1) }),
  load,
});

Deno.test("agent - a new agent is offline, idle since creation, with no load and no stats", () => {
  const a = newAgent(profile, sec(0));
  assert.equal(a.presence, "offline");
  assert.equal(a.presenceSince, iso(sec(0)));
  assert.equal(a.idleSince, iso(sec(0)));
  assert.deepEqual(a.load, { realtime: 0, async: 0 });
  assert.equal(a.lastOfferedAt, null);
  assert.deepEqual(a.stats, emptyStats());
});

Deno.test("agent - becoming available with no work restarts the idle clock", () => {
  const a = apply(newAgent(profile, sec(0)), { type: "set_presence", presence: "available", now: sec(30) });
  assert.equal(a.presence, "available");
  assert.equal(a.presenceSince, iso(sec(30)));
  assert.equal(a.idleSince, iso(sec(30)));
});

Deno.test("agent - becoming available while holding work keeps the idle clock", () => {
  const busy = { ...newAgent(profile, sec(0)), presence: "away" as const, load: { realtime: 0, async: 1 } };
  const a = apply(busy, { type: "set_presence", presence: "available", now: sec(30) });
  assert.equal(a.presenceSince, iso(sec(30)));
  assert.equal(a.idleSince, iso(sec(0)));
});

Deno.test("agent - going away or offline changes presence but not the idle clock", () => {
  const a = available();
  for (const presence of ["away", "offline"] as const) {
    const b = apply(a, { type: "set_presence", presence, now: sec(60) });
    assert.equal(b.presence, presence);
    assert.equal(b.presenceSince, iso(sec(60)));
    assert.equal(b.idleSince, a.idleSince);
  }
});

Deno.test("agent - setting the same presence again changes nothing", () => {
  const a = available();
  assert.equal(decideAgent(a, { type: "set_presence", presence: "available", now: sec(99) }), a);
});

Deno.test("agent - occupying takes one unit of the group's load, and an offer counts and stamps round robin", () => {
  const a = apply(available(), { type: "occupy", group: "realtime", now: sec(5), offer: true });
  assert.deepEqual(a.load, { realtime: 1, async: 0 });
  assert.equal(a.lastOfferedAt, iso(sec(5)));
  assert.equal(a.stats.offered, 1);
  const b = apply(a, { type: "occupy", group: "async", now: sec(6) });
  assert.deepEqual(b.load, { realtime: 1, async: 1 });
  assert.equal(b.lastOfferedAt, iso(sec(5)), "only offers move the round-robin stamp");
  assert.equal(b.stats.offered, 1);
});

Deno.test("agent - occupying may pass the soft capacity but never the hard limit", () => {
  let a = available();
  for (let i = 0; i < 3; i++) a = apply(a, { type: "occupy", group: "realtime", now: sec(i) });
  assert.equal(a.load.realtime, 3, "soft capacity 2 is not a wall");
  assert.throws(
    () => decideAgent(a, { type: "occupy", group: "realtime", now: sec(9) }),
    (e) => e instanceof Conflict && e.code === "capacity_full",
  );
  // The other group has its own limit.
  assert.equal(apply(a, { type: "occupy", group: "async", now: sec(9) }).load.async, 1);
});

Deno.test("agent - a forced occupy passes the hard limit", () => {
  const full = available({ realtime: 3, async: 0 });
  const a = apply(full, { type: "occupy", group: "realtime", now: sec(9), force: true });
  assert.equal(a.load.realtime, 4);
});

Deno.test("agent - releasing frees one unit, restarts the idle clock and never goes below zero", () => {
  const a = apply(available({ realtime: 2, async: 0 }), { type: "release", group: "realtime", now: sec(40) });
  assert.deepEqual(a.load, { realtime: 1, async: 0 });
  assert.equal(a.idleSince, iso(sec(40)));
  const b = apply(a, { type: "release", group: "realtime", now: sec(41) }, {
    type: "release",
    group: "realtime",
    now: sec(42),
  });
  assert.deepEqual(b.load, { realtime: 0, async: 0 });
  assert.deepEqual(apply(b, { type: "release", group: "async", now: sec(43) }).load, {
    realtime: 0,
    async: 0,
  });
});

Deno.test("agent - a missed offer frees the unit, counts the miss and sets the agent away when configured", () => {
  const offered = apply(available(), { type: "occupy", group: "realtime", now: sec(5), offer: true });
  const away = apply(offered, { type: "missed", group: "realtime", awayOnMiss: true, now: sec(50) });
  assert.equal(away.load.realtime, 0);
  assert.equal(away.stats.missed, 1);
  assert.equal(away.presence, "away");
  assert.equal(away.presenceSince, iso(sec(50)));
  const stays = apply(offered, { type: "missed", group: "realtime", awayOnMiss: false, now: sec(50) });
  assert.equal(stays.presence, "available");
  assert.equal(stays.presenceSince, offered.presenceSince);
  assert.equal(stays.stats.missed, 1);
});

Deno.test("agent - a miss does not bring an offline agent back as away", () => {
  const offline = { ...available({ realtime: 1, async: 0 }), presence: "offline" as const };
  const a = apply(offline, { type: "missed", group: "realtime", awayOnMiss: true, now: sec(50) });
  assert.equal(a.presence, "offline");
  assert.equal(a.load.realtime, 0);
});

Deno.test("agent - productivity counters add up accepts, first responses, completions and transfers", () => {
  const a = apply(
    available(),
    { type: "accepted" },
    { type: "accepted" },
    { type: "first_response", ms: 1500 },
    { type: "first_response", ms: 500 },
    { type: "completed", handleMs: 60_000 },
    { type: "completed", handleMs: null },
    { type: "transferred_out" },
  );
  assert.deepEqual(a.stats, {
    offered: 0,
    accepted: 2,
    missed: 0,
    completed: 2,
    transferredOut: 1,
    firstResponseMsTotal: 2000,
    firstResponseCount: 2,
    // A completion with no accept time (never accepted) counts as completed but not in handle time.
    handleMsTotal: 60_000,
    handleCount: 1,
  });
});

Deno.test("agent - a profile sync replaces the profile and keeps presence, load and stats", () => {
  const a = apply(available({ realtime: 1, async: 2 }), { type: "accepted" });
  const b = apply(a, {
    type: "sync_profile",
    profile: { ...profile, name: "Alice M.", teams: ["sales"] },
    now: sec(9),
  });
  assert.equal(b.name, "Alice M.");
  assert.deepEqual(b.teams, ["sales"]);
  assert.equal(b.presence, "available");
  assert.deepEqual(b.load, { realtime: 1, async: 2 });
  assert.equal(b.stats.accepted, 1);
});

Deno.test("agent - the UI language is kept and shown in the public view without secrets", () => {
  const a = apply(available(), { type: "set_ui_language", language: "fr" });
  const v = agentView(a);
  assert.equal(v.uiLanguage, "fr");
  assert.equal(v.login, "alice");
  assert.deepEqual(Object.keys(v).filter((k) => /password|hash/i.test(k)), []);
});

Deno.test("agent - the owner takes an interaction back only while available and below its hard capacity", () => {
  assert.equal(
    canTakeBack(available({ realtime: 2, async: 0 }), "realtime"),
    true,
    "above the soft capacity",
  );
  assert.equal(canTakeBack(available({ realtime: 3, async: 0 }), "realtime"), false, "at the hard capacity");
  assert.equal(canTakeBack(available({ realtime: 3, async: 0 }), "async"), true, "per channel group");
  const away = apply(available(), { type: "set_presence", presence: "away", now: sec(60) });
  assert.equal(canTakeBack(away, "realtime"), false);
  assert.equal(canTakeBack(null, "realtime"), false, "an unknown agent");
});
