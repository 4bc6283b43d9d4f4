/**
 * What every desk operation needs: the KV store, the live configuration, the clock, and
 * delivery settings. The configuration here is a cache of the latest version in KV (SPEC M1a):
 * `desk/config_follow.ts` replaces it whenever the KV head names a newer version.
 */
import {
  type AgentConfig,
  capacityOf,
  CHANNEL_GROUPS,
  type ChannelGroup,
  type Config,
  type SourceConfig,
} from "../lib/shared/config.ts";
import { NotFound } from "../lib/shared/errors.ts";
import { type Clock, systemClock } from "../lib/shared/time.ts";
import type { AgentProfile } from "../actors/agent.ts";
import type { DecideContext, InteractionState } from "../actors/interaction.ts";
import type { GraceSecret } from "../actors/config_version.ts";

export type DeskOptions = {
  kv: Deno.Kv;
  config: Config;
  clock?: Clock;
  /** Retry delays (ms) for outbound deliveries; after the last one the delivery is kept as undeliverable. */
  deliveryBackoff?: number[];
  /** Timeout (ms) of one outbound HTTP attempt. */
  deliveryTimeout?: number;
  /** Whether timers and deliveries ride KV queues (default) or only `scheduled` keys (`KV_QUEUES=off`). */
  queues?: boolean;
  /** The base URL people and connectors reach this server at (`PUBLIC_URL`); see `publicUrl`. */
  publicUrl?: string;
};

export class DeskContext {
  readonly kv: Deno.Kv;
  readonly clock: Clock;
  readonly deliveryBackoff: number[];
  readonly deliveryTimeout: number;
  /** KV queues on, or off (scheduled keys and the leased polling scheduler): see `schedule.ts`. */
  readonly queues: boolean;
  /** Aborted when the runtime stops: outbound HTTP attempts still running give up (and are retried later). */
  readonly shutdown = new AbortController();
  /**
   * The origin links and upload URLs are built from (`PUBLIC_URL`, else the listening address,
   * set once the server listens) — never the request's Host header, which anyone can write.
   */
  publicUrl: string | null;
  #config!: Config;
  #version = 0;
  #grace: GraceSecret[] = [];
  #sources = new Map<string, SourceConfig>();
  #agents = new Map<string, AgentConfig>();
  #agentsByLogin = new Map<string, AgentConfig>();
  #known = { categories: new Set<string>(), teams: new Set<string>(), languages: new Set<string>() };

  constructor(o: DeskOptions) {
    this.kv = o.kv;
    this.clock = o.clock ?? systemClock;
    this.deliveryBackoff = o.deliveryBackoff ?? [1_000, 5_000, 30_000, 120_000, 600_000, 1_800_000];
    this.deliveryTimeout = o.deliveryTimeout ?? 10_000;
    this.queues = o.queues ?? true;
    this.publicUrl = o.publicUrl ?? null;
    this.setConfig(o.config);
  }

  get config(): Config {
    return this.#config;
  }

  /** The configuration version this cache holds (0 until one is read from KV). */
  get configVersion(): number {
    return this.#version;
  }

  /**
   * Replaces the cached configuration; `version` and `grace` come with a version read from KV
   * (tests may swap the configuration alone).
   */
  setConfig(config: Config, version = this.#version, grace = this.#grace): void {
    this.#config = config;
    this.#version = version;
    this.#grace = grace;
    this.#sources = new Map(config.sources.map((s) => [s.id, s]));
    this.#agents = new Map(config.agents.map((a) => [a.id, a]));
    this.#agentsByLogin = new Map(config.agents.map((a) => [a.login.toLowerCase(), a]));
    this.#known = {
      categories: new Set(config.categories.map((c) => c.id)),
      teams: new Set(config.teams.map((t) => t.id)),
      languages: new Set(config.languages),
    };
  }

  now(): number {
    return this.clock.now();
  }

  source(id: string): SourceConfig {
    const s = this.#sources.get(id);
    if (!s) throw new NotFound(`Unknown source "${id}".`, "unknown_source");
    return s;
  }

  /**
   * Every secret a signature from source `id` may be made with: the current one, then any
   * replaced one still in its grace period (SPEC M1a).
   */
  sourceSecrets(id: string): string[] {
    return this.#secrets("source", id, this.#sources.get(id)?.secret);
  }

  /** Like `sourceSecrets`, for an expert's webhook secret. */
  expertSecrets(id: string): string[] {
    return this.#secrets("expert", id, this.#config.experts.find((e) => e.id === id)?.secret);
  }

  #secrets(kind: GraceSecret["kind"], id: string, current: string | undefined): string[] {
    const now = this.now();
    const previous = this.#grace.filter((g) => g.kind === kind && g.id === id && g.until > now).map((g) =>
      g.secret
    );
    return current ? [current, ...previous] : previous;
  }

  findSource(id: string): SourceConfig | undefined {
    return this.#sources.get(id);
  }

  agentConfig(id: string): AgentConfig | undefined {
    return this.#agents.get(id);
  }

  agentByLogin(login: string): AgentConfig | undefined {
    return this.#agentsByLogin.get(login.toLowerCase());
  }

  profileOf(a: AgentConfig): AgentProfile {
    const capacity = Object.fromEntries(
      CHANNEL_GROUPS.map((g) => [g, capacityOf(this.#config, a, g)]),
    ) as AgentProfile["capacity"];
    return {
      id: a.id,
      name: a.name,
      initials: a.initials ?? a.name.split(/\s+/).map((w) => w[0]?.toUpperCase() ?? "").join("").slice(0, 3),
      login: a.login,
      role: a.role,
      teams: a.teams,
      categories: a.categories,
      languages: a.languages,
      capacity,
    };
  }

  /**
   * What routing requires of an interaction under the running configuration. An interaction
   * keeps the categories, language and target it was given; when the configuration no longer
   * has one of them (removed at run time) it stops being a requirement nobody could meet: a
   * removed category is not required, a removed language routes as the source's default, a
   * removed target team falls back to the source's teams.
   */
  routingNeeds(
    s: Pick<InteractionState, "categories" | "language" | "target">,
    source: SourceConfig,
  ): { teams: string[]; categories: string[]; language: string } {
    const k = this.#known;
    const team = s.target?.teamId;
    return {
      teams: team && k.teams.has(team) ? [team] : source.teams,
      categories: s.categories.filter((c) => k.categories.has(c)),
      language: k.languages.has(s.language) ? s.language : source.defaultLanguage,
    };
  }

  /** The decide context of an interaction of `sourceId`. */
  decideContext(sourceId: string): DecideContext {
    const c = this.#config;
    const s = this.#sources.get(sourceId);
    return {
      now: this.now(),
      acceptTimeout: c.routing.acceptTimeout,
      awayOnMiss: c.routing.awayOnMiss,
      smartClosure: s?.smartClosure
        ? {
          enabled: s.smartClosure.enabled,
          timeout: s.smartClosure.timeout,
          waitForReply: s.smartClosure.waitForReply,
        }
        : null,
      dispositionRequired: s?.dispositionRequired ?? false,
      dispositionIds: c.dispositions.map((d) => d.id),
    };
  }

  groups(): readonly ChannelGroup[] {
    return CHANNEL_GROUPS;
  }
}
