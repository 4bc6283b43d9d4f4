/**
 * The dispatcher's pool: every available agent, held in memory as a cache of KV and indexed
 * for routing, so choosing an agent looks only at agents who could take the interaction, in the
 * strategy's order, instead of reading and weighing every agent for every offer.
 *
 * - Index: one list per (channel group, team, language), kept sorted by the strategy's order
 *   (`compareAgents`); an agent's change moves only that agent in its lists.
 * - Follows KV: loaded from the available-agents index (`keys.availableAgent`), then kept
 *   current with this process's own agent commits (`update`, with the commit's versionstamp).
 *   Every commit writing an agent also adds 1 to `keys.agentPoolHead`; when the head moved by
 *   more than this process's own commits, another process changed availability and the pool
 *   is reloaded before its next use (`behind`, then `invalidate`).
 * - Never trusted for correctness: an offer commits with a check on the agent's versionstamp
 *   as read here, so a stale entry fails its commit and the caller refreshes that agent and
 *   retries.
 */
import type { ChannelGroup } from "../lib/shared/config.ts";
import { keys } from "../lib/server/keys.ts";
import { compareAgents, ineligibility, type RoutingRequest, type Strategy } from "../lib/shared/routing.ts";
import type { AgentState } from "../actors/agent.ts";

export type PoolEntry = { value: AgentState; versionstamp: string };

export type PoolSelection = { entry: PoolEntry; newRound: boolean };

const bucketKey = (group: ChannelGroup, team: string, language: string) =>
  `${group}\u0000${team}\u0000${language}`;

function bucketKeysOf(a: AgentState): string[] {
  const out: string[] = [];
  for (const g of Object.keys(a.load) as ChannelGroup[]) {
    for (const t of a.teams) for (const l of a.languages) out.push(bucketKey(g, t, l));
  }
  return out;
}

/** The index proper: sorted lists per (group, team, language) over the entries of a map. */
class Index {
  readonly byId = new Map<string, PoolEntry>();
  #buckets = new Map<string, PoolEntry[]>();

  constructor(readonly strategy: Strategy) {}

  #groupOf(key: string): ChannelGroup {
    return key.slice(0, key.indexOf("\u0000")) as ChannelGroup;
  }

  /** Position where `e` belongs in `list` (binary search on the strategy's order). */
  #position(list: PoolEntry[], e: PoolEntry, group: ChannelGroup): number {
    let lo = 0, hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareAgents(list[mid].value, e.value, this.strategy, group) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  remove(id: string): void {
    const old = this.byId.get(id);
    if (!old) return;
    this.byId.delete(id);
    for (const k of bucketKeysOf(old.value)) {
      const list = this.#buckets.get(k);
      if (!list) continue;
      // The order is total (ties end on the id), so the entry sits where a search puts it; a
      // scan of thousands of entries per change was a visible share of a burst's CPU.
      let i = this.#position(list, old, this.#groupOf(k));
      if (list[i] !== old) i = list.indexOf(old);
      if (i >= 0) list.splice(i, 1);
    }
  }

  put(e: PoolEntry): void {
    this.remove(e.value.id);
    if (e.value.presence !== "available") return;
    this.byId.set(e.value.id, e);
    for (const k of bucketKeysOf(e.value)) {
      let list = this.#buckets.get(k);
      if (!list) this.#buckets.set(k, list = []);
      list.splice(this.#position(list, e, this.#groupOf(k)), 0, e);
    }
  }

  /** Builds every list at once (a load): one sort per list instead of one insertion per agent. */
  fill(entries: Iterable<PoolEntry>): void {
    for (const e of entries) {
      if (e.value.presence !== "available") continue;
      this.byId.set(e.value.id, e);
      for (const k of bucketKeysOf(e.value)) {
        let list = this.#buckets.get(k);
        if (!list) this.#buckets.set(k, list = []);
        list.push(e);
      }
    }
    for (const [k, list] of this.#buckets) {
      const g = this.#groupOf(k);
      list.sort((a, b) => compareAgents(a.value, b.value, this.strategy, g));
    }
  }

  /**
   * The best eligible agent for `req`, as `selectAgent` would choose among the same agents:
   * the preferred agent when eligible, else the first eligible one in the strategy's order
   * across the request's teams (each list is already in that order, so each scan usually stops
   * at its first entry).
   */
  best(
    req: RoutingRequest,
    ignoreExclusions: boolean,
    mayAccept: (a: AgentState) => boolean,
  ): PoolEntry | null {
    const ok = (e: PoolEntry) => mayAccept(e.value) && ineligibility(e.value, req, ignoreExclusions) === null;
    if (req.preferredAgentId) {
      const p = this.byId.get(req.preferredAgentId);
      if (p && ok(p)) return p;
    }
    let best: PoolEntry | null = null;
    for (const team of new Set(req.teams)) {
      const list = this.#buckets.get(bucketKey(req.group, team, req.language));
      if (!list) continue;
      const first = list.find(ok);
      if (first && (!best || compareAgents(first.value, best.value, this.strategy, req.group) < 0)) {
        best = first;
      }
    }
    return best;
  }

  anyRoomIn(group: ChannelGroup): boolean {
    for (const { value: a } of this.byId.values()) {
      if (a.load[group] < a.capacity[group].capacity) return true;
    }
    return false;
  }
}

