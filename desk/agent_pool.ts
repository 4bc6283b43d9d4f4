/**
 * The dispatcher's pool: every available agent, held in memory as a cache of KV and indexed
 * for routing, so choosing an agent looks only at agents who could take the interaction, in the
 * strategy's order, instead of reading and weighing every agent for every offer.
 *
 * - Index: one list per (channel group, team, language), kept sorted by the strategy's order
 *   (`compareAgents`); an agent's change moves only that agent in its lists.
 * - Follows KV: loaded from the available-agents index (`keys.availableAgent`, pointers) and
 *   the agents it names, then kept current with this process's own agent commits (`update`,
 *   with the commit's versionstamp). Every commit writing an agent also writes an entry of the
 *   agents' move log naming it and adds 1 to `keys.supervisionAgentsHead`, in the same commit
 *   (desk/supervisor_counters.ts). When the head moved by more than this process's own commits,
 *   another process moved agents: `catchUp` lists the log entries the head counts since the
 *   pool last looked and reads again only the agents they name. Only when the log does not
 *   account for the head's move (entries expired, or staged too long before they landed) is
 *   the pool loaded again.
 * - Never trusted for correctness: an offer commits with a check on the agent's versionstamp
 *   as read here, so a stale entry fails its commit and the caller refreshes that agent and
 *   retries.
 */
import type { ChannelGroup } from "../lib/shared/config.ts";
import { encodeTime } from "ulid";
import { keys } from "../lib/server/keys.ts";
import { getManyInChunks } from "../lib/server/get_many.ts";
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

/** Log entries are listed from this long before the pool last read the head (commits land out of id order). */
const LOG_SLACK_MS = 5_000;
/**
 * Where the pool stands in the agents' move log: every commit the head counted at `stamp` has
 * been applied; own commits since are in `ownAhead` (their agents came through `update`).
 */
type LogCursor = {
  /** The agents' head as read at `stamp`. */
  head: bigint;
  /** The versionstamp of that read ("" when the head did not exist yet). */
  stamp: string;
  /** Wall time of that read: the next listing of the log starts a slack before it. */
  readAt: number;
  /** Log entries of this process's commits landed after `stamp`: id → versionstamp. */
  ownAhead: Map<string, string>;
};

