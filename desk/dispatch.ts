/**
 * The dispatcher (SPEC R1–R4, R9): offers queued interactions to the best eligible agent.
 * Candidates come from the available-agents index, whose entries carry the agent key's
 * versionstamp; the offer commits with checks on both the interaction and the agent, so two
 * dispatchers racing (in one process or several) can never assign one interaction twice.
 */
import { transact, type Tx } from "../lib/actor.ts";
import { type ChannelGroup, permissionsOf } from "../lib/config.ts";
import { keys } from "../lib/keys.ts";
import { type RoutingRequest, selectAgent } from "../lib/routing.ts";
import type { AgentState } from "../actors/agent.ts";
import {
  type Actor,
  decideInteraction,
  type Decision,
  type InteractionState,
  SYSTEM,
} from "../actors/interaction.ts";
import type { DeskContext } from "./context.ts";
import { onAgentCommit } from "./persist.ts";

type PoolEntry = { value: AgentState; versionstamp: string };

/**
 * Available agents per team, read lazily and then kept up to date with this process's own agent
 * commits. Anything else (another process, a direct write) can leave it stale: a stale entry
 * fails its commit check (the caller invalidates and retries), and every dispatch pass starts
 * from a fresh read.
 */
export class AgentPool {
  #byTeam = new Map<string, Map<string, PoolEntry>>();
  /**
   * Bumped by every invalidation and update: a read that started before one may predate it, so
   * it serves its caller but is not kept (it could otherwise outlive the invalidation).
   */
  #generation = 0;
  constructor(private readonly kv: Deno.Kv) {}

