/**
 * The configuration file (API.md): one zod schema, strict (unknown keys refused), plus the
 * cross-reference checks zod cannot express. `parseConfig` either returns a whole valid
 * configuration or throws `Invalid` listing every bad path: nothing is ever half-applied.
 */
import { z } from "zod";
import { type ErrorDetail, Invalid, zodDetails } from "./errors.ts";
import { type ActionName, ACTIONS, type Permission, PERMISSIONS } from "./actions.ts";

export { type ActionName, ACTIONS, type Permission, PERMISSIONS };

/**
 * Where a role's actions sit (A16): `icons` in the bar, in this order; `menu` in "More actions".
 * An action in neither list goes to the menu; a role without a layout gets every action as an
 * icon (`DEFAULT_ACTION_LAYOUT`).
 */
const actionLayoutSchema = z.strictObject({
  icons: z.array(z.enum(ACTIONS)),
  menu: z.array(z.enum(ACTIONS)).default([]),
});
export type ActionLayout = z.infer<typeof actionLayoutSchema>;
export const DEFAULT_ACTION_LAYOUT: ActionLayout = { icons: [...ACTIONS], menu: [] };

/** The layout of `role`'s actions: every action placed once, icons first. */
export function actionLayoutOf(config: Config, role: string): ActionLayout {
  const l = config.actionLayout[role] ?? DEFAULT_ACTION_LAYOUT;
  const placed = new Set([...l.icons, ...l.menu]);
  return { icons: l.icons, menu: [...l.menu, ...ACTIONS.filter((a) => !placed.has(a))] };
}

export const CHANNEL_GROUPS = ["realtime", "async"] as const;
export type ChannelGroup = (typeof CHANNEL_GROUPS)[number];

const id = z.string().min(1).max(100).regex(/^[A-Za-z0-9_.:-]+$/, "use letters, digits, _ . : -");
const seconds = z.number().nonnegative().finite();
const language = z.string().min(2).max(16).regex(
  /^[a-z]{2,3}(-[A-Za-z0-9]+)*$/,
  "a language tag like en or fr",
);
const localized = z.record(language, z.string().min(1).max(2000));

const capacitySchema = z.strictObject({
  capacity: z.number().int().nonnegative(),
  maxCapacity: z.number().int().nonnegative(),
});
export type Capacity = z.infer<typeof capacitySchema>;

/**
 * SPEC M4: a channel group's service-level target, e.g. 80 % of interactions answered (accepted)
 * within 20 s of arriving.
 */
const serviceLevelSchema = z.strictObject({
  /** Share of interactions to answer within `seconds` (0–1). */
  target: z.number().min(0).max(1),
  seconds: seconds.positive(),
});
export type ServiceLevel = z.infer<typeof serviceLevelSchema>;

/** A channel group: the default capacities and, optionally, its service-level target (M4). */
const channelGroupSchema = (serviceLevel: ServiceLevel) =>
  z.strictObject({
    capacity: z.number().int().nonnegative(),
    maxCapacity: z.number().int().nonnegative(),
    serviceLevel: serviceLevelSchema.default(serviceLevel),
  });
const REALTIME_SERVICE_LEVEL: ServiceLevel = { target: 0.8, seconds: 20 };
const ASYNC_SERVICE_LEVEL: ServiceLevel = { target: 0.8, seconds: 4 * 3600 };

const smartClosureSchema = z.strictObject({
  enabled: z.boolean(),
  timeout: seconds.default(120),
  waitForReply: z.boolean().default(false),
  question: localized.default({
    en: "Do you have any other questions?",
    fr: "Avez-vous d'autres questions ?",
  }),
  followUp: localized.default({
    en: "Please tell us more about your new question.",
    fr: "Merci de nous en dire plus sur votre nouvelle question.",
  }),
  yesLabel: localized.default({ en: "Yes", fr: "Oui" }),
  noLabel: localized.default({ en: "No", fr: "Non" }),
});

