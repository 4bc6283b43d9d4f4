/**
 * Test data shared by the suites, scripts and benchmarks (which must not import tests/): the
 * test configuration builders and small waiting helpers. Pure configuration and timing over
 * lib/ only; the suites reach it through tests/harness.ts, which re-exports it.
 */
import { type Config, parseConfig, type Permission, PERMISSIONS } from "../shared/config.ts";
import { hashPassword } from "../server/crypto.ts";

export const PASSWORD = "test-password";

/**
 * Settles like `p`, or rejects after `ms` with "timed out after … s: `what`": every wait in the
 * test helpers is bounded so a stuck test fails with a message instead of blocking CI. The
 * timer is cleared as soon as `p` settles (no op left behind for the sanitizers).
 */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms / 1000} s: ${what}`)), ms);
  });
  return Promise.race([p, expired]).finally(() => clearTimeout(timer));
}

let hashed: Promise<string> | null = null;
/** One PBKDF2 hash for every test agent (hashing is deliberately slow). */
export const passwordHash = () => (hashed ??= hashPassword(PASSWORD));

export type AgentSpec = {
  id: string;
  role?: string;
  teams?: string[];
  categories?: string[];
  languages?: string[];
  capacity?: Record<string, { capacity: number; maxCapacity: number }>;
};

const NOT_EVERYDAY: readonly Permission[] = [
  "force_transfer",
  "supervise",
  "ask_expert",
  "cobrowse",
  "anonymize",
  "admin",
];
/**
 * The everyday permissions of the test `agent` role: no supervision, expert, co-browsing,
 * anonymisation or admin (tests that need one add it through `testRoles`).
 */
export const AGENT_PERMISSIONS: readonly Permission[] = PERMISSIONS.filter((p) => !NOT_EVERYDAY.includes(p));

/**
 * The test roles: `agent` holds the everyday permissions plus `agentExtra`; `supervisor` holds
 * the agent's plus force_transfer, supervise and `supervisorExtra`; `readonly` holds none.
 */
export function testRoles(
  agentExtra: Permission[] = [],
  supervisorExtra: Permission[] = [],
): Record<"agent" | "supervisor" | "readonly", Permission[]> {
  const agent = [...AGENT_PERMISSIONS, ...agentExtra];
  return {
    agent,
    supervisor: [...agent, "force_transfer", "supervise", ...supervisorExtra],
    readonly: [],
  };
}

/** The routing section of the test configuration, with overrides. */
export function testRouting(patch: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    strategy: "least_occupied",
    acceptTimeout: null,
    idleTimeout: null,
    awayOnMiss: true,
    stickyWindow: 86400,
    ...patch,
  };
}

export const TEST_SOURCES = {
  webchat: {
    id: "webchat",
    name: "Web chat",
    kind: "chat",
    group: "realtime",
    secret: "webchat-secret-0123456789",
    teams: ["support"],
    defaultLanguage: "en",
  },
  mail: {
    id: "mail",
    name: "E-mail",
    kind: "email",
    group: "async",
    secret: "mail-secret-0123456789ab",
    teams: ["support", "sales"],
    defaultLanguage: "en",
  },
  wa: {
    id: "wa",
    name: "WhatsApp",
    kind: "messaging",
    group: "realtime",
    secret: "wa-secret-0123456789abcd",
    teams: ["support"],
    defaultLanguage: "fr",
  },
};

/**
 * A test source with overrides: `webchat` (chat, realtime, support, English), `mail` (email,
 * async, support and sales) or `wa` (messaging, realtime, French). No callback URL unless given.
 */
export function testSource(
  id: keyof typeof TEST_SOURCES,
  over: Record<string, unknown> = {},
): Record<string, unknown> {
  return { ...TEST_SOURCES[id], callbackUrl: null, ...over };
}

/**
 * A small valid configuration (the one builder the test suites share): routing, roles and
 * sources from `testRouting`, `testRoles` and `testSource`; `patch` overrides top-level sections.
 */
export async function testConfig(patch: Record<string, unknown> = {}, agents?: AgentSpec[]): Promise<Config> {
  const hash = await passwordHash();
  const list = agents ?? [
    { id: "alice", categories: ["billing"], languages: ["en", "fr"] },
    { id: "bob", categories: ["billing", "tech"], languages: ["en"] },
    { id: "sup", role: "supervisor", categories: ["billing", "tech"], languages: ["en", "fr"] },
  ];
  const raw = {
    routing: testRouting(),
    channelGroups: { realtime: { capacity: 2, maxCapacity: 3 }, async: { capacity: 5, maxCapacity: 8 } },
    categories: [{ id: "billing", name: "Billing" }, { id: "tech", name: "Tech" }],
    languages: ["en", "fr"],
    teams: [{ id: "support", name: "Support" }, { id: "sales", name: "Sales" }],
    dispositions: [{ id: "solved", name: "Solved" }],
    roles: testRoles(),
    sources: [testSource("webchat"), testSource("mail")],
    agents: list.map((a) => ({
      id: a.id,
      name: a.id[0].toUpperCase() + a.id.slice(1),
      login: a.id,
      passwordHash: hash,
      role: a.role ?? "agent",
      teams: a.teams ?? ["support"],
      categories: a.categories ?? [],
      languages: a.languages ?? ["en"],
      capacity: a.capacity ?? {},
    })),
    ...patch,
  };
  return parseConfig(raw);
}

/** Polls `check` until it returns a truthy value (for effects of background work). */
export async function eventually<T>(
  check: () => Promise<T> | T,
  timeoutMs = 5000,
  what = "condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The web chat configuration of the browser suites and the widget benchmark: web chat with
 * smart closure, WhatsApp and e-mail, agents allowed to co-browse, the demo's exclusion selectors.
 */
export async function webchatConfig(patch: Record<string, unknown> = {}): Promise<Config> {
  return await testConfig({
    roles: testRoles(["cobrowse"]),
    sources: [
      testSource("webchat", { smartClosure: { enabled: true, timeout: 120 } }),
      testSource("wa"),
      testSource("mail"),
    ],
    cobrowse: { excludeSelectors: [".card-number", "[data-private]"] },
    ...patch,
  }, [
    { id: "alice", languages: ["en", "fr"], categories: ["billing"] },
    { id: "bob", languages: ["en"], categories: ["billing"] },
  ]);
}
