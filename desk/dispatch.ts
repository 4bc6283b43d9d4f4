/**
 * The dispatcher (SPEC R1–R4, R9): offers queued interactions to the best eligible agent.
 * Candidates come from the pool (desk/agent_pool.ts: available agents indexed per channel group,
 * team and language, in the strategy's order, a cache that follows KV); each offer commits with
 * checks on both the interaction and the agent (the versionstamp the pool read), so two
 * dispatchers racing (in one process or several) can never assign one interaction twice.
 *
 * A pass places up to `OFFERS_PER_COMMIT` interactions per commit (each offer checks its
 * interaction and its agent; feed events need no check since the feed head is a sum — 3 offers
 * stay well within the 10 checks of a remote KV), and does not re-read the agents it just wrote:
 * the pool takes in each own commit. Another process's agent commits move `keys.agentPoolHead`,
 * which the pool follows (watched and polled by `follow`): capacity freed anywhere gets waiting
 * work offered here without waiting for the periodic tick.
 *
 * Routing transactions run side by side (inbound webhooks, dispatch passes of every group): each
 * claims the agents it picks until it ends, and the others pick among the unclaimed ones, so
 * they neither wait for each other nor fail each other's checks (see `claiming`).
 */
import { transact, type Tx } from "../lib/server/actor.ts";
import { type ChannelGroup, permissionsOf } from "../lib/shared/config.ts";
import { keys } from "../lib/server/keys.ts";
import { type RoutingRequest, selectAgent } from "../lib/shared/routing.ts";
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
import { AgentPool } from "./agent_pool.ts";

export { AgentPool };

/** Offers per dispatch commit: 2 checks each (interaction, agent), within the 10-check limit. */
export const OFFERS_PER_COMMIT = 3;

/** How often `follow` reads the pool head besides watching it (a local KV file's watch misses other processes). */
const HEAD_POLL_MS = 200;
/** How long a head past the pool's count may be this process's own hooks still to run. */
const HEAD_CONFIRM_MS = 50;

export type Apply = (tx: Tx, before: InteractionState | null, d: Decision, actor: Actor) => Promise<void>;

/** The agents one routing transaction picked (see `Dispatcher.claiming`). */
export type Claims = { readonly agents: Set<string> };

export class Dispatcher {
  #running = new Map<ChannelGroup, Promise<void>>();
  #again = new Set<ChannelGroup>();

  /** Shared by dispatch passes and inline routing of new interactions (inbound). */
  readonly pool: AgentPool;

  constructor(private readonly ctx: DeskContext, private readonly apply: Apply) {
    this.pool = new AgentPool(ctx.kv, () => ctx.config.routing.strategy);
    onAgentCommit(ctx.kv, (agent, versionstamp) => this.pool.update(agent, versionstamp));
  }

  #stopFollowing: (() => void) | null = null;

