/**
 * Inside the bench server's process: what the server itself spends while a phase runs. A phase
 * takes a mark, runs, then asks for the window since it: the server's CPU time (share of one
 * core), its event-loop lag, its RSS, the KV operations it made (counted by `countingKv`), its
 * commits and conflicts, and the timer lateness it saw. Figures measured from outside are then
 * shown beside what the server was doing while they were taken.
 */
import { cpuUsage } from "node:process";
import { stats } from "../../lib/server/actor.ts";
import type { KvOps } from "./kv_count.ts";
import { round, summarize, type Summary } from "./stats.ts";
import { type ThreadShares, threadShares, type ThreadTicks, threadTicks } from "./threads.ts";

/** A process's own CPU time, event-loop lag and RSS (also used by the load generator on itself). */
export class ProcessProbe {
  #lag: number[] = [];
  #rssMax = 0;
  #timer: ReturnType<typeof setInterval>;
  #last = performance.now();
  #ticks = 0;

  constructor(private readonly periodMs = 10) {
    this.#timer = setInterval(() => {
      const now = performance.now();
      if (this.#lag.length < 2_000_000) this.#lag.push(Math.max(0, now - this.#last - periodMs));
      this.#last = now;
      // RSS every ~250 ms: cheap enough, and peaks last longer than that.
      if (++this.#ticks % 25 === 0) this.#rssMax = Math.max(this.#rssMax, Deno.memoryUsage().rss);
    }, periodMs);
  }

  /** Where a window starts. */
  mark(): ProcessMark {
    const rss = Deno.memoryUsage().rss;
    this.#rssMax = rss;
    const cpu = cpuUsage();
    return {
      at: performance.now(),
      cpuMicros: cpu.user + cpu.system,
      lagIndex: this.#lag.length,
      threads: threadTicks(),
    };
  }

  /** CPU, lag and memory since `m`. */
  since(m: ProcessMark): ProcessWindow {
    const wallMs = performance.now() - m.at;
    const cpu = cpuUsage();
    const cpuMs = (cpu.user + cpu.system - m.cpuMicros) / 1000;
    const rss = Deno.memoryUsage().rss;
    const threadsNow = m.threads ? threadTicks() : null;
    return {
      ...(m.threads && threadsNow ? { threads: threadShares(m.threads, threadsNow, wallMs) } : {}),
      wallMs: round(wallMs, 1),
      cpuMs: round(cpuMs, 1),
      cpuPercent: round((100 * cpuMs) / Math.max(1, wallMs), 1),
      lagMs: summarize(this.#lag.slice(m.lagIndex)),
      rssMiB: round(rss / 2 ** 20, 1),
      rssMaxMiB: round(Math.max(rss, this.#rssMax) / 2 ** 20, 1),
    };
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

export type ProcessMark = { at: number; cpuMicros: number; lagIndex: number; threads: ThreadTicks | null };

export type ProcessWindow = {
  wallMs: number;
  cpuMs: number;
  /** CPU time ÷ wall time, in % of one core (a single-threaded loop saturates near 100). */
  cpuPercent: number;
  /** How late a 10 ms timer fired: the process's own CPU starvation. */
  lagMs: Summary;
  rssMiB: number;
  rssMaxMiB: number;
  /** CPU by group of threads (Linux only): which one is saturated, when the total hides it. */
  threads?: ThreadShares;
};

type Counts = Omit<KvOps, "commitMs" | "readsByFamily">;

type ServerMark = ProcessMark & {
  ops: Counts;
  families: Record<string, number>;
  commitIndex: number;
  commits: number;
  conflicts: number;
  timerIndex: number;
  pool: PoolCounts;
};

/** The dispatcher pool's own work: full loads from KV, and agents read again after a failed check. */
export type PoolCounts = { loads: number; refreshes: number };

/** The server's window: its process figures plus its KV work. */
export type ServerWindow = ProcessWindow & {
  kv: Counts & { commitMs: Summary; readsByFamily: Record<string, number> };
  /** `transact` commits that succeeded / failed a check and were retried. */
  commits: number;
  conflicts: number;
  timerLatenessMs: Summary;
  pool: PoolCounts;
};

export class ServerProbe {
  readonly process = new ProcessProbe();
  #marks = new Map<number, ServerMark>();
  #next = 1;

  constructor(
    private readonly ops: KvOps,
    private readonly timerLateness: number[],
    private readonly poolCounts: () => PoolCounts = () => ({ loads: 0, refreshes: 0 }),
  ) {}

  mark(): number {
    const { commitMs, readsByFamily, ...ops } = this.ops;
    const id = this.#next++;
    this.#marks.set(id, {
      ...this.process.mark(),
      ops: { ...ops },
      families: { ...readsByFamily },
      commitIndex: commitMs.length,
      commits: stats.commits,
      conflicts: stats.conflicts,
      timerIndex: this.timerLateness.length,
      pool: this.poolCounts(),
    });
    return id;
  }

  window(id: number): ServerWindow | null {
    const m = this.#marks.get(id);
    if (!m) return null;
    const { commitMs: _, readsByFamily, ...now } = this.ops;
    const delta = Object.fromEntries(
      Object.entries(now).map(([k, v]) => [k, v - m.ops[k as keyof typeof now]]),
    ) as Counts;
    const families = Object.fromEntries(
      Object.entries(readsByFamily).map(([k, v]) => [k, v - (m.families[k] ?? 0)]).filter(([, n]) => n !== 0),
    );
    return {
      ...this.process.since(m),
      kv: {
        ...delta,
        commitMs: summarize(this.ops.commitMs.slice(m.commitIndex)),
        readsByFamily: families,
      },
      commits: stats.commits - m.commits,
      conflicts: stats.conflicts - m.conflicts,
      timerLatenessMs: summarize(this.timerLateness.slice(m.timerIndex)),
      pool: {
        loads: this.poolCounts().loads - m.pool.loads,
        refreshes: this.poolCounts().refreshes - m.pool.refreshes,
      },
    };
  }
}