  async team(teamId: string): Promise<Map<string, PoolEntry>> {
    let m = this.#byTeam.get(teamId);
    if (!m) {
      const generation = this.#generation;
      m = new Map();
      for await (const e of this.kv.list<AgentState>({ prefix: keys.availableAgentsByTeam(teamId) })) {
        m.set(e.value.id, { value: e.value, versionstamp: e.versionstamp });
      }
      if (generation === this.#generation) this.#byTeam.set(teamId, m);
    }
    return m;
  }

  invalidate(): void {
    this.#generation++;
    this.#byTeam.clear();
    this.#all = null;
  }

  /**
   * Takes in an agent state this process just committed (its index entries carry the commit's
   * versionstamp), instead of reading every available agent again after each change. An entry
   * already newer is kept (hooks of two commits may run out of order).
   */
  update(agent: AgentState, versionstamp: string): void {
    this.#generation++;
    for (const [team, m] of this.#byTeam) {
      const known = m.get(agent.id);
      if (known && known.versionstamp > versionstamp) continue;
      if (agent.presence === "available" && agent.teams.includes(team)) {
        m.set(agent.id, { value: agent, versionstamp });
      } else m.delete(agent.id);
    }
    if (this.#all) this.#all = this.#all.map((a) => (a.id === agent.id ? agent : a));
  }

  #all: AgentState[] | null = null;

  /**
   * Whether any available agent could still take work in `group` (to end a pass early). Every
   * agent is read, not only the teams seen so far: a later entry may need another team or name
   * a transfer target, and must not wait behind entries nobody can take.
   */
  async anyRoomIn(group: ChannelGroup): Promise<boolean> {
    let all = this.#all;
    if (!all) {
      const generation = this.#generation;
      all = [];
      for await (const e of this.kv.list<AgentState>({ prefix: keys.agents() })) all.push(e.value);
      if (generation === this.#generation) this.#all = all;
    }
    return all.some((a) => a.presence === "available" && a.load[group] < a.capacity[group].capacity);
  }
}

export type Apply = (tx: Tx, before: InteractionState | null, d: Decision, actor: Actor) => Promise<void>;

export class Dispatcher {
  #running = new Map<ChannelGroup, Promise<void>>();
  #again = new Set<ChannelGroup>();

  /** Shared by dispatch passes and inline routing of new interactions (inbound). */
  readonly pool: AgentPool;
  #locks = new Map<ChannelGroup, Promise<void>>();

  constructor(private readonly ctx: DeskContext, private readonly apply: Apply) {
    this.pool = new AgentPool(ctx.kv);
    onAgentCommit(ctx.kv, (agent, versionstamp) => this.pool.update(agent, versionstamp));
  }

  /**
   * Runs `fn` (a routing transaction) alone among this process's routing transactions for
   * `group`, in arrival order. Checks keep routing correct without it, but concurrent decisions
   * all pick the same best agent and all but one fail and retry; under load that snowballs
   * into a retry storm (409 `contention` to connectors).
   */
  async exclusive<T>(group: ChannelGroup, fn: () => Promise<T>): Promise<T> {
    const before = this.#locks.get(group) ?? Promise.resolve();
    const { promise: done, resolve: release } = Promise.withResolvers<void>();
    const tail = before.then(() => done);
    this.#locks.set(group, tail);
    await before;
    try {
      return await fn();
    } finally {
      release();
      if (this.#locks.get(group) === tail) this.#locks.delete(group);
    }
  }

  /**
   * Inside a transaction: picks an agent for a queued interaction and returns the offer
   * decision (not yet applied), or null when nobody is eligible now.
   */
  async route(tx: Tx, s: InteractionState, pool: AgentPool = this.pool): Promise<Decision | null> {
    if (s.state !== "queued") return null;
    const source = this.ctx.findSource(s.sourceId);
    if (!source) return null;
    const { teams, categories, language } = this.ctx.routingNeeds(s, source);
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
      categories,
      language,
      targetAgentId: s.target?.agentId ?? null,
      excludedAgents: s.excludedAgents,
      preferredAgentId: s.preferredAgentId,
    };
    // An agent whose role cannot accept would hold the offer (and its capacity) for nothing.
    const byRole = new Map<string, boolean>(); // once per role, not per candidate (hundreds per decision)
    const canAccept = (a: AgentState) => {
      let ok = byRole.get(a.role);
      if (ok === undefined) byRole.set(a.role, ok = permissionsOf(this.ctx.config, a.role).has("accept"));
      return ok;
    };
    const mayAccept = [...candidates.values()].map((e) => e.value).filter(canAccept);
    const sel = selectAgent(req, mayAccept, this.ctx.config.routing.strategy);
    if (!sel) return null;
    const chosen = candidates.get(sel.agentId)!;
    if (chosen.versionstamp) tx.assume(keys.agent(sel.agentId), chosen.versionstamp, chosen.value);
    return decideInteraction(
      s,
      { type: "offer", agentId: sel.agentId, newRound: sel.newRound },
      this.ctx.decideContext(s.sourceId),
    );
  }

  #closed = false;

  /** Once the runtime stops: later requests start nothing (the store is about to close). */
  close(): void {
    this.#closed = true;
  }

  /** Asks for a dispatch pass over a group's queue; concurrent requests coalesce. */
  request(group: ChannelGroup): void {
    if (this.#closed) return;
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

  /**
   * One pass over a group's queue, in queue order, page by page (a burst can queue thousands):
   * it ends at the end of the queue or when nobody available has room. Returns how many were offered.
   */
  async dispatchGroup(group: ChannelGroup, limit = 100): Promise<number> {
    const pool = this.pool;
    let offered = 0;
    let cursor: string | undefined;
    for (;;) {
      const page = this.ctx.kv.list<{ id: string }>({ prefix: keys.queue(group) }, { limit, cursor });
      let seen = 0;
      for await (const entry of page) {
        // A pass with work to do starts from a fresh read of the agents (an empty queue costs nothing).
        if (seen++ === 0 && cursor === undefined) pool.invalidate();
        const id = entry.value.id;
        const ok = await this.exclusive(group, () =>
          transact(this.ctx.kv, async (tx, attempt) => {
            if (attempt > 1) pool.invalidate();
            const s = await tx.get<InteractionState>(keys.interaction(id));
            if (!s || s.state !== "queued") return false;
            const d = await this.route(tx, s, pool);
            if (!d) return false;
            await this.apply(tx, s, d, SYSTEM);
            return true;
          }));
        if (ok) offered++;
        else if (!(await pool.anyRoomIn(group))) return offered;
      }
      if (seen < limit) return offered;
      cursor = page.cursor;
    }
  }
}
