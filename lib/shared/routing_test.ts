import assert from "node:assert/strict";
import fc from "fast-check";
import { seedFor } from "../../tests/seed.ts";
import {
  type Candidate,
  compareAgents,
  ineligibility,
  type RoutingRequest,
  selectAgent,
  type Strategy,
} from "./routing.ts";

const T0 = Date.parse("2025-03-01T10:00:00.000Z");
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

const agent = (id: string, patch: Partial<Candidate> = {}): Candidate => ({
  id,
  presence: "available",
  teams: ["support"],
  categories: ["billing", "orders"],
  languages: ["en", "fr"],
  capacity: { realtime: { capacity: 2, maxCapacity: 3 }, async: { capacity: 10, maxCapacity: 20 } },
  load: { realtime: 0, async: 0 },
  idleSince: at(0),
  lastOfferedAt: null,
  ...patch,
});

const request = (patch: Partial<RoutingRequest> = {}): RoutingRequest => ({
  group: "realtime",
  teams: ["support"],
  categories: ["billing"],
  language: "en",
  targetAgentId: null,
  excludedAgents: [],
  preferredAgentId: null,
  ...patch,
});

// ---------------------------------------------------------------- eligibility (R2)

Deno.test("routing - an available agent of a serving team with the skills, language and room is eligible", () => {
  assert.equal(ineligibility(agent("a"), request()), null);
});

Deno.test("routing - an agent who is away or offline is not eligible", () => {
  assert.equal(ineligibility(agent("a", { presence: "away" }), request()), "not available");
  assert.equal(ineligibility(agent("a", { presence: "offline" }), request()), "not available");
});

Deno.test("routing - an agent outside every serving team is not eligible", () => {
  assert.equal(ineligibility(agent("a", { teams: ["sales"] }), request()), "not in a serving team");
  assert.equal(ineligibility(agent("a", { teams: [] }), request()), "not in a serving team");
  assert.equal(
    ineligibility(agent("a", { teams: ["sales"] }), request({ teams: ["support", "sales"] })),
    null,
  );
});

Deno.test("routing - an agent needs every required category", () => {
  const a = agent("a", { categories: ["billing"] });
  assert.equal(ineligibility(a, request({ categories: ["billing", "orders"] })), "missing a category");
  assert.equal(ineligibility(a, request({ categories: [] })), null);
});

Deno.test("routing - an agent must speak the interaction's language", () => {
  assert.equal(
    ineligibility(agent("a", { languages: ["fr"] }), request({ language: "en" })),
    "does not speak the language",
  );
});

Deno.test("routing - the soft capacity of the interaction's channel group is the limit for offers", () => {
  const a = agent("a", { load: { realtime: 2, async: 0 } });
  assert.equal(ineligibility(a, request()), "at capacity");
  assert.equal(ineligibility(a, request({ group: "async" })), null, "the other group has room");
  const none = agent("b", {
    capacity: { realtime: { capacity: 0, maxCapacity: 0 }, async: { capacity: 1, maxCapacity: 1 } },
  });
  assert.equal(ineligibility(none, request()), "at capacity");
});

Deno.test("routing - an agent who missed it this round is not eligible", () => {
  assert.equal(ineligibility(agent("a"), request({ excludedAgents: ["a"] })), "missed it this round");
  assert.equal(ineligibility(agent("a"), request({ excludedAgents: ["a"] }), true), null);
});

Deno.test("routing - a transfer to a named agent ignores skills but not presence or capacity", () => {
  const req = request({ targetAgentId: "a", teams: ["sales"], categories: ["technical"], language: "de" });
  const unskilled = agent("a", { teams: [], categories: [], languages: [] });
  assert.equal(ineligibility(unskilled, req), null);
  assert.equal(ineligibility(agent("b"), req), "not the target agent");
  assert.equal(ineligibility({ ...unskilled, presence: "away" }, req), "not available");
  assert.equal(ineligibility({ ...unskilled, load: { realtime: 2, async: 0 } }, req), "at capacity");
});

// ---------------------------------------------------------------- strategies (R3)

Deno.test("routing - least occupied offers to the lowest load ratio", () => {
  const agents = [
    agent("a", { load: { realtime: 1, async: 0 } }), // 1/2
    agent("b", {
      load: { realtime: 1, async: 0 },
      capacity: { ...agent("b").capacity, realtime: { capacity: 4, maxCapacity: 5 } },
    }), // 1/4
    agent("c", { load: { realtime: 0, async: 5 }, idleSince: at(-100) }), // 0/2 in realtime
  ];
  assert.deepEqual(selectAgent(request(), agents, "least_occupied"), { agentId: "c", newRound: false });
  assert.deepEqual(selectAgent(request(), agents.slice(0, 2), "least_occupied"), {
    agentId: "b",
    newRound: false,
  });
});

