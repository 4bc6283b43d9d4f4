/**
 * The benchmark's phases. Each one installs its own stream handler on the server, is bounded
 * by a count and a time limit, and returns plain numbers.
 */
import type { ProcessProbe, ProcessWindow, ServerWindow } from "./probe.ts";
import type { BenchAgent, BenchServer } from "./setup.ts";
import type { StreamEvent } from "./sse.ts";
import { inParallel, round, sleep, summarize, type Summary, waitFor } from "./stats.ts";

const OFFERED = "interaction.offered";
const runId = Date.now().toString(36);

/** Whether the load generator kept its schedule: the run measures the server only if it did. */
export type Schedule = {
  /** Requests sent ÷ the time it took to send them. */
  sentRate: number;
  targetRate: number;
  /** How late each send left against its slot (ms): the generator's own lag. */
  slipMs: Summary;
};

/** The schedule held when the sent rate is within 2 % of the target and no send left > 10 ms late (p99). */
export const keptSchedule = (s: Schedule): boolean => s.sentRate >= s.targetRate * 0.98 && s.slipMs.p99 <= 10;

/** Sends `count` requests at `rate`/s, open loop (each on schedule, whatever the previous one is doing). */
async function paced(
  count: number,
  rate: number,
  send: (i: number) => Promise<void>,
): Promise<{ seconds: number; schedule: Schedule }> {
  const interval = 1000 / rate;
  const start = performance.now();
  const inFlight: Promise<void>[] = [];
  const slip: number[] = [];
  for (let i = 0; i < count; i++) {
    const slot = start + i * interval;
    const wait = slot - performance.now();
    if (wait > 0) await sleep(wait);
    slip.push(Math.max(0, performance.now() - slot));
    inFlight.push(send(i));
  }
  // The last send closes the schedule: count − 1 intervals of sending, plus one interval for it.
  const seconds = (performance.now() - start) / 1000 + interval / 1000;
  await Promise.all(inFlight);
  return {
    seconds,
    schedule: { sentRate: round(count / seconds), targetRate: rate, slipMs: summarize(slip) },
  };
}

export type LoadResult = {
  sent: number;
  achievedRate: number;
  /** 202 received → offered received on the agent's stream (negative: the event beat the response). */
  responseToOffered: Summary;
  /** POST sent → offered received on the agent's stream. */
  sendToOffered: Summary;
  postRoundTrip: Summary;
  notOffered: number;
  /** Offers handled as the cycle says (completed, or left pending for `offer`). */
  completed: number;
  /** Failed optimistic commits (retried) during the phase. */
  conflicts: number;
  /** Time the store took per atomic commit during the phase. */
  kvCommitMs: Summary;
  errors: string[];
  schedule: Schedule;
  /** The server's own CPU, lag, RSS and KV work during the phase. */
  server: ServerWindow;
};

/**
 * What an agent does with each offer in the load phase: `complete` accepts then completes it as
 * it arrives (issue 2's load: three transactions and three requests per interaction), `offer`
 * leaves it pending while the phase is measured, then accepts and completes it (webhooks only,
 * the load of issue 15's independent generator).
 */
export type Cycle = "offer" | "complete";

