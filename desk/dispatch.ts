/**
 * The dispatcher (SPEC R1–R4, R9): offers queued interactions to the best eligible agent.
 * Candidates come from the pool (desk/agent_pool.ts: available agents indexed per channel group,
 * team and language, in the strategy's order, a cache that follows KV); each offer commits with
 * checks on both the interaction and the agent (the versionstamp the pool read), so two
 * dispatchers racing (in one process or several) can never assign one interaction twice.
 *
 * A pass places up to `OFFERS_PER_COMMIT` interactions per commit (each offer checks its
 * interaction and its agent; feed events need no check since the feed head is a sum — 5 offers
 * fill the 10 checks of a remote KV), with several commits in flight, and does not re-read the
 * agents it just wrote:
 * the pool takes in each own commit. Another process's agent commits move the agents' head
 * (`keys.supervisionAgentsHead`, with an entry of their move log), which the pool follows
 * (watched and polled by `follow`, then `AgentPool.catchUp`): capacity freed anywhere gets
 * waiting work offered here without waiting for the periodic tick.
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
import { onAgentLogCommit } from "./supervisor_counters.ts";
import { AgentPool } from "./agent_pool.ts";
import { watchSeesOthers } from "../lib/server/wake_ups.ts";

export { AgentPool };

/**
 * Offers per dispatch commit: 2 checks each (the interaction, the agent; an offer reads nothing
 * else), so 5 fill the 10-check limit exactly.
 */
export const OFFERS_PER_COMMIT = 5;

/**
 * Dispatch commits of one pass in flight at once (see `dispatchGroup`). Bursts of 4,000 on a
 * local file (`scripts/bench/core.ts --burst 4000 --compare-agents 200`): 4 placed 842/s with 200
 * agents and 1,250/s with 2,000 (mean of 3 runs), 8 placed 1,360/s and 1,358/s (5 runs), 16 no
 * more than 8 with commits waiting twice as long (40–60 ms): the store's writer is then full.
 */
export const COMMITS_IN_FLIGHT = 8;

/** How often `follow` reads the agents' head besides watching it (a local KV file's watch misses other processes). */
const HEAD_POLL_MS = 200;
/** How long a head past the pool's count may be this process's own hooks still to run. */
const HEAD_CONFIRM_MS = 50;

export type Apply = (tx: Tx, before: InteractionState | null, d: Decision, actor: Actor) => Promise<void>;

/**
 * The agents one routing transaction picked (see `Dispatcher.claiming`), the dispatch pass it
 * belongs to (null for an arrival), and whose claim its last routing decision ran into.
 */
export type Claims = {
  readonly agents: Set<string>;
  readonly pass: { readonly id: symbol } | null;
  contended: "pass" | "other" | null;
};

export class Dispatcher {
  #running = new Map<ChannelGroup, Promise<void>>();
  #again = new Set<ChannelGroup>();

  /** Shared by dispatch passes and inline routing of new interactions (inbound). */
  readonly pool: AgentPool;

  constructor(private readonly ctx: DeskContext, private readonly apply: Apply) {
    this.pool = new AgentPool(ctx.kv, () => ctx.config.routing.strategy);
    onAgentCommit(ctx.kv, (agent, versionstamp) => this.pool.update(agent, versionstamp));
    onAgentLogCommit(ctx.kv, (id, versionstamp) => this.pool.logged(id, versionstamp));
  }

  #stopFollowing: (() => void) | null = null;