Deno.test("routing - least occupied breaks ties by the longest idle agent, then by id", () => {
  const agents = [
    agent("a", { idleSince: at(5) }),
    agent("b", { idleSince: at(-5) }),
    agent("c", { idleSince: at(0) }),
  ];
  assert.equal(selectAgent(request(), agents, "least_occupied")?.agentId, "b");
  const same = [agent("z"), agent("m"), agent("q")];
  assert.equal(selectAgent(request(), same, "least_occupied")?.agentId, "m");
});

Deno.test("routing - longest idle offers to whoever has waited longest, whatever their load", () => {
  const agents = [
    agent("a", { idleSince: at(0) }),
    agent("b", { idleSince: at(-30), load: { realtime: 1, async: 0 } }),
  ];
  assert.equal(selectAgent(request(), agents, "longest_idle")?.agentId, "b");
  assert.equal(selectAgent(request(), agents, "least_occupied")?.agentId, "a");
});

Deno.test("routing - round robin offers to whoever was offered work least recently, never-offered first", () => {
  const agents = [
    agent("a", { lastOfferedAt: at(10) }),
    agent("b", { lastOfferedAt: at(5) }),
    agent("c", { lastOfferedAt: at(20) }),
  ];
  assert.equal(selectAgent(request(), agents, "round_robin")?.agentId, "b");
  assert.equal(
    selectAgent(request(), [...agents, agent("d", { lastOfferedAt: null })], "round_robin")?.agentId,
    "d",
  );
});

Deno.test("routing - compareAgents is antisymmetric and zero only for the same agent", () => {
  const a = agent("a");
  const b = agent("b");
  for (const s of ["least_occupied", "longest_idle", "round_robin"] as const) {
    assert.ok(compareAgents(a, b, s, "realtime") < 0);
    assert.ok(compareAgents(b, a, s, "realtime") > 0);
    assert.equal(compareAgents(a, a, s, "realtime"), 0);
  }
});

// ---------------------------------------------------------------- sticky routing, rounds

Deno.test("routing - the preferred (sticky) agent is chosen when eligible, even if others are better", () => {
  const agents = [agent("a", { load: { realtime: 1, async: 0 } }), agent("b")];
  assert.equal(selectAgent(request({ preferredAgentId: "a" }), agents, "least_occupied")?.agentId, "a");
  const away = [{ ...agents[0], presence: "away" as const }, agents[1]];
  assert.equal(selectAgent(request({ preferredAgentId: "a" }), away, "least_occupied")?.agentId, "b");
  const unskilled = [{ ...agents[0], languages: ["fr"] }, agents[1]];
  assert.equal(selectAgent(request({ preferredAgentId: "a" }), unskilled, "least_occupied")?.agentId, "b");
});

Deno.test("routing - agents who missed it are skipped while someone else is eligible", () => {
  const agents = [agent("a", { idleSince: at(-60) }), agent("b")];
  assert.deepEqual(selectAgent(request({ excludedAgents: ["a"] }), agents, "least_occupied"), {
    agentId: "b",
    newRound: false,
  });
});

Deno.test("routing - a new round starts when every eligible agent already missed it", () => {
  const agents = [agent("a", { idleSince: at(-60) }), agent("b"), agent("c", { presence: "away" })];
  assert.deepEqual(selectAgent(request({ excludedAgents: ["a", "b"] }), agents, "least_occupied"), {
    agentId: "a",
    newRound: true,
  });
  // A new round still respects the sticky preference.
  assert.deepEqual(
    selectAgent(request({ excludedAgents: ["a", "b"], preferredAgentId: "b" }), agents, "least_occupied"),
    { agentId: "b", newRound: true },
  );
});

Deno.test("routing - nobody is chosen when nobody is eligible", () => {
  assert.equal(selectAgent(request(), [], "least_occupied"), null);
  assert.equal(selectAgent(request(), [agent("a", { presence: "away" })], "round_robin"), null);
  assert.equal(
    selectAgent(request({ excludedAgents: ["a"] }), [agent("a", { languages: ["fr"] })], "longest_idle"),
    null,
  );
});

// ---------------------------------------------------------------- property

/** R2 restated independently of routing.ts. */
function eligibleOracle(a: Candidate, req: RoutingRequest, ignoreExclusions: boolean): boolean {
  if (a.presence !== "available") return false;
  if (!(a.load[req.group] < a.capacity[req.group].capacity)) return false;
  if (!ignoreExclusions && req.excludedAgents.includes(a.id)) return false;
  if (req.targetAgentId !== null) return a.id === req.targetAgentId;
  return a.teams.some((t) => req.teams.includes(t)) &&
    req.categories.every((c) => a.categories.includes(c)) &&
    a.languages.includes(req.language);
}