/** Phase 1: paced webhooks to new threads; agents handle each offer as `cycle` says. */
export async function loadPhase(
  s: BenchServer,
  rate: number,
  seconds: number,
  cycle: Cycle = "complete",
): Promise<LoadResult> {
  const count = Math.max(1, Math.round(rate * seconds));
  const posted = new Map<string, { send: number; resp: number }>();
  const offeredAt = new Map<string, number>();
  const rtt: number[] = [];
  const errors: string[] = [];
  const work: Promise<void>[] = [];
  let completed = 0;
  const pending: [BenchAgent, string][] = [];
  const mark = await s.mark();
  s.onEvent = (e: StreamEvent) => {
    const id = e.data.interactionId as string;
    if (e.event !== OFFERED || offeredAt.has(id)) return;
    offeredAt.set(id, e.at);
    const agent = s.agent(e.agentId);
    if (cycle === "offer") {
      pending.push([agent, id]);
      completed++;
      return;
    }
    work.push(
      s.act(agent, id, "accept").then(() => s.act(agent, id, "complete")).then(
        () => void completed++,
        (err) => void errors.push(String(err)),
      ),
    );
  };
  const { schedule } = await paced(count, rate, async (i) => {
    const send = performance.now();
    const r = await s.inbound(`load-${cycle}-${runId}-${i}`, i).catch((err) => ({
      status: 0,
      body: String(err),
    }));
    const resp = performance.now();
    if (r.status !== 202 || !r.body?.interactionId) {
      return void errors.push(`webhook ${i}: ${r.status} ${JSON.stringify(r.body)}`);
    }
    rtt.push(resp - send);
    posted.set(r.body.interactionId, { send, resp });
  });
  await waitFor(() => [...posted.keys()].every((id) => offeredAt.has(id)), 10_000);
  await waitFor(() => completed + errors.length >= offeredAt.size, 30_000);
  await Promise.race([Promise.all(work), sleep(5_000)]);
  const server = await s.window(mark);
  // Measured: now clear the offers left pending (an agent holds one offer at a time), so the
  // phases after this one find every agent free.
  await inParallel(pending, 16, async ([agent, id]) => {
    await s.act(agent, id, "accept");
    await s.act(agent, id, "complete");
  });
  const fromResp: number[] = [], fromSend: number[] = [];
  let notOffered = 0;
  for (const [id, t] of posted) {
    const at = offeredAt.get(id);
    if (at === undefined) notOffered++;
    else fromResp.push(at - t.resp), fromSend.push(at - t.send);
  }
  return {
    sent: count,
    achievedRate: schedule.sentRate,
    responseToOffered: summarize(fromResp),
    sendToOffered: summarize(fromSend),
    postRoundTrip: summarize(rtt),
    notOffered,
    completed,
    conflicts: server.conflicts,
    kvCommitMs: server.kv.commitMs,
    errors,
    schedule,
    server,
  };
}

export type CommitResult = {
  sample: number;
  transactCommits: number;
  kvAtomicCommits: number;
  kvSets: number;
  kvDeletes: number;
  kvKeysRead: number;
  kvListEntries: number;
  conflicts: number;
};

/**
 * Phase 2: KV operations from inbound to accepted, one interaction at a time with nothing else
 * running, counted by the server between two quiet points. `transactCommits` counts the
 * server's successful `transact` commits;
 * `kvAtomicCommits`/`kvSets`/`kvDeletes` count every write reaching the store, including direct
 * ones outside `transact` (none are expected on this path); reads include the authentication
 * of the accept request and the event stream's reads of the feed.
 */
export async function commitPhase(s: BenchServer, sample: number): Promise<CommitResult> {
  const offered = new Map<string, string>();
  s.onEvent = (e) => {
    if (e.event === OFFERED) offered.set(e.data.interactionId as string, e.agentId);
  };
  const total = { transact: 0, atomic: 0, sets: 0, deletes: 0, keysRead: 0, listEntries: 0, conflicts: 0 };
  // What the previous phase left to do (a backlog on a loaded machine) must not be counted here.
  await s.quiesce(60_000);
  const deadline = performance.now() + 60_000;
  let done = 0;
  for (let i = 0; i < sample && performance.now() < deadline; i++) {
    await s.quiesce();
    const mark = await s.mark();
    const r = await s.inbound(`commits-${runId}-${i}`, i);
    const id = r.body?.interactionId as string | undefined;
    if (r.status !== 202 || !id) {
      throw new Error(`commit sample webhook: ${r.status} ${JSON.stringify(r.body)}`);
    }
    // Long enough for a loaded machine still draining the load phase; the error tells what the
    // store holds, to tell a slow stream from an interaction left waiting.
    if (!(await waitFor(() => offered.has(id), 30_000))) {
      const stored = await s.interaction(id);
      throw new Error(
        `commit sample: no offer of ${id} on the streams within 30 s; stored: ${
          stored ? `${stored.state} (agent ${stored.agentId})` : "nothing"
        }`,
      );
    }
    const agent = s.agent(offered.get(id)!);
    await s.act(agent, id, "accept");
    await s.quiesce();
    const w = await s.window(mark);
    total.transact += w.commits;
    total.conflicts += w.conflicts;
    total.atomic += w.kv.atomicCommits;
    total.sets += w.kv.sets;
    total.deletes += w.kv.deletes;
    total.keysRead += w.kv.keysRead;
    total.listEntries += w.kv.listEntries;
    done++;
    await s.act(agent, id, "complete");
  }
  const avg = (x: number) => round(x / Math.max(1, done), 3);
  return {
    sample: done,
    transactCommits: avg(total.transact),
    kvAtomicCommits: avg(total.atomic),
    kvSets: avg(total.sets),
    kvDeletes: avg(total.deletes),
    kvKeysRead: avg(total.keysRead),
    kvListEntries: avg(total.listEntries),
    conflicts: avg(total.conflicts),
  };
}