export class AgentPool {
  #index: Index | null = null;
  #loading: Promise<Index> | null = null;
  /**
   * Bumped by every invalidation: a load that started before one may predate it, so it serves
   * its caller but is not kept (it could otherwise outlive the invalidation).
   */
  #generation = 0;
  /** Own commits applied while a load was reading, replayed on top of what it read. */
  #pendingUpdates: PoolEntry[] = [];
  /** The head's value the pool accounts for: the one read at load, plus own commits since. */
  #expectedHead: bigint | null = null;
  #lastOwnVersionstamp = "";
  /** Loads from KV (tests and the benchmark read it). */
  loads = 0;

  constructor(private readonly kv: Deno.Kv, private readonly strategy: () => Strategy) {}

  async #current(): Promise<Index> {
    const index = this.#index;
    if (index && index.strategy === this.strategy()) return index;
    if (index) {
      // The strategy changed (configuration): same agents, new order.
      const next = new Index(this.strategy());
      next.fill(index.byId.values());
      return this.#index = next;
    }
    return await (this.#loading ??= this.#load().finally(() => (this.#loading = null)));
  }

  async #load(): Promise<Index> {
    const generation = this.#generation;
    this.#pendingUpdates = [];
    // The head first: a change landing during the listing then shows as a move of the head.
    const head = await this.kv.get<Deno.KvU64>(keys.agentPoolHead());
    const byId = new Map<string, PoolEntry>();
    for await (const e of this.kv.list<AgentState>({ prefix: keys.availableAgents() })) {
      byId.set(e.value.id, { value: e.value, versionstamp: e.versionstamp });
    }
    this.loads++;
    const index = new Index(this.strategy());
    index.fill(byId.values());
    for (const u of this.#pendingUpdates) this.#apply(index, u);
    this.#pendingUpdates = [];
    if (generation === this.#generation) {
      this.#index = index;
      this.#expectedHead = head.value?.value ?? 0n;
    }
    return index;
  }

  #apply(index: Index, u: PoolEntry): void {
    const known = index.byId.get(u.value.id);
    if (known && known.versionstamp > u.versionstamp) return;
    index.put(u);
  }

  /**
   * Reads the given agents again and takes them in: after a commit failed its checks, only the
   * agents it offered to can be stale in the pool (nothing else of the pool was checked), so a
   * retry refreshes those few instead of reloading every available agent.
   */
  async refresh(ids: Iterable<string>): Promise<void> {
    const list = [...ids];
    if (!list.length) return;
    const got = await this.kv.getMany<AgentState[]>(list.map((id) => keys.agent(id)));
    this.refreshes += list.length;
    got.forEach((e, i) => {
      if (e.value && e.versionstamp) {
        const entry = { value: e.value, versionstamp: e.versionstamp };
        if (this.#loading) this.#pendingUpdates.push(entry);
        if (this.#index) this.#apply(this.#index, entry);
      } else this.#index?.remove(list[i]);
    });
  }

  /** Agents read again by `refresh` (the benchmark reads it). */
  refreshes = 0;

  /** Forgets everything: the next use reloads from KV (another process's change, a new strategy). */
  invalidate(): void {
    this.#generation++;
    this.#index = null;
    this.#expectedHead = null;
  }

  /**
   * Takes in an agent state this process just committed (its index entries carry the commit's
   * versionstamp): only that agent moves in its lists. An entry already newer is kept (hooks of
   * two commits may run out of order).
   */
  update(agent: AgentState, versionstamp: string): void {
    // Several agents of one commit arrive one after the other with the same versionstamp.
    if (versionstamp !== this.#lastOwnVersionstamp) {
      this.#lastOwnVersionstamp = versionstamp;
      if (this.#expectedHead !== null) this.#expectedHead++;
    }
    const entry = { value: agent, versionstamp };
    if (this.#loading) this.#pendingUpdates.push(entry);
    if (this.#index) this.#apply(this.#index, entry);
  }

  /**
   * Whether the head as read now is past what this process accounts for: another process
   * changed an agent — or this process committed and its hooks have not run yet, which is why
   * the caller confirms a little later before invalidating (see `Dispatcher.follow`).
   */
  behind(head: bigint | null): boolean {
    if (this.#expectedHead === null || this.#loading) return false;
    return (head ?? 0n) > this.#expectedHead;
  }

  /**
   * The agent to offer `req` to, or null when nobody available may take it now. `picked` runs
   * on the choice in the same synchronous step as the choosing: callers awaiting one load resume
   * one after the other, and each must see what the ones before it claimed.
   */
  async select(
    req: RoutingRequest,
    mayAccept: (a: AgentState) => boolean,
    picked: (a: AgentState) => void = () => {},
  ): Promise<PoolSelection | null> {
    const index = await this.#current();
    let sel: PoolSelection | null = null;
    const first = index.best(req, false, mayAccept);
    if (first) sel = { entry: first, newRound: false };
    else if (req.excludedAgents.length > 0) {
      const again = index.best(req, true, mayAccept);
      if (again) sel = { entry: again, newRound: true };
    }
    if (sel) picked(sel.entry.value);
    return sel;
  }

  /**
   * Loads the pool now rather than at the first offer (at start): a load lists every available
   * agent, and the offers arriving meanwhile would all wait for it.
   */
  async warm(): Promise<void> {
    await this.#current();
  }

  /** Whether any available agent could still take work in `group` (to end a pass early). */
  async anyRoomIn(group: ChannelGroup): Promise<boolean> {
    return (await this.#current()).anyRoomIn(group);
  }
}