const sourceSchema = z.strictObject({
  id,
  name: z.string().min(1).max(200),
  kind: z.enum(["chat", "messaging", "email", "social", "sdk"]),
  group: z.enum(CHANNEL_GROUPS),
  secret: z.string().min(16).max(512),
  callbackUrl: z.url({ protocol: /^https?$/ }).nullable().default(null),
  teams: z.array(id).min(1),
  defaultLanguage: language,
  priority: z.number().int().min(-1000).max(1000).default(0),
  dispositionRequired: z.boolean().default(false),
  smartClosure: smartClosureSchema.optional(),
  /**
   * Extension (co-browsing on messaging sources): a page of the customer-facing site that embeds
   * widget.js, where the invitation link sent through the connector lands; a path is relative to
   * the desk's own address.
   */
  cobrowseUrl: z.string().max(2000).refine(
    (u) => /^\/(?!\/)/.test(u) || URL.canParse(u) && /^https?:$/.test(new URL(u).protocol),
    "an http(s) URL or a path starting with /",
  ).optional(),
});

const agentSchema = z.strictObject({
  id,
  name: z.string().min(1).max(200),
  initials: z.string().min(1).max(4).optional(),
  login: z.string().min(1).max(100),
  password: z.string().min(8).max(200).optional(),
  /** Extension: a precomputed `pbkdf2-sha256$iterations$salt$hash` instead of a password. */
  passwordHash: z.string().regex(/^pbkdf2-sha256\$\d+\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/).optional(),
  role: id,
  teams: z.array(id).default([]),
  categories: z.array(id).default([]),
  languages: z.array(language).default([]),
  capacity: z.partialRecord(z.enum(CHANNEL_GROUPS), capacitySchema).default({}),
  uiLanguage: z.enum(["en", "fr"]).optional(),
  /**
   * SPEC M1b: a disabled agent is kept (history, reports) but cannot sign in, its sessions end
   * and it is never offered work.
   */
  disabled: z.boolean().default(false),
});

const entrySchema = z.strictObject({
  id,
  title: z.string().min(1).max(200),
  body: z.string().min(1).max(20000),
  shortcut: z.string().min(1).max(50).regex(/^[A-Za-z0-9_-]+$/).optional(),
  language: language.optional(),
  categories: z.array(id).default([]),
});

export const configSchema = z.strictObject({
  routing: z.strictObject({
    strategy: z.enum(["least_occupied", "longest_idle", "round_robin"]).default("least_occupied"),
    acceptTimeout: seconds.positive().nullable().default(null),
    idleTimeout: seconds.positive().nullable().default(null),
    awayOnMiss: z.boolean().default(true),
    stickyWindow: seconds.default(86400),
  }).default({
    strategy: "least_occupied",
    acceptTimeout: null,
    idleTimeout: null,
    awayOnMiss: true,
    stickyWindow: 86400,
  }),
  channelGroups: z.strictObject({
    realtime: channelGroupSchema(REALTIME_SERVICE_LEVEL).default({
      capacity: 3,
      maxCapacity: 5,
      serviceLevel: REALTIME_SERVICE_LEVEL,
    }),
    async: channelGroupSchema(ASYNC_SERVICE_LEVEL).default({
      capacity: 10,
      maxCapacity: 20,
      serviceLevel: ASYNC_SERVICE_LEVEL,
    }),
  }).default({
    realtime: { capacity: 3, maxCapacity: 5, serviceLevel: REALTIME_SERVICE_LEVEL },
    async: { capacity: 10, maxCapacity: 20, serviceLevel: ASYNC_SERVICE_LEVEL },
  }),
  categories: z.array(z.strictObject({ id, name: z.string().min(1).max(200) })).default([]),
  languages: z.array(language).min(1).default(["en", "fr"]),
  teams: z.array(z.strictObject({ id, name: z.string().min(1).max(200) })).min(1),
  dispositions: z.array(z.strictObject({ id, name: z.string().min(1).max(200) })).default([]),
  roles: z.record(id, z.array(z.enum(PERMISSIONS))),
  sources: z.array(sourceSchema).default([]),
  agents: z.array(agentSchema).default([]),
  replyAssistant: z.strictObject({
    groups: z.array(z.strictObject({ id, name: z.string().min(1).max(200), entries: z.array(entrySchema) })),
  }).default({ groups: [] }),
  experts: z.array(z.strictObject({
    id,
    name: z.string().min(1).max(200),
    webhookUrl: z.url({ protocol: /^https?$/ }),
    secret: z.string().min(16).max(512).optional(),
  })).default([]),
  cobrowse: z.strictObject({ excludeSelectors: z.array(z.string().min(1).max(500)).default([]) })
    .default({ excludeSelectors: [] }),
  /**
   * Extension (SPEC M1a): seconds during which a replaced source or expert secret still verifies
   * after a new one is saved, so connectors can switch over without losing requests.
   */
  secretGracePeriod: seconds.max(30 * 86400).default(86400),
  /** Extension (SPEC A16): per role, which actions are icons and which sit in "More actions". */
  actionLayout: z.record(id, actionLayoutSchema).default({}),
});

