/**
 * What every desk operation needs: the KV store, the live configuration (replaceable at run
 * time, validated as a whole), the clock, and delivery settings.
 */
import {
  type AgentConfig,
  capacityOf,
  CHANNEL_GROUPS,
  type ChannelGroup,
  type Config,
  type SourceConfig,
} from "../lib/config.ts";
import { NotFound } from "../lib/errors.ts";
import { type Clock, systemClock } from "../lib/time.ts";
import type { AgentProfile } from "../actors/agent.ts";
import type { DecideContext } from "../actors/interaction.ts";

export type DeskOptions = {
  kv: Deno.Kv;
  config: Config;
  clock?: Clock;
  /** Retry delays (ms) for outbound deliveries; after the last one the delivery is kept as undeliverable. */
  deliveryBackoff?: number[];
  /** Timeout (ms) of one outbound HTTP attempt. */
  deliveryTimeout?: number;
};

export class DeskContext {
  readonly kv: Deno.Kv;
  readonly clock: Clock;
  readonly deliveryBackoff: number[];
  readonly deliveryTimeout: number;
  /** Aborted when the runtime stops: outbound HTTP attempts still running give up (and are retried later). */
  readonly shutdown = new AbortController();
  #config!: Config;
  #sources = new Map<string, SourceConfig>();
  #agents = new Map<string, AgentConfig>();
  #agentsByLogin = new Map<string, AgentConfig>();

  constructor(o: DeskOptions) {
    this.kv = o.kv;
    this.clock = o.clock ?? systemClock;
    this.deliveryBackoff = o.deliveryBackoff ?? [1_000, 5_000, 30_000, 120_000, 600_000, 1_800_000];
    this.deliveryTimeout = o.deliveryTimeout ?? 10_000;
    this.setConfig(o.config);
  }

  get config(): Config {
    return this.#config;
  }

  setConfig(config: Config): void {
    this.#config = config;
    this.#sources = new Map(config.sources.map((s) => [s.id, s]));
    this.#agents = new Map(config.agents.map((a) => [a.id, a]));
    this.#agentsByLogin = new Map(config.agents.map((a) => [a.login.toLowerCase(), a]));
  }

  now(): number {
    return this.clock.now();
  }

  source(id: string): SourceConfig {
    const s = this.#sources.get(id);
    if (!s) throw new NotFound(`Unknown source "${id}".`, "unknown_source");
    return s;
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