export type TimerResult = {
  timers: number;
  lateness: Summary;
  completed: number;
  conflicts: number;
  errors: string[];
  schedule: Schedule;
  server: ServerWindow;
};

/**
 * Phase 3: accept time limits firing under load. With a 1 s limit, each interaction's first
 * offer is left to lapse (a timer fires and it is re-offered to someone else), the second is
 * accepted and completed. Lateness samples come from desk.timerLateness (fire time − due time).
 */
export async function timerPhase(s: BenchServer, count: number, rate: number): Promise<TimerResult> {
  const offers = new Map<string, number>();
  const errors: string[] = [];
  let completed = 0;
  s.onEvent = (e) => {
    if (e.event !== OFFERED) return;
    const id = e.data.interactionId as string;
    const n = (offers.get(id) ?? 0) + 1;
    offers.set(id, n);
    if (n !== 2) return;
    const agent = s.agent(e.agentId);
    s.act(agent, id, "accept").then(() => s.act(agent, id, "complete")).then(
      () => void completed++,
      (err) => void errors.push(String(err)),
    );
  };
  await s.setRouting({ acceptTimeout: 1 });
  const mark = await s.mark();
  let schedule: Schedule;
  try {
    ({ schedule } = await paced(count, rate, async (i) => {
      const r = await s.inbound(`timers-${runId}-${i}`, i).catch((err) => ({ status: 0, body: String(err) }));
      if (r.status !== 202) errors.push(`webhook ${i}: ${r.status} ${JSON.stringify(r.body)}`);
    }));
    await waitFor(() => completed + errors.length >= count, 30_000);
  } finally {
    await s.setRouting({ acceptTimeout: null });
  }
  const server = await s.window(mark);
  return {
    timers: server.timerLatenessMs.n,
    lateness: server.timerLatenessMs,
    completed,
    conflicts: server.conflicts,
    errors,
    schedule,
    server,
  };
}

let bursts = 0;

export type BurstResult = {
  /** Agents made available for the burst. */
  agents: number;
  conflicts: number;
  queued: number;
  offered: number;
  enqueueRate: number;
  presenceSeconds: number;
  seconds: number;
  routedPerSecond: number;
  /** The server's own figures while it placed the burst. */
  server: ServerWindow;
  /** The load generator's (this process: every agent's stream) over the same window, if probed. */
  generator: ProcessWindow | null;
};

/**
 * Phase 4: `count` interactions queued while every agent is away, then `agents` (default all)
 * set available with dispatch held back; measures how fast the dispatcher offers them all once
 * released (release → last offer seen on the streams).
 * The queue is left empty: each offer is then withdrawn by completing nothing — the next burst
 * uses fresh agents' capacity, so callers size capacity for every burst they run.
 */
