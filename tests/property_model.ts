/**
 * The model of the property suite (tests/property_test.ts): a configuration of twelve agents
 * over three teams, two categories and two languages with small capacities (so queues form),
 * four sources (two with smart closure, one requiring a disposition), and the arbitraries of
 * the operations a run interleaves.
 */
import fc from "fast-check";
import type { Config } from "../lib/shared/config.ts";
import type { Presence } from "../actors/agent.ts";
import { type AgentSpec, testConfig } from "./harness.ts";

const cap = (rt: number, rtMax: number, as: number, asMax: number) => ({
  realtime: { capacity: rt, maxCapacity: rtMax },
  async: { capacity: as, maxCapacity: asMax },
});

export const AGENTS: AgentSpec[] = [
  { id: "a1", teams: ["support"], categories: ["billing"], languages: ["en"], capacity: cap(1, 1, 1, 2) },
  {
    id: "a2",
    teams: ["support"],
    categories: ["billing", "tech"],
    languages: ["en", "fr"],
    capacity: cap(1, 2, 2, 2),
  },
  { id: "a3", teams: ["support"], categories: ["tech"], languages: ["fr"], capacity: cap(2, 2, 1, 1) },
  { id: "a4", teams: ["sales"], categories: [], languages: ["en"], capacity: cap(1, 1, 1, 2) },
  { id: "a5", teams: ["sales"], categories: ["billing"], languages: ["fr", "en"], capacity: cap(1, 2, 2, 2) },
  {
    id: "a6",
    teams: ["support", "sales"],
    categories: ["billing", "tech"],
    languages: ["en"],
    capacity: cap(1, 1, 1, 1),
  },
  {
    id: "a7",
    teams: ["support", "sales"],
    categories: ["tech"],
    languages: ["en", "fr"],
    capacity: cap(2, 2, 2, 2),
  },
  {
    id: "a8",
    teams: ["vip"],
    categories: ["billing", "tech"],
    languages: ["en", "fr"],
    capacity: cap(1, 2, 1, 2),
  },
  {
    id: "a9",
    teams: ["support"],
    categories: ["billing", "tech"],
    languages: ["en"],
    capacity: cap(1, 1, 1, 1),
  },
  { id: "a10", teams: ["sales", "vip"], categories: ["tech"], languages: ["fr"], capacity: cap(1, 2, 1, 2) },
  {
    id: "sup1",
    role: "supervisor",
    teams: ["support", "sales"],
    categories: ["billing", "tech"],
    languages: ["en", "fr"],
    capacity: cap(1, 2, 1, 2),
  },
  {
    id: "sup2",
    role: "supervisor",
    teams: ["vip"],
    categories: ["billing"],
    languages: ["en"],
    capacity: cap(1, 1, 1, 1),
  },
];
export const AGENT_IDS = AGENTS.map((a) => a.id);
export const SUPERVISORS = ["sup1", "sup2"];
export const SOURCES = ["webchat", "mail", "sms", "forum"] as const;
export const TEAMS = ["support", "sales", "vip"];
export const CATEGORIES = ["billing", "tech"];
export const LANGUAGES = ["en", "fr"];

export async function propertyConfig(strategy: string, awayOnMiss: boolean): Promise<Config> {
  const secret = (id: string) => `${id}-secret-0123456789abcdef`;
  return await testConfig({
    routing: { strategy, acceptTimeout: 30, idleTimeout: 600, awayOnMiss, stickyWindow: 3600 },
    teams: TEAMS.map((id) => ({ id, name: id })),
    sources: [
      {
        id: "webchat",
        name: "Web chat",
        kind: "chat",
        group: "realtime",
        secret: secret("webchat"),
        teams: ["support"],
        defaultLanguage: "en",
      },
      {
        id: "mail",
        name: "E-mail",
        kind: "email",
        group: "async",
        secret: secret("mail"),
        teams: ["support", "sales"],
        defaultLanguage: "en",
      },
      {
        id: "sms",
        name: "SMS",
        kind: "messaging",
        group: "realtime",
        secret: secret("sms"),
        teams: ["sales", "vip"],
        defaultLanguage: "fr",
        smartClosure: { enabled: true, timeout: 60, waitForReply: false },
      },
      {
        id: "forum",
        name: "Forum",
        kind: "social",
        group: "async",
        secret: secret("forum"),
        teams: ["vip", "support"],
        defaultLanguage: "en",
        priority: 5,
        dispositionRequired: true,
        smartClosure: { enabled: true, timeout: 60, waitForReply: true },
      },
    ],
  }, AGENTS);
}

