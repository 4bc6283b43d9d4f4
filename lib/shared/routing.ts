/**
 * Routing decisions (SPEC R2–R3, R9): pure functions over candidate agents. The dispatcher
 * feeds them from the available-agents index and commits the result with checks on both the
 * interaction and the chosen agent, so racing dispatchers can never assign twice.
 */
import type { Presence } from "./wire/views.ts";
import type { Capacity, ChannelGroup } from "./config.ts";

export type Strategy = "least_occupied" | "longest_idle" | "round_robin";

export type RoutingRequest = {
  group: ChannelGroup;
  /** Teams whose members may take it (the source's teams, or a transfer's target team). */
  teams: readonly string[];
  categories: readonly string[];
  language: string;
  /** A transfer to a named agent: only that agent, whatever their skills. */
  targetAgentId: string | null;
  /** Agents who missed or declined it in the current round. */
  excludedAgents: readonly string[];
  /** Sticky routing: chosen first when eligible. */
  preferredAgentId: string | null;
};

/**
 * What routing needs to know of an agent: the fields of the agent actor's state it reads,
 * declared here so `lib/` stays below `actors/` (an `AgentState` is a Candidate).
 */
export type Candidate = {
  id: string;
  presence: Presence;
  teams: readonly string[];
  categories: readonly string[];
  languages: readonly string[];
  capacity: Record<ChannelGroup, Capacity>;
  load: Record<ChannelGroup, number>;
  idleSince: string;
  lastOfferedAt: string | null;
};

/** Why an agent is not eligible, or null when it is (R2). */
export function ineligibility(
  agent: Candidate,
  req: RoutingRequest,
  ignoreExclusions = false,
): string | null {
  if (agent.presence !== "available") return "not available";
  if (agent.load[req.group] >= agent.capacity[req.group].capacity) return "at capacity";
  if (!ignoreExclusions && req.excludedAgents.includes(agent.id)) return "missed it this round";
  if (req.targetAgentId !== null) return agent.id === req.targetAgentId ? null : "not the target agent";
  if (!agent.teams.some((t) => req.teams.includes(t))) return "not in a serving team";
  if (!req.categories.every((c) => agent.categories.includes(c))) return "missing a category";
  if (!agent.languages.includes(req.language)) return "does not speak the language";
  return null;
}

const ratio = (a: Candidate, g: ChannelGroup) => {
  const cap = a.capacity[g].capacity;
  return cap === 0 ? Infinity : a.load[g] / cap;
};
/**
 * Parsed times, remembered: the pool's binary searches compare the same few thousand agents'
 * times over and over, and parsing them each time was a visible share of a burst's CPU.
 */
const parsed = new Map<string, number>();
const time = (s: string | null) => {
  if (s === null) return -Infinity;
  let t = parsed.get(s);
  if (t === undefined) {
    if (parsed.size >= 20_000) parsed.clear();
    parsed.set(s, t = Date.parse(s));
  }
  return t;
};
// Not a subtraction: -Infinity - -Infinity is NaN, which would make two never-offered agents
// incomparable and leave the choice to list order.
const cmp = (x: number, y: number) => (x < y ? -1 : x > y ? 1 : 0);

/** Orders two eligible agents by the strategy: negative when `a` should be chosen first. */
export function compareAgents(a: Candidate, b: Candidate, strategy: Strategy, group: ChannelGroup): number {
  const byIdle = cmp(time(a.idleSince), time(b.idleSince));
  const tie = byIdle !== 0 ? byIdle : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  switch (strategy) {
    case "least_occupied": {
      const d = ratio(a, group) - ratio(b, group);
      return d !== 0 ? d : tie;
    }
    case "longest_idle":
      return tie;
    case "round_robin": {
      const d = cmp(time(a.lastOfferedAt), time(b.lastOfferedAt));
      return d !== 0 ? d : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
    }
    default: {
      const never: never = strategy;
      throw new Error(`unknown strategy ${never}`);
    }
  }
}

export type Selection = { agentId: string; newRound: boolean } | null;

/**
 * Picks the agent for an interaction (R3, R9). When every eligible agent has already missed it
 * this round, a new round starts and they become eligible again.
 */
export function selectAgent(
  req: RoutingRequest,
  candidates: readonly Candidate[],
  strategy: Strategy,
): Selection {
  const pick = (ignoreExclusions: boolean) => {
    const eligible = candidates.filter((a) => ineligibility(a, req, ignoreExclusions) === null);
    if (eligible.length === 0) return null;
    const preferred = eligible.find((a) => a.id === req.preferredAgentId);
    if (preferred) return preferred.id;
    return eligible.reduce((best, a) => (compareAgents(a, best, strategy, req.group) < 0 ? a : best)).id;
  };
  const first = pick(false);
  if (first) return { agentId: first, newRound: false };
  if (req.excludedAgents.length === 0) return null;
  const again = pick(true);
  return again ? { agentId: again, newRound: true } : null;
}