  /**
   * Follows the agents' head for the runtime's lifetime (until `close`): a watch, plus a poll for
   * several processes on one local KV file. When another process moved an agent, the pool reads
   * again the agents the move log names, and every group gets a dispatch pass (issue 13:
   * dispatch across processes).
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
        this.pool.catchUp().then((moved) => {
          if (moved && !this.#closed) this.requestAll();
        }, () => {/* the store closed; the next poll tries again */});
      }, HEAD_CONFIRM_MS);
    };
    let polling = false;
    const poll = setInterval(() => {
      if (polling) return;
      polling = true;
      kv.get<Deno.KvU64>(keys.supervisionAgentsHead()).then((e) => seen(e.value), () => {}).finally(() =>
        polling = false
      );
    }, HEAD_POLL_MS);
    // The watch only where it sees other processes (KV Connect): on a local file it reports only
    // this process's own commits, which the pool took in already, and each report is a read on
    // the store's one SQLite thread (one per agent commit under load). The poll covers the rest.
    const reader = watchSeesOthers(kv) ? kv.watch([keys.supervisionAgentsHead()]).getReader() : null;
    (async () => {
      for (;;) {
        if (!reader) return;
        const { value, done } = await reader.read();
        if (done) return;
        seen((value[0]?.value as Deno.KvU64 | null) ?? null);
      }
    })().catch(() => {/* the store closed */});
    this.#stopFollowing = () => {
      clearInterval(poll);
      clearTimeout(confirm);
      reader?.cancel().catch(() => {});
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
  async claiming<T>(fn: (claims: Claims) => Promise<T>, pass: Claims["pass"] = null): Promise<T> {
    const claims: Claims = { agents: new Set(), pass, contended: null };
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
    const unclaimed = (id: string) => {
      const holder = this.#claimed.get(id);
      if (holder === undefined || holder === claims) return true;
      // A claim of an earlier batch of the same pass is released when the pass waits for it.
      // Another transaction's claim: a pass must follow its release, so the group is marked
      // now, in the step that saw the claim (marked later, the release could come in between).
      if (claims.pass && holder.pass === claims.pass) claims.contended ??= "pass";
      else claims.contended = "other", this.#contended.add(s.group);
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
    if (!offer) return null;
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
   *
   * Commits are pipelined: once a batch has decided (its agents claimed), the next batch is
   * decided while the earlier ones commit, up to `COMMITS_IN_FLIGHT` at once, so a pass is not
   * bound by one commit's latency at a time. Queue order still holds: a batch stops at an
   * interaction that only a claimed agent could take; the pass then waits for its commits in
   * flight and goes on from that interaction (or ends, when the claim is another transaction's:
   * its release asks for a new pass).
   */
  async dispatchGroup(group: ChannelGroup, limit = 100): Promise<number> {
    const pass: Pass = { id: Symbol(group) };
    let offered = 0;
    let failure: { error: unknown } | null = null;
    const inFlight = new Set<Promise<void>>();
    const drain = async () => {
      await Promise.all(inFlight);
      if (failure) throw failure.error;
    };
    let retried = false;
    try {
      await this.#pipelinedPass(group, limit, pass, inFlight, (r) => {
        offered += r.placed;
        retried ||= r.retried;
      }, (error) => failure ??= { error });
    } finally {
      await drain().finally(() => {
        // A batch that had to retry may have placed less than it first decided: look again.
        if (retried) this.request(group);
      });
    }
    return offered;
  }

  /** The loop of `dispatchGroup`: decides batch after batch, leaving their commits in `inFlight`. */
  async #pipelinedPass(
    group: ChannelGroup,
    limit: number,
    pass: Pass,
    inFlight: Set<Promise<void>>,
    committed: (r: { placed: number; retried: boolean }) => void,
    failed: (error: unknown) => void,
  ): Promise<void> {
    let cursor: string | undefined;
    for (;;) {
      const page = this.ctx.kv.list<{ id: string }>({ prefix: keys.queue(group) }, { limit, cursor });
      const ids: string[] = [];
      for await (const entry of page) ids.push(entry.value.id);
      for (let i = 0; i < ids.length;) {
        const decided = Promise.withResolvers<BatchDecision>();
        const batch = ids.slice(i, i + OFFERS_PER_COMMIT);
        const tracked: Promise<void> = this.claiming(
          (claims) => this.#offerBatch(batch, claims, decided.resolve),
          pass,
        ).then(committed, (error) => {
          failed(error);
          decided.reject(error);
        }).finally(() => inFlight.delete(tracked));
        inFlight.add(tracked);
        const d = await decided.promise;
        i += d.done;
        // Another transaction's claim: its release asks for a new pass.
        if (d.blockedBy === "other") return;
        if (d.blockedBy === "pass") await Promise.all(inFlight);
        else if (d.placed === 0 && !(await this.pool.anyRoomIn(group))) return;
        if (inFlight.size >= COMMITS_IN_FLIGHT) await Promise.race(inFlight);
      }
      if (ids.length < limit) return;
      cursor = page.cursor;
    }
  }

  /**
   * One commit placing what it can of `ids` (in order). Tells `decided` how many of them it
   * dealt with (`done`: offered, or nobody can take it now, or no longer queued), how many it
   * offers, and whether it stopped at an interaction that only a claimed agent could take —
   * as soon as it has decided, before committing. Returns what the commit placed.
   */
  #offerBatch(
    ids: string[],
    claims: Claims,
    decided: (d: BatchDecision) => void,
  ): Promise<{ placed: number; retried: boolean }> {
    return transact(this.ctx.kv, async (tx, attempt) => {
      if (attempt > 1) await this.retrying(claims);
      // One read of the store for the whole batch (each key still checked by the commit): the
      // store serves reads one after the other, and under load each waits its turn.
      const entries = await this.ctx.kv.getMany<InteractionState[]>(ids.map((id) => keys.interaction(id)));
      const states = entries.map((e) => (tx.assume(e.key, e.versionstamp, e.value), e.value));
      const busy = new Set<string>();
      let done = 0;
      let blockedBy: BatchDecision["blockedBy"] = null;
      for (const s of states) {
        if (s && s.state === "queued") {
          claims.contended = null;
          const d = await this.route(tx, s, claims, busy);
          if (!d) {
            // Only an agent placed in this commit (its pool entry predates it) or claimed by
            // another transaction could take it: it waits for them, and so does what follows.
            blockedBy = busy.size > 0 ? "pass" : claims.contended;
            if (blockedBy) break;
          } else {
            busy.add(d.state.agentId!);
            await this.apply(tx, s, d, SYSTEM);
          }
        }
        done++;
      }
      decided({ done, placed: busy.size, blockedBy });
      return { placed: busy.size, retried: attempt > 1 };
    });
  }
}

/** One dispatch pass: the claims of its batches carry it, to tell its own claims from others'. */
type Pass = { readonly id: symbol };

/** What a batch decided, before its commit: see `#offerBatch`. */
type BatchDecision = { done: number; placed: number; blockedBy: "pass" | "other" | null };