  /**
   * Follows the pool head for the runtime's lifetime (until `close`): a watch, plus a poll for
   * several processes on one local KV file. When another process changed an agent, the pool is
   * reloaded and every group gets a dispatch pass (issue 13: dispatch across processes).
   */
  follow(): void {
    if (this.#stopFollowing || this.#closed) return;
    const kv = this.ctx.kv;
    // A head past the pool's count is confirmed a moment later: this process's own commit may
    // have landed with its hooks (which count it) still to run.
    let suspect: bigint | null = null;
    let confirm: ReturnType<typeof setTimeout> | undefined;
    const seen = (entry: Deno.KvU64 | null) => {
      const head = entry?.value ?? null;
      if (head === null || !this.pool.behind(head) || (suspect !== null && head <= suspect)) return;
      const scheduled = suspect !== null;
      suspect = head;
      if (scheduled) return;
      confirm = setTimeout(() => {
        const h = suspect;
        suspect = null;
        if (this.#closed || !this.pool.behind(h)) return;
        this.pool.invalidate();
        this.requestAll();
      }, HEAD_CONFIRM_MS);
    };
    let polling = false;
    const poll = setInterval(() => {
      if (polling) return;
      polling = true;
      kv.get<Deno.KvU64>(keys.agentPoolHead()).then((e) => seen(e.value), () => {}).finally(() =>
        polling = false
      );
    }, HEAD_POLL_MS);
    const reader = kv.watch([keys.agentPoolHead()]).getReader();
    (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        seen((value[0]?.value as Deno.KvU64 | null) ?? null);
      }
    })().catch(() => {/* the store closed */});
    this.#stopFollowing = () => {
      clearInterval(poll);
      clearTimeout(confirm);
      reader.cancel().catch(() => {});
    };
  }

  /**
   * Agents picked by a routing transaction of this process that has not finished yet, with the
   * claims of that transaction. Other routing transactions skip them: they would all pick the
   * same best agent, and all but one would fail the agent's check and retry — under load a retry
   * storm, which a lock per group avoided by routing one interaction at a time (so every webhook
   * of a group waited for every other one's reads and commit). A claim is released once its
   * transaction has committed and the pool holds the agent's new state (or it gave up).
   */
  #claimed = new Map<string, Claims>();
  /** Groups where a routing decision found only claimed agents: a pass is due once they are released. */
  #contended = new Set<ChannelGroup>();

  /**
   * Runs `fn` (a routing transaction) with claims of its own (see `#claimed`); releases them when
   * it ends, however it ends. Their agents' pool entries have been updated by then: the commit's
   * hooks (which update the pool) run before `transact` returns.
   */
  async claiming<T>(fn: (claims: Claims) => Promise<T>): Promise<T> {
    const claims: Claims = { agents: new Set() };
    try {
      return await fn(claims);
    } finally {
      for (const id of claims.agents) if (this.#claimed.get(id) === claims) this.#claimed.delete(id);
      if (claims.agents.size && this.#contended.size) {
        const groups = [...this.#contended];
        this.#contended.clear();
        for (const g of groups) this.request(g);
      }
    }
  }

  /** Before a retry: the claimed agents are the only pool entries the failed commit checked. */
  async retrying(claims: Claims): Promise<void> {
    await this.pool.refresh(claims.agents);
  }

  /**
   * Inside a transaction: picks an agent for a queued interaction and returns the offer
   * decision (not yet applied), or null when nobody is eligible now.
   */
  async route(
    tx: Tx,
    s: InteractionState,
    claims: Claims,
    busy: ReadonlySet<string> = new Set(),
  ): Promise<Decision | null> {
    if (s.state !== "queued") return null;
    const source = this.ctx.findSource(s.sourceId);
    if (!source) return null;
    const { teams, categories, language } = this.ctx.routingNeeds(s, source);
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
    let contended = false;
    const unclaimed = (id: string) => {
      const holder = this.#claimed.get(id);
      if (holder === undefined || holder === claims) return true;
      contended = true;
      return false;
    };
    // Claimed in the step that picks it: a routing transaction resuming next must see the claim.
    const claim = (id: string) => {
      this.#claimed.set(id, claims);
      claims.agents.add(id);
    };
    let offer: { agentId: string; newRound: boolean } | null = null;
    if (s.target?.agentId) {
      // A transfer to a named agent: that agent's own record, whatever the pool holds.
      const a = await tx.get<AgentState>(keys.agent(s.target.agentId));
      const sel = a && a.presence === "available" && canAccept(a) && !busy.has(a.id) && unclaimed(a.id)
        ? selectAgent(req, [a], this.ctx.config.routing.strategy)
        : null;
      if (sel) claim(sel.agentId), offer = sel;
    } else {
      // Agents this commit already placed work with are skipped: their pool entry predates it.
      const sel = await this.pool.select(
        req,
        (a) => canAccept(a) && !busy.has(a.id) && unclaimed(a.id),
        (a) => claim(a.id),
      );
      if (sel) {
        tx.assume(keys.agent(sel.entry.value.id), sel.entry.versionstamp, sel.entry.value);
        offer = { agentId: sel.entry.value.id, newRound: sel.newRound };
      }
    }
    if (!offer) {
      // Someone may take it once another transaction's claim is released: look again then.
      if (contended) this.#contended.add(s.group);
      return null;
    }
    return decideInteraction(s, { type: "offer", ...offer }, this.ctx.decideContext(s.sourceId));
  }

  #closed = false;

  /** Once the runtime stops: later requests start nothing (the store is about to close). */
  close(): void {
    this.#closed = true;
    this.#stopFollowing?.();
  }

  /** Asks for a dispatch pass over a group's queue; concurrent requests coalesce. */
  request(group: ChannelGroup): void {
    if (this.#closed || this.#held) return;
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

  #held = false;

  /**
   * Holds dispatch passes back until the returned release is called, which asks for a pass of
   * every group (the benchmark makes agents available first, then times placing the queue).
   */
  hold(): () => void {
    this.#held = true;
    return () => {
      this.#held = false;
      this.requestAll();
    };
  }

  requestAll(): void {
    for (const g of this.ctx.groups()) this.request(g);
  }

  /** Resolves once no dispatch pass is running (tests and benchmarks). */
  async settle(): Promise<void> {
    while (this.#running.size) await Promise.all(this.#running.values());
  }

  /**
   * One pass over a group's queue, in queue order, page by page (a burst can queue thousands),
   * up to `OFFERS_PER_COMMIT` offers per commit: it ends at the end of the queue or when nobody
   * available has room. Returns how many were offered.
   */
  async dispatchGroup(group: ChannelGroup, limit = 100): Promise<number> {
    const pool = this.pool;
    const kv = this.ctx.kv;
    let offered = 0;
    let cursor: string | undefined;
    for (;;) {
      const page = kv.list<{ id: string }>({ prefix: keys.queue(group) }, { limit, cursor });
      const ids: string[] = [];
      for await (const entry of page) ids.push(entry.value.id);
      for (let i = 0; i < ids.length;) {
        const batch = ids.slice(i, i + OFFERS_PER_COMMIT);
        const { done, placed } = await this.claiming((claims) => this.#offerBatch(batch, claims));
        offered += placed;
        i += done;
        if (placed === 0 && !(await pool.anyRoomIn(group))) return offered;
      }
      if (ids.length < limit) return offered;
      cursor = page.cursor;
    }
  }

  /**
   * One commit placing what it can of `ids` (in order). Returns how many of them it dealt with
   * (`done`: offered, or nobody can take it now, or no longer queued) and how many it offered.
   * It stops early at an interaction that only an agent already placed in this commit could
   * take: that one waits for the next commit, which sees the agent's new load.
   */
  #offerBatch(ids: string[], claims: Claims): Promise<{ done: number; placed: number }> {
    return transact(this.ctx.kv, async (tx, attempt) => {
      if (attempt > 1) await this.retrying(claims);
      const states = await Promise.all(ids.map((id) => tx.get<InteractionState>(keys.interaction(id))));
      const busy = new Set<string>();
      let done = 0;
      for (const s of states) {
        if (s && s.state === "queued") {
          const d = await this.route(tx, s, claims, busy);
          if (!d) {
            if (busy.size > 0) break;
          } else {
            busy.add(d.state.agentId!);
            await this.apply(tx, s, d, SYSTEM);
          }
        }
        done++;
      }
      return { done, placed: busy.size };
    });
  }
}