export type Config = z.infer<typeof configSchema>;
/**
 * The configuration as written (defaults may be left out): what the administration console
 * edits and what `parseConfig` accepts.
 */
export type ConfigInput = z.input<typeof configSchema>;
export type SourceConfig = Config["sources"][number];
export type AgentConfig = Config["agents"][number];

/**
 * Validates a parsed JSON value as a configuration; throws `Invalid` listing every bad path at
 * once: shape errors from the schema and cross-reference errors (checked on whatever parts of the
 * input are readable, even when its shape is wrong elsewhere).
 */
export function parseConfig(raw: unknown): Config {
  const parsed = configSchema.safeParse(raw);
  const problems = parsed.success ? referenceProblems(parsed.data) : [
    ...zodDetails(parsed.error.issues),
    ...referenceProblems(raw as Loose),
  ];
  if (!parsed.success || problems.length) {
    // One entry per path and message, in a stable order.
    const seen = new Set<string>();
    const unique = problems.filter((p) =>
      !seen.has(p.path + "\u0000" + p.message) && seen.add(p.path + "\u0000" + p.message)
    );
    throw new Invalid("Invalid configuration.", unique, "invalid_config");
  }
  return parsed.data;
}

function duplicates(ids: string[]): Set<string> {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const i of ids) (seen.has(i) ? dup : seen).add(i);
  return dup;
}

// deno-lint-ignore no-explicit-any
type Loose = any;
const arr = (x: unknown): Loose[] => (Array.isArray(x) ? x : []);
const strs = (x: unknown): string[] => arr(x).filter((v) => typeof v === "string");
const ids = (x: unknown): string[] => arr(x).map((v) => v?.id).filter((v) => typeof v === "string");