export async function burstPhase(
  s: BenchServer,
  count: number,
  agents: BenchAgent[] = s.agents,
  generator: ProcessProbe | null = null,
): Promise<BurstResult> {
  const offeredAt = new Map<string, number>();
  s.onEvent = (e) => {
    const id = e.data.interactionId as string;
    if (e.event === OFFERED && !offeredAt.has(id)) offeredAt.set(id, e.at);
  };
  await s.presence("away");
  const ids = new Set<string>();
  const burstId = `${runId}-${++bursts}`;
  const t0 = performance.now();
  await inParallel(Array.from({ length: count }, (_, i) => i), 8, async (i) => {
    const r = await s.inbound(`burst-${burstId}-${i}`, i);
    if (r.status !== 202 || !r.body?.interactionId) {
      throw new Error(`burst webhook ${i}: ${r.status} ${JSON.stringify(r.body)}`);
    }
    ids.add(r.body.interactionId);
  });
  const enqueueRate = round(count / ((performance.now() - t0) / 1000));
  await s.settle();
  const early = [...ids].filter((id) => offeredAt.has(id)).length;
  if (early) throw new Error(`burst: ${early} offered while every agent was away`);
  // The agents come back with dispatch held, so the figure times placing the queue alone
  // (presence changes are commits of their own, as many as the agents).
  await s.hold();
  const p0 = performance.now();
  await s.presence("available", 16, agents);
  const presenceSeconds = round((performance.now() - p0) / 1000, 3);
  await s.quiesce();
  const mark = await s.mark();
  const own = generator?.mark() ?? null;
  const start = performance.now();
  await s.release();
  const offered = () => [...ids].filter((id) => offeredAt.has(id));
  await waitFor(() => offered().length >= ids.size, 120_000);
  const done = offered();
  const last = Math.max(start, ...done.map((id) => offeredAt.get(id)!));
  const seconds = round((last - start) / 1000, 3);
  const generatorWindow = own && generator ? generator.since(own) : null;
  const server = await s.window(mark);
  return {
    agents: agents.length,
    conflicts: server.conflicts,
    queued: ids.size,
    offered: done.length,
    enqueueRate,
    presenceSeconds,
    seconds,
    routedPerSecond: round(done.length / Math.max(seconds, 0.001)),
    server,
    generator: generatorWindow,
  };
}

export type RawKvResult = {
  commits: number;
  seconds: number;
  /** Sequential check+set commits on one key: one commit waits for the previous one. */
  perSecond: number;
  commitMs: Summary;
  /** The same with `concurrency` writers on distinct keys (what a busy desk does). */
  concurrent: { concurrency: number; commits: number; seconds: number; perSecond: number; commitMs: Summary };
};

/** Check+set commits on `key` until `until` (performance.now()), each commit's time pushed to `took`. */
async function commitLoop(kv: Deno.Kv, key: Deno.KvKey, until: number, took: number[]): Promise<void> {
  let versionstamp: string | null = null;
  for (let n = 0; performance.now() < until && n < 5_000_000; n++) {
    const t = performance.now();
    const r: Deno.KvCommitResult | Deno.KvCommitError = await kv.atomic().check({ key, versionstamp }).set(
      key,
      { n, at: Date.now() },
    ).commit();
    if (!r.ok) throw new Error("raw KV commit failed its own check");
    took.push(performance.now() - t);
    versionstamp = r.versionstamp;
  }
}

/**
 * The store's own ceiling on a separate KV of the same kind: first sequential check+set atomic
 * commits on one key, then `concurrency` writers on distinct keys for as long again.
 */
export async function rawKvPhase(path: string, seconds: number, concurrency = 16): Promise<RawKvResult> {
  const kv = await Deno.openKv(path);
  try {
    const seq: number[] = [];
    let start = performance.now();
    await commitLoop(kv, ["bench", "counter"], start + seconds * 1000, seq);
    const elapsed = (performance.now() - start) / 1000;
    const par: number[] = [];
    start = performance.now();
    await Promise.all(
      Array.from(
        { length: concurrency },
        (_, i) => commitLoop(kv, ["bench", "writer", i], start + seconds * 1000, par),
      ),
    );
    const parElapsed = (performance.now() - start) / 1000;
    return {
      commits: seq.length,
      seconds: round(elapsed, 3),
      perSecond: round(seq.length / elapsed),
      commitMs: summarize(seq),
      concurrent: {
        concurrency,
        commits: par.length,
        seconds: round(parElapsed, 3),
        perSecond: round(par.length / parElapsed),
        commitMs: summarize(par),
      },
    };
  } finally {
    kv.close();
  }
}

