/**
 * The dispatcher (SPEC R1–R4, R9): offers queued interactions to the best eligible agent.
 * Candidates come from the available-agents index, whose entries carry the agent key's
 * versionstamp; the offer commits with checks on both the interaction and the agent, so two
 * dispatchers racing (in one process or several) can never assign one interaction twice.
 */
import { transact, type Tx } from "../lib/actor.ts";
import type { ChannelGroup } from "../lib/config.ts";
import { keys } from "../lib/keys.ts";
import { selectAgent, type RoutingRequest } from "../lib/routing.ts";
import type { AgentState } from "../actors/agent.ts";
import { type Actor, type Decision, decideInteraction, type InteractionState } from "../actors/interaction.ts";
import type { DeskContext } from "./context.ts";

export const SYSTEM: Actor = { type: "system", id: null, name: "System" };

type PoolEntry = { value: AgentState; versionstamp: string };

/** Available agents read once per dispatch pass, per team. */
export class AgentPool {
  #byTeam = new Map<string, Map<string, PoolEntry>>();
  constructor(private readonly kv: Deno.Kv) {}

  async team(teamId: string): Promise<Map<string, PoolEntry>> {
    let m = this.#byTeam.get(teamId);
    if (!m) {
      m = new Map();
      for await (const e of this.kv.list<AgentState>({ prefix: keys.availableAgentsByTeam(teamId) })) {
        m.set(e.value.id, { value: e.value, versionstamp: e.versionstamp });
      }
      this.#byTeam.set(teamId, m);
    }
    return m;
  }

  invalidate(): void {
    this.#byTeam.clear();
  }

  /** Whether anyone read so far could still take work in `group` (to end a pass early). */
  anyRoomIn(group: ChannelGroup): boolean {
    for (const m of this.#byTeam.values()) {
      for (const { value: a } of m.values()) if (a.load[group] < a.capacity[group].capacity) return true;
    }
    return this.#byTeam.size === 0;
  }
}

export type Apply = (tx: Tx, before: InteractionState | null, d: Decision, actor: Actor) => Promise<void>;

export class Dispatcher {
  #running = new Map<ChannelGroup, Promise<void>>();
  #again = new Set<ChannelGroup>();

  constructor(private readonly ctx: DeskContext, private readonly apply: Apply) {}

  /**
   * Inside a transaction: picks an agent for a queued interaction and returns the offer
   * decision (not yet applied), or null when nobody is eligible now.
   */
  async route(tx: Tx, s: InteractionState, pool: AgentPool = new AgentPool(this.ctx.kv)): Promise<Decision | null> {
    if (s.state !== "queued") return null;
    const source = this.ctx.findSource(s.sourceId);
    if (!source) return null;
    const teams = s.target?.teamId ? [s.target.teamId] : source.teams;
    const candidates = new Map<string, PoolEntry>();
    if (s.target?.agentId) {
      const a = await tx.get<AgentState>(keys.agent(s.target.agentId));
      if (a && a.presence === "available") candidates.set(a.id, { value: a, versionstamp: "" });
    } else {
      for (const t of teams) for (const [id, e] of await pool.team(t)) candidates.set(id, e);
    }
    const req: RoutingRequest = {
      group: s.group,
      teams,
      categories: s.categories,
      language: s.language,
      targetAgentId: s.target?.agentId ?? null,
      excludedAgents: s.excludedAgents,
      preferredAgentId: s.preferredAgentId,
    };
    const sel = selectAgent(req, [...candidates.values()].map((e) => e.value), this.ctx.config.routing.strategy);
    if (!sel) return null;
    const chosen = candidates.get(sel.agentId)!;
    if (chosen.versionstamp) tx.assume(keys.agent(sel.agentId), chosen.versionstamp, chosen.value);
    return decideInteraction(s, { type: "offer", agentId: sel.agentId, newRound: sel.newRound }, this.ctx.decideContext(s.sourceId));
  }

  /** Asks for a dispatch pass over a group's queue; concurrent requests coalesce. */
  request(group: ChannelGroup): void {
    if (this.#running.has(group)) {
      this.#again.add(group);
      return;
    }
    const run = (async () => {
      try {
        do {
          this.#again.delete(group);
          await this.dispatchGroup(group);
        } while (this.#again.has(group));
      } catch (e) {
        console.error(`dispatch of ${group} failed:`, e);
      } finally {
        this.#running.delete(group);
      }
    })();
    this.#running.set(group, run);
  }

  requestAll(): void {
    for (const g of this.ctx.groups()) this.request(g);
  }

  /** Resolves once no dispatch pass is running (tests and benchmarks). */
  async settle(): Promise<void> {
    while (this.#running.size) await Promise.all(this.#running.values());
  }

  /** One pass over the head of a group's queue, in queue order. Returns how many were offered. */
  async dispatchGroup(group: ChannelGroup, limit = 100): Promise<number> {
    const pool = new AgentPool(this.ctx.kv);
    let offered = 0;
    for await (const entry of this.ctx.kv.list<{ id: string }>({ prefix: keys.queue(group) }, { limit })) {
      const id = entry.value.id;
      const ok = await transact(this.ctx.kv, async (tx, attempt) => {
        if (attempt > 1) pool.invalidate();
        const s = await tx.get<InteractionState>(keys.interaction(id));
        if (!s || s.state !== "queued") return false;
        const d = await this.route(tx, s, pool);
        if (!d) return false;
        await this.apply(tx, s, d, SYSTEM);
        return true;
      });
      if (ok) {
        offered++;
        pool.invalidate();
      } else if (!pool.anyRoomIn(group)) {
        break;
      }
    }
    return offered;
  }
}