/** Checks that every reference names something defined, and that ids are unique. */
function referenceProblems(c: Loose): ErrorDetail[] {
  if (!c || typeof c !== "object") return [];
  const out: ErrorDetail[] = [];
  const teams = new Set(ids(c.teams));
  const categories = new Set(ids(c.categories));
  const languages = new Set(c.languages === undefined ? ["en", "fr"] : strs(c.languages));
  const roles = c.roles && typeof c.roles === "object" ? c.roles : {};
  const unique = (list: unknown, path: string) => {
    const dup = duplicates(ids(list));
    arr(list).forEach((x, i) =>
      dup.has(x?.id) && out.push({ path: `${path}.${i}.id`, message: `duplicate id "${x.id}"` })
    );
  };
  unique(c.teams, "teams");
  unique(c.categories, "categories");
  unique(c.sources, "sources");
  unique(c.agents, "agents");
  unique(c.dispositions, "dispositions");
  unique(c.experts, "experts");
  const logins = duplicates(arr(c.agents).map((a) => String(a?.login ?? "").toLowerCase()).filter(Boolean));
  arr(c.sources).forEach((s, i) => {
    strs(s?.teams).forEach((t, j) =>
      !teams.has(t) && out.push({ path: `sources.${i}.teams.${j}`, message: `unknown team "${t}"` })
    );
    if (typeof s?.defaultLanguage === "string" && !languages.has(s.defaultLanguage)) {
      out.push({
        path: `sources.${i}.defaultLanguage`,
        message: `language "${s.defaultLanguage}" is not in languages`,
      });
    }
    if (s?.dispositionRequired === true && arr(c.dispositions).length === 0) {
      out.push({ path: `sources.${i}.dispositionRequired`, message: "no dispositions are configured" });
    }
  });
  arr(c.agents).forEach((a, i) => {
    if (!a || typeof a !== "object") return;
    strs(a.teams).forEach((t, j) =>
      !teams.has(t) && out.push({ path: `agents.${i}.teams.${j}`, message: `unknown team "${t}"` })
    );
    strs(a.categories).forEach((t, j) =>
      !categories.has(t) &&
      out.push({ path: `agents.${i}.categories.${j}`, message: `unknown category "${t}"` })
    );
    strs(a.languages).forEach((t, j) =>
      !languages.has(t) &&
      out.push({ path: `agents.${i}.languages.${j}`, message: `language "${t}" is not in languages` })
    );
    if (typeof a.role === "string" && !(a.role in roles)) {
      out.push({ path: `agents.${i}.role`, message: `unknown role "${a.role}"` });
    }
    if (!a.password && !a.passwordHash) {
      out.push({ path: `agents.${i}.password`, message: "password or passwordHash is required" });
    }
    if (typeof a.login === "string" && logins.has(a.login.toLowerCase())) {
      out.push({ path: `agents.${i}.login`, message: `duplicate login "${a.login}"` });
    }
    for (const g of CHANNEL_GROUPS) {
      const cap = a.capacity?.[g];
      if (
        typeof cap?.capacity === "number" && typeof cap?.maxCapacity === "number" &&
        cap.capacity > cap.maxCapacity
      ) {
        out.push({ path: `agents.${i}.capacity.${g}.capacity`, message: "capacity exceeds maxCapacity" });
      }
    }
  });
  for (const g of CHANNEL_GROUPS) {
    const cap = c.channelGroups?.[g];
    if (
      typeof cap?.capacity === "number" && typeof cap?.maxCapacity === "number" &&
      cap.capacity > cap.maxCapacity
    ) {
      out.push({ path: `channelGroups.${g}.capacity`, message: "capacity exceeds maxCapacity" });
    }
  }
  if (c.actionLayout && typeof c.actionLayout === "object") {
    for (const [role, layout] of Object.entries(c.actionLayout as Record<string, Loose>)) {
      if (!(role in roles)) out.push({ path: `actionLayout.${role}`, message: `unknown role "${role}"` });
      const seen = new Set<string>();
      for (const list of ["icons", "menu"]) {
        strs(layout?.[list]).forEach((a, i) => {
          if (seen.has(a)) {
            out.push({ path: `actionLayout.${role}.${list}.${i}`, message: `"${a}" is placed twice` });
          }
          seen.add(a);
        });
      }
    }
  }
  arr(c.replyAssistant?.groups).forEach((g, i) =>
    arr(g?.entries).forEach((e, j) => {
      strs(e?.categories).forEach((t, k) =>
        !categories.has(t) &&
        out.push({
          path: `replyAssistant.groups.${i}.entries.${j}.categories.${k}`,
          message: `unknown category "${t}"`,
        })
      );
      if (typeof e?.language === "string" && !languages.has(e.language)) {
        out.push({
          path: `replyAssistant.groups.${i}.entries.${j}.language`,
          message: `language "${e.language}" is not in languages`,
        });
      }
    })
  );
  return out;
}

/** The agent's capacity in a channel group: its own override, else the group's. */
export function capacityOf(
  config: Config,
  agent: Pick<AgentConfig, "capacity">,
  group: ChannelGroup,
): Capacity {
  const { capacity, maxCapacity } = agent.capacity[group] ?? config.channelGroups[group];
  return { capacity, maxCapacity };
}

export function permissionsOf(config: Config, role: string): ReadonlySet<Permission> {
  return new Set(config.roles[role] ?? []);
}