/** The keys an offer writes in a dispatch commit (`deno task bench` core: KV mutations by family). */
export const KEYS_PER_OFFER = 14;
/** The sums a dispatch commit writes once, whatever its offers (supervision heads, gauges, day figures). */
export const SHARED_SUMS_PER_COMMIT = 8;

export type ShapedKvResult = {
  writers: number;
  commits: number;
  seconds: number;
  perSecond: number;
  /** Offers a second these commits would carry at `OFFERS_PER_COMMIT` each: the store's ceiling for dispatch. */
  offersPerSecond: number;
  commitMs: Summary;
};

/**
 * The store's own ceiling for commits shaped like a dispatch commit, on a separate KV of the
 * same kind: `writers` at once (a pass keeps `COMMITS_IN_FLIGHT` in flight), each commit checking
 * 2 keys per offer and writing `KEYS_PER_OFFER` keys per offer spread over 2,000 agents and fresh ids (its
 * interaction, indexes, agent, folder, feed, audit: `scripts/dev/kv_paced_commits.ts` shows
 * spread keys cost more than appended ones) plus `SHARED_SUMS_PER_COMMIT` sums shared by the commit's offers. An
 * approximation of the desk's commit, to tell how much of the store a burst uses; the issue's
 * ratio stays against the bare check+set loop.
 */
export async function dispatchShapedKvPhase(
  path: string,
  seconds: number,
  offersPerCommit: number,
  writers: number,
): Promise<ShapedKvResult> {
  const kv = await Deno.openKv(path);
  const value = { text: "x".repeat(560), n: 1 };
  const record = {
    id: "01KBENCH0000000000000000000",
    state: "offered",
    sourceId: "web",
    agentId: "a1",
    n: 1,
  };
  const took: number[] = [];
  let seq = 0;
  const until = performance.now() + seconds * 1000;
  /** One offer's share of the commit: its 2 checks and `KEYS_PER_OFFER` keys, as the desk writes them. */
  const stageOffer = (op: Deno.AtomicOperation, id: string, agent: number, check: Deno.KvKey) => {
    op.check({ key: ["interaction", id], versionstamp: null }, { key: check, versionstamp: null });
    const sets: Deno.KvKey[] = [
      ["interaction", id],
      ["agent", agent],
      ["feed", agent, ++seq],
      ["audit", id, 0],
    ];
    // The folder and open-interaction indexes hold records (the fields lists filter on), not views.
    const records: Deno.KvKey[] = [
      ["folder", agent, id],
      ["open_by_state", "offered", id],
      ["open_by_source", "web", id],
    ];
    const deletes: Deno.KvKey[] = [
      ["queue", id],
      ["open_by_state", "queued", id],
      ["open_by_source", "web", "queued", id],
      ["waiting_since", id],
    ];
    const sums: Deno.KvKey[] = [["folder_count", agent], ["stat_agent_day", agent], ["feed_head", agent]];
    for (const k of sets) op.set(k, value);
    for (const k of records) op.set(k, record);
    for (const k of deletes) op.delete(k);
    for (const k of sums) op.sum(k, 1n);
  };
  const writer = async (w: number) => {
    for (let n = 0; performance.now() < until && n < 1_000_000; n++) {
      const op = kv.atomic();
      for (let o = 0; o < offersPerCommit; o++) {
        stageOffer(op, `${w}-${n}-${o}`, Math.floor(Math.random() * 2000), ["agent", w, n, o]);
      }
      for (let s = 0; s < SHARED_SUMS_PER_COMMIT; s++) op.sum(["shared_sum", s], 1n);
      const t = performance.now();
      const r = await op.commit();
      if (!r.ok) throw new Error("a dispatch-shaped commit failed its own checks");
      took.push(performance.now() - t);
    }
  };
  const start = performance.now();
  try {
    await Promise.all(Array.from({ length: writers }, (_, w) => writer(w)));
  } finally {
    kv.close();
  }
  const elapsed = (performance.now() - start) / 1000;
  return {
    writers,
    commits: took.length,
    seconds: round(elapsed, 3),
    perSecond: round(took.length / elapsed),
    offersPerSecond: round((took.length * offersPerCommit) / elapsed),
    commitMs: summarize(took),
  };
}