// ---- operations -------------------------------------------------------------------------------

export type Who = { kind: "owner" } | { kind: "sup"; i: number } | { kind: "agent"; i: number };
export type Pick = { i: number; relevant: boolean };
export type Target = { agentId: string } | { teamId: string } | { categories: string[] } | {
  language: string;
};
export type Op =
  | {
    t: "inbound";
    source: number;
    thread: number;
    cats: string[];
    lang: string | null;
    quick: "yes" | "no" | null;
    twins: boolean;
  }
  | { t: "duplicate"; i: number }
  | { t: "accept"; pick: Pick; who: Who }
  | { t: "reply"; pick: Pick; who: Who }
  | { t: "defer"; pick: Pick; who: Who; minutes: number }
  | { t: "resume"; pick: Pick; who: Who }
  | { t: "transfer"; pick: Pick; who: Who; target: Target; force: boolean }
  | { t: "complete"; pick: Pick; who: Who; disposition: boolean; waitForReply: boolean | null }
  | { t: "presence"; agent: number; presence: Presence }
  | { t: "closed"; source: number; thread: number }
  | { t: "advance"; seconds: number }
  /** The KV queue hands out a timer message again, or late (it delivers at least once). */
  | { t: "redeliver"; i: number }
  /** An administrator saves a configuration edit (tests/property_config_test.ts only). */
  | { t: "config"; edit: ConfigEdit };
export type Step = Op | { t: "concurrent"; ops: Op[] };

const whoArb: fc.Arbitrary<Who> = fc.oneof(
  { weight: 7, arbitrary: fc.constant({ kind: "owner" as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("sup" as const), i: fc.nat(1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("agent" as const), i: fc.nat(AGENTS.length - 1) }) },
);
const pickArb: fc.Arbitrary<Pick> = fc.record({
  i: fc.nat(1000),
  relevant: fc.constantFrom(true, true, true, true, false),
});
const targetArb: fc.Arbitrary<Target> = fc.oneof(
  fc.record({ agentId: fc.constantFrom(...AGENT_IDS) }),
  fc.record({ teamId: fc.constantFrom(...TEAMS) }),
  fc.record({ categories: fc.subarray(CATEGORIES, { minLength: 1 }) }),
  fc.record({ language: fc.constantFrom(...LANGUAGES) }),
);

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      t: fc.constant("inbound" as const),
      source: fc.nat(SOURCES.length - 1),
      thread: fc.nat(9),
      cats: fc.subarray(CATEGORIES),
      lang: fc.option(fc.constantFrom(...LANGUAGES), { freq: 3 }),
      quick: fc.option(fc.constantFrom("yes" as const, "no" as const), { freq: 3 }),
      twins: fc.constantFrom(false, false, false, false, true),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("duplicate" as const), i: fc.nat(1000) }) },
  { weight: 5, arbitrary: fc.record({ t: fc.constant("accept" as const), pick: pickArb, who: whoArb }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant("reply" as const), pick: pickArb, who: whoArb }) },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant("defer" as const),
      pick: pickArb,
      who: whoArb,
      minutes: fc.integer({ min: 1, max: 90 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("resume" as const), pick: pickArb, who: whoArb }) },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant("transfer" as const),
      pick: pickArb,
      who: whoArb,
      target: targetArb,
      force: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant("complete" as const),
      pick: pickArb,
      who: whoArb,
      disposition: fc.boolean(),
      waitForReply: fc.option(fc.boolean()),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant("presence" as const),
      agent: fc.nat(AGENTS.length - 1),
      presence: fc.constantFrom<Presence>("available", "available", "away", "offline"),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant("closed" as const),
      source: fc.nat(SOURCES.length - 1),
      thread: fc.nat(9),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant("advance" as const),
      seconds: fc.constantFrom(5, 31, 61, 200, 700, 3700),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("redeliver" as const), i: fc.nat(1000) }) },
);
export const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: opArb },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant("concurrent" as const),
      ops: fc.array(opArb, { minLength: 2, maxLength: 4 }),
    }),
  },
);