/** Reads agents by id, several reads of ten at once. */
const readAgents = (kv: Deno.Kv, ids: string[]) =>
  getManyInChunks<AgentState>(kv, ids.map((id) => keys.agent(id)));

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
  /** Own log entries committed while a load was reading: sorted out once it knows its head. */
  #pendingLogged: { id: string; versionstamp: string }[] = [];
  #cursor: LogCursor | null = null;
  #catchingUp: Promise<boolean> | null = null;
  /** Loads from KV (tests and the benchmark read it). */
  loads = 0;
  /** Agents read again by `refresh` or `catchUp` (the benchmark reads it). */
  refreshes = 0;
  /** Other processes' log entries applied by `catchUp` (tests read it). */
  followed = 0;

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
    this.#pendingLogged = [];
    // The head first: a change landing during the reads is a log entry past its versionstamp,
    // which the next `catchUp` applies.
    const readAt = Date.now();
    const head = await this.kv.get<Deno.KvU64>(keys.supervisionAgentsHead());
    const ids = new Set<string>();
    for await (const e of this.kv.list({ prefix: keys.availableAgents() })) ids.add(String(e.key[2]));
    const byId = new Map<string, PoolEntry>();
    for (const e of await readAgents(this.kv, [...ids])) {
      if (e.value && e.versionstamp) byId.set(e.value.id, { value: e.value, versionstamp: e.versionstamp });
    }
    this.loads++;
    const index = new Index(this.strategy());
    index.fill(byId.values());
    for (const u of this.#pendingUpdates) this.#apply(index, u);
    this.#pendingUpdates = [];
    const cursor: LogCursor = {
      head: head.value?.value ?? 0n,
      stamp: head.versionstamp ?? "",
      readAt,
      ownAhead: new Map(),
    };
    for (const o of this.#pendingLogged) {
      if (o.versionstamp > cursor.stamp) cursor.ownAhead.set(o.id, o.versionstamp);
    }
    this.#pendingLogged = [];
    if (generation === this.#generation) {
      this.#index = index;
      this.#cursor = cursor;
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
    const got = await readAgents(this.kv, list);
    this.refreshes += list.length;
    got.forEach((e, i) => {
      if (e.value && e.versionstamp) {
        const entry = { value: e.value, versionstamp: e.versionstamp };
        if (this.#loading) this.#pendingUpdates.push(entry);
        if (this.#index) this.#apply(this.#index, entry);
      } else this.#index?.remove(list[i]);
    });
  }

  /** Forgets everything: the next use reloads from KV (the log does not account for a move). */
  invalidate(): void {
    this.#generation++;
    this.#index = null;
    this.#cursor = null;
  }

  /**
   * Takes in an agent state this process just committed (its index entries carry the commit's
   * versionstamp): only that agent moves in its lists. An entry already newer is kept (hooks of
   * two commits may run out of order).
   */
  update(agent: AgentState, versionstamp: string): void {
    const entry = { value: agent, versionstamp };
    if (this.#loading) this.#pendingUpdates.push(entry);
    if (this.#index) this.#apply(this.#index, entry);
  }

  /**
   * Takes note of a log entry this process just committed (`onAgentLogCommit`): the head counts
   * it, and its agents reach the pool through `update`, so `catchUp` need not read them.
   */
  logged(id: string, versionstamp: string): void {
    if (this.#loading) this.#pendingLogged.push({ id, versionstamp });
    const cursor = this.#cursor;
    if (cursor && versionstamp > cursor.stamp) cursor.ownAhead.set(id, versionstamp);
  }

  /**
   * Whether the head as read now is past what this process accounts for: another process
   * moved an agent — or this process committed and its hooks have not run yet, which is why
   * the caller confirms a little later before catching up (see `Dispatcher.follow`).
   */
  behind(head: bigint | null): boolean {
    const cursor = this.#cursor;
    if (cursor === null || this.#loading) return false;
    return (head ?? 0n) > cursor.head + BigInt(cursor.ownAhead.size);
  }

  /**
   * Applies the agents' move log since the pool last looked: reads the head, lists the entries
   * it counts past the previous read, and reads again the agents named by other processes'
   * entries. When the entries listed fall short of the head's move, the pool is reloaded before
   * its next use. True when anything moved (a dispatch pass may have work to place).
   */
  catchUp(): Promise<boolean> {
    return this.#catchingUp ??= this.#catchUp().finally(() => (this.#catchingUp = null));
  }

  async #catchUp(): Promise<boolean> {
    const cursor = this.#cursor;
    if (!cursor || this.#loading) return false;
    const readAt = Date.now();
    const head = await this.kv.get<Deno.KvU64>(keys.supervisionAgentsHead());
    const count = head.value?.value ?? 0n, stamp = head.versionstamp ?? "";
    // Own commits all landed before their hooks told the pool, so the head counts them.
    if (count <= cursor.head + BigInt(cursor.ownAhead.size)) return false;
    const moved: string[] = [];
    let listed = 0n;
    const from = encodeTime(Math.max(0, cursor.readAt - LOG_SLACK_MS), 10);
    const log = keys.supervisionAgentLogs();
    for await (const e of this.kv.list<string[]>({ start: [...log, from], end: [...log, "~"] })) {
      if (e.versionstamp <= cursor.stamp || e.versionstamp > stamp) continue;
      listed++;
      if (!cursor.ownAhead.has(String(e.key[1]))) moved.push(...e.value);
    }
    if (this.#cursor !== cursor) return false; // reloaded meanwhile
    if (listed < count - cursor.head) {
      this.invalidate();
      return true;
    }
    cursor.head = count;
    cursor.stamp = stamp;
    cursor.readAt = readAt;
    for (const [id, v] of cursor.ownAhead) if (v <= stamp) cursor.ownAhead.delete(id);
    const ids = new Set(moved);
    this.followed += ids.size;
    await this.refresh(ids);
    return true;
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
