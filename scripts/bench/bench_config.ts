/** The bench's generated configuration and credentials, shared by the bench server and its clients. */
import { AGENT_PERMISSIONS } from "../../lib/testing/fixtures.ts";

export const PASSWORD = "bench-password";
export const SOURCE = { id: "webchat", secret: "bench-webchat-secret-0123456789" };
const TEAMS = ["t0", "t1", "t2", "t3"];

/**
 * The raw configuration: `agents` agents spread over 4 teams, all speaking en/fr and handling
 * every category, so any interaction is routable to any of them (each routing decision weighs
 * all N agents). A cheap precomputed hash keeps start-up and sign-in fast: the benchmark
 * measures routing, not PBKDF2.
 */
export function benchConfigRaw(
  agents: number,
  passwordHash: string,
  capacity: number,
): Record<string, unknown> {
  return {
    routing: {
      strategy: "least_occupied",
      acceptTimeout: null,
      idleTimeout: null,
      awayOnMiss: false,
      stickyWindow: 0,
    },
    channelGroups: {
      realtime: { capacity, maxCapacity: capacity },
      async: { capacity, maxCapacity: capacity },
    },
    categories: [{ id: "billing", name: "Billing" }, { id: "tech", name: "Tech" }],
    languages: ["en", "fr"],
    teams: TEAMS.map((id) => ({ id, name: `Team ${id}` })),
    dispositions: [{ id: "solved", name: "Solved" }],
    roles: { agent: AGENT_PERMISSIONS },
    sources: [{
      id: SOURCE.id,
      name: "Web chat",
      kind: "chat",
      group: "realtime",
      secret: SOURCE.secret,
      callbackUrl: null,
      teams: TEAMS,
      defaultLanguage: "en",
    }],
    agents: Array.from({ length: agents }, (_, i) => ({
      id: `a${String(i).padStart(3, "0")}`,
      name: `Agent ${i}`,
      login: `a${String(i).padStart(3, "0")}`,
      passwordHash,
      role: "agent",
      teams: [TEAMS[i % TEAMS.length]],
      categories: ["billing", "tech"],
      languages: ["en", "fr"],
    })),
  };
}