// ---- configuration edits (SPEC M1: changes at run time between desk actions) ---------------------

export type ConfigEdit =
  | { k: "capacity"; agent: number; group: "realtime" | "async"; capacity: number; extra: number }
  | { k: "group_capacity"; group: "realtime" | "async"; capacity: number; extra: number }
  | { k: "strategy"; strategy: "least_occupied" | "longest_idle" | "round_robin" }
  | { k: "skills"; agent: number; teams: string[]; categories: string[]; languages: string[] }
  | { k: "disable"; agent: number; disabled: boolean };

/** Agents an edit may disable: never the supervisors, whose forced transfers the runs rely on. */
export const DISABLEABLE = AGENT_IDS.filter((id) => !SUPERVISORS.includes(id));

export const configEditArb: fc.Arbitrary<ConfigEdit> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant("capacity" as const),
      agent: fc.nat(AGENTS.length - 1),
      group: fc.constantFrom("realtime" as const, "async" as const),
      capacity: fc.nat(3),
      extra: fc.nat(2),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant("group_capacity" as const),
      group: fc.constantFrom("realtime" as const, "async" as const),
      capacity: fc.nat(3),
      extra: fc.nat(2),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant("strategy" as const),
      strategy: fc.constantFrom("least_occupied" as const, "longest_idle" as const, "round_robin" as const),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant("skills" as const),
      agent: fc.nat(AGENTS.length - 1),
      teams: fc.subarray(TEAMS, { minLength: 1 }),
      categories: fc.subarray(CATEGORIES),
      languages: fc.subarray(LANGUAGES, { minLength: 1 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant("disable" as const),
      agent: fc.nat(DISABLEABLE.length - 1),
      disabled: fc.boolean(),
    }),
  },
);

/** `config` with one edit applied: always a valid configuration. */
export function applyEdit(config: Config, e: ConfigEdit): Config {
  const agent = (i: number, f: (a: Config["agents"][number]) => Config["agents"][number]) => ({
    ...config,
    agents: config.agents.map((a, j) => (j === i ? f(a) : a)),
  });
  switch (e.k) {
    case "capacity":
      return agent(e.agent, (a) => ({
        ...a,
        capacity: { ...a.capacity, [e.group]: { capacity: e.capacity, maxCapacity: e.capacity + e.extra } },
      }));
    case "group_capacity":
      return {
        ...config,
        channelGroups: {
          ...config.channelGroups,
          [e.group]: {
            ...config.channelGroups[e.group],
            capacity: e.capacity,
            maxCapacity: e.capacity + e.extra,
          },
        },
      };
    case "strategy":
      return { ...config, routing: { ...config.routing, strategy: e.strategy } };
    case "skills":
      return agent(
        e.agent,
        (a) => ({ ...a, teams: e.teams, categories: e.categories, languages: e.languages }),
      );
    case "disable": {
      const i = config.agents.findIndex((a) => a.id === DISABLEABLE[e.agent]);
      return agent(i, (a) => ({ ...a, disabled: e.disabled }));
    }
  }
}

/** The desk's steps with configuration edits between them (never inside a concurrent step). */
export const configStepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: stepArb },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("config" as const), edit: configEditArb }) },
);
