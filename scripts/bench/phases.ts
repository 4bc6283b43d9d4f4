/**
 * The benchmark's phases. Each one installs its own stream handler on the server, is bounded
 * by a count and a time limit, and returns plain numbers.
 */
import { stats } from "../../lib/actor.ts";
import type { BenchServer } from "./setup.ts";
import type { StreamEvent } from "./sse.ts";
import { inParallel, round, sleep, summarize, type Summary, waitFor } from "./stats.ts";

const OFFERED = "interaction.offered";
const runId = Date.now().toString(36);

/** Sends `count` webhooks at `rate`/s, open loop (each on schedule, whatever the previous one is doing). */
async function paced(
  count: number,
  rate: number,
  send: (i: number) => Promise<void>,
): Promise<{ seconds: number }> {
  const interval = 1000 / rate;
  const start = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const wait = start + i * interval - performance.now();
    if (wait > 0) await sleep(wait);
    inFlight.push(send(i));
  }
  const seconds = (performance.now() - start) / 1000;
  await Promise.all(inFlight);
  return { seconds };
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
  completed: number;
  /** Failed optimistic commits (retried) during the phase. */
  conflicts: number;
  /** Time the store took per atomic commit during the phase. */
  kvCommitMs: Summary;
  errors: string[];
};

/** Phase 1: paced webhooks to new threads; agents accept and complete each offer as it arrives. */
export async function loadPhase(s: BenchServer, rate: number, seconds: number): Promise<LoadResult> {
  const count = Math.max(1, Math.round(rate * seconds));
  const posted = new Map<string, { send: number; resp: number }>();
  const offeredAt = new Map<string, number>();
  const rtt: number[] = [];
  const errors: string[] = [];
  const work: Promise<void>[] = [];
  let completed = 0;
  const conflicts0 = stats.conflicts;
  const commits0 = s.ops.commitMs.length;
  s.onEvent = (e: StreamEvent) => {
    const id = e.data.interactionId as string;
    if (e.event !== OFFERED || offeredAt.has(id)) return;
    offeredAt.set(id, e.at);
    const agent = s.agent(e.agentId);
    work.push(
      s.act(agent, id, "accept").then(() => s.act(agent, id, "complete")).then(
        () => void completed++,
        (err) => void errors.push(String(err)),
      ),
    );
  };
  const { seconds: took } = await paced(count, rate, async (i) => {
    const send = performance.now();
    const r = await s.inbound(`load-${runId}-${i}`, i).catch((err) => ({ status: 0, body: String(err) }));
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
  const fromResp: number[] = [], fromSend: number[] = [];
  let notOffered = 0;
  for (const [id, t] of posted) {
    const at = offeredAt.get(id);
    if (at === undefined) notOffered++;
    else fromResp.push(at - t.resp), fromSend.push(at - t.send);
  }
  return {
    sent: count,
    achievedRate: round(count / took),
    responseToOffered: summarize(fromResp),
    sendToOffered: summarize(fromSend),
    postRoundTrip: summarize(rtt),
    notOffered,
    completed,
    conflicts: stats.conflicts - conflicts0,
    kvCommitMs: summarize(s.ops.commitMs.slice(commits0)),
    errors,
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

/** Waits until no KV operation has happened for `quietMs` (bounded), so counts do not bleed over. */
async function quiesce(s: BenchServer, quietMs = 30, limitMs = 1_000): Promise<void> {
  const deadline = performance.now() + limitMs;
  const sum = () => s.ops.atomicCommits + s.ops.sets + s.ops.deletes + s.ops.keysRead + s.ops.listEntries;
  await s.desk.dispatcher.settle();
  for (let last = sum(); performance.now() < deadline;) {
    await sleep(quietMs);
    const now = sum();
    if (now === last) return;
    last = now;
  }
}

/**
 * Phase 2: KV operations from inbound to accepted, one interaction at a time with nothing else
 * running. `transactCommits` counts `stats.commits` (successful `transact` commits);
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
  const deadline = performance.now() + 60_000;
  let done = 0;
  for (let i = 0; i < sample && performance.now() < deadline; i++) {
    await quiesce(s);
    const c0 = stats.commits, k0 = stats.conflicts, o0 = { ...s.ops };
    const r = await s.inbound(`commits-${runId}-${i}`, i);
    const id = r.body?.interactionId as string | undefined;
    if (r.status !== 202 || !id) {
      throw new Error(`commit sample webhook: ${r.status} ${JSON.stringify(r.body)}`);
    }
    if (!(await waitFor(() => offered.has(id), 5_000))) {
      throw new Error(`commit sample: ${id} was not offered`);
    }
    const agent = s.agent(offered.get(id)!);
    await s.act(agent, id, "accept");
    await quiesce(s);
    total.transact += stats.commits - c0;
    total.conflicts += stats.conflicts - k0;
    total.atomic += s.ops.atomicCommits - o0.atomicCommits;
    total.sets += s.ops.sets - o0.sets;
    total.deletes += s.ops.deletes - o0.deletes;
    total.keysRead += s.ops.keysRead - o0.keysRead;
    total.listEntries += s.ops.listEntries - o0.listEntries;
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
  s.setRouting({ acceptTimeout: 1 });
  const before = s.desk.timerLateness.length;
  const conflicts0 = stats.conflicts;
  try {
    await paced(count, rate, async (i) => {
      const r = await s.inbound(`timers-${runId}-${i}`, i).catch((err) => ({ status: 0, body: String(err) }));
      if (r.status !== 202) errors.push(`webhook ${i}: ${r.status} ${JSON.stringify(r.body)}`);
    });
    await waitFor(() => completed + errors.length >= count, 30_000);
  } finally {
    s.setRouting({ acceptTimeout: null });
  }
  return {
    timers: s.desk.timerLateness.length - before,
    lateness: summarize(s.desk.timerLateness.slice(before)),
    completed,
    conflicts: stats.conflicts - conflicts0,
    errors,
  };
}

export type BurstResult = {
  conflicts: number;
  queued: number;
  offered: number;
  enqueueRate: number;
  presenceSeconds: number;
  seconds: number;
  routedPerSecond: number;
};

/**
 * Phase 4: `count` interactions queued while every agent is away, then every agent set
 * available; measures how fast the dispatcher offers them all (offers seen on the streams).
 */
export async function burstPhase(s: BenchServer, count: number): Promise<BurstResult> {
  const offeredAt = new Map<string, number>();
  s.onEvent = (e) => {
    const id = e.data.interactionId as string;
    if (e.event === OFFERED && !offeredAt.has(id)) offeredAt.set(id, e.at);
  };
  await s.presence("away");
  const ids = new Set<string>();
  const t0 = performance.now();
  await inParallel(Array.from({ length: count }, (_, i) => i), 8, async (i) => {
    const r = await s.inbound(`burst-${runId}-${i}`, i);
    if (r.status !== 202 || !r.body?.interactionId) {
      throw new Error(`burst webhook ${i}: ${r.status} ${JSON.stringify(r.body)}`);
    }
    ids.add(r.body.interactionId);
  });
  const enqueueRate = round(count / ((performance.now() - t0) / 1000));
  await s.desk.dispatcher.settle();
  const early = [...ids].filter((id) => offeredAt.has(id)).length;
  if (early) throw new Error(`burst: ${early} offered while every agent was away`);
  const start = performance.now();
  const conflicts0 = stats.conflicts;
  await s.presence("available", 16);
  const presenceSeconds = round((performance.now() - start) / 1000, 3);
  const offered = () => [...ids].filter((id) => offeredAt.has(id));
  await waitFor(() => offered().length >= ids.size, 120_000);
  const done = offered();
  const last = Math.max(start, ...done.map((id) => offeredAt.get(id)!));
  const seconds = round((last - start) / 1000, 3);
  return {
    conflicts: stats.conflicts - conflicts0,
    queued: ids.size,
    offered: done.length,
    enqueueRate,
    presenceSeconds,
    seconds,
    routedPerSecond: round(done.length / Math.max(seconds, 0.001)),
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