/** Strictly better under R3, restated: lexicographic keys, exact ratio comparison by cross-multiplication. */
function strictlyBetter(x: Candidate, y: Candidate, strategy: Strategy, req: RoutingRequest): boolean {
  const g = req.group;
  const idle = (a: Candidate) => Date.parse(a.idleSince);
  const offered = (a: Candidate) => (a.lastOfferedAt === null ? -Infinity : Date.parse(a.lastOfferedAt));
  const lex = (pairs: [number, number][]) => {
    for (const [p, q] of pairs) if (p !== q) return p < q;
    return x.id < y.id;
  };
  switch (strategy) {
    case "least_occupied":
      return lex([[x.load[g] * y.capacity[g].capacity, y.load[g] * x.capacity[g].capacity], [
        idle(x),
        idle(y),
      ]]);
    case "longest_idle":
      return lex([[idle(x), idle(y)]]);
    case "round_robin":
      return lex([[offered(x), offered(y)]]);
  }
}

const IDS = ["a", "b", "c", "d", "e", "f"];
const TEAMS = ["support", "sales"];
const CATEGORIES = ["billing", "orders", "technical"];
const LANGUAGES = ["en", "fr"];
const subset = (xs: string[]) => fc.subarray(xs);
const minute = fc.integer({ min: -3, max: 3 }).map(at);

const candidateArb = (id: string) =>
  fc.record({
    id: fc.constant(id),
    presence: fc.constantFrom("available", "available", "available", "away", "offline") as fc.Arbitrary<
      Candidate["presence"]
    >,
    teams: subset(TEAMS),
    categories: subset(CATEGORIES),
    languages: fc.subarray(LANGUAGES, { minLength: 1 }),
    capacity: fc.record({
      realtime: fc.integer({ min: 0, max: 4 }).map((c) => ({ capacity: c, maxCapacity: c + 1 })),
      async: fc.integer({ min: 0, max: 4 }).map((c) => ({ capacity: c, maxCapacity: c + 2 })),
    }),
    load: fc.record({ realtime: fc.integer({ min: 0, max: 3 }), async: fc.integer({ min: 0, max: 3 }) }),
    idleSince: minute,
    lastOfferedAt: fc.option(minute, { nil: null, freq: 2 }),
  });

// Shuffled, so that the order agents are listed in can never stand in for the tie-break.
const candidatesArb = fc.shuffledSubarray(IDS).chain((ids) => fc.tuple(...ids.map(candidateArb)));
const maybeId = fc.option(fc.constantFrom(...IDS), { nil: null });
const requestArb: fc.Arbitrary<RoutingRequest> = fc.record({
  group: fc.constantFrom("realtime", "async") as fc.Arbitrary<RoutingRequest["group"]>,
  teams: fc.subarray(TEAMS, { minLength: 1 }),
  categories: fc.subarray(CATEGORIES, { maxLength: 1 }),
  language: fc.constantFrom(...LANGUAGES),
  targetAgentId: fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: maybeId }),
  excludedAgents: subset(IDS),
  preferredAgentId: maybeId,
});
const strategyArb = fc.constantFrom("least_occupied", "longest_idle", "round_robin") as fc.Arbitrary<
  Strategy
>;

Deno.test("routing - property: the chosen agent is eligible and no eligible agent is strictly better", () => {
  let chosen = 0;
  fc.assert(
    fc.property(candidatesArb, requestArb, strategyArb, (candidates, req, strategy) => {
      const result = selectAgent(req, candidates, strategy);
      const thisRound = candidates.filter((a) => eligibleOracle(a, req, false));
      const pool = thisRound.length
        ? thisRound
        : req.excludedAgents.length
        ? candidates.filter((a) => eligibleOracle(a, req, true))
        : [];
      if (pool.length === 0) {
        assert.equal(result, null);
        return;
      }
      chosen++;
      assert.ok(result);
      assert.equal(result.newRound, thisRound.length === 0);
      const picked = pool.find((a) => a.id === result.agentId);
      assert.ok(picked, `chose ${result.agentId}, who is not eligible`);
      if (pool.some((a) => a.id === req.preferredAgentId)) {
        assert.equal(result.agentId, req.preferredAgentId);
        return;
      }
      for (const other of pool) {
        assert.ok(
          !strictlyBetter(other, picked, strategy, req),
          `${other.id} beats ${picked.id} under ${strategy}`,
        );
      }
    }),
    { numRuns: 3000, seed: seedFor("routing - property") },
  );
  assert.ok(chosen > 300, `the generator should often produce an eligible agent (${chosen})`);
});
