/**
 * Where a process's CPU went, thread by thread (Linux: `/proc/self/task/<tid>/stat`), grouped by
 * what the threads do: the main thread (JavaScript, HTTP, op dispatch), Deno KV's SQLite threads
 * (`sw-*`, one per open handle), workers (`worker-*`: the KV writer), V8's helpers (GC, compiler)
 * and the rest (tokio, timers). The share of the busiest SQLite thread is kept apart: the store
 * serves one handle's reads and commits on that one thread. A process's total CPU hides which of
 * them is saturated; this tells it. Elsewhere than Linux, nothing (the report omits the line).
 */
import { round } from "./stats.ts";

/** CPU ticks per thread id, with the thread's name. */
export type ThreadTicks = Map<string, { name: string; ticks: number }>;

/** Each thread's CPU ticks so far, or null where /proc is not there. */
export function threadTicks(): ThreadTicks | null {
  const out: ThreadTicks = new Map();
  try {
    for (const e of Deno.readDirSync("/proc/self/task")) {
      const stat = Deno.readTextFileSync(`/proc/self/task/${e.name}/stat`);
      // "tid (name) state ppid …": the name may hold spaces and parentheses, so split at the last ")".
      const close = stat.lastIndexOf(")");
      const name = stat.slice(stat.indexOf("(") + 1, close);
      const fields = stat.slice(close + 2).split(" ");
      // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
      out.set(e.name, { name, ticks: Number(fields[11]) + Number(fields[12]) });
    }
  } catch {
    return null;
  }
  return out;
}

/** CPU per group of threads between two readings, in % of one core. */
export type ThreadShares = {
  main: number;
  kvSqlite: number;
  /** The busiest single SQLite thread. */
  kvSqliteBusiest: number;
  workers: number;
  v8Helpers: number;
  other: number;
};

const TICKS_PER_SECOND = 100;

export function threadShares(before: ThreadTicks, after: ThreadTicks, wallMs: number): ThreadShares {
  const pct = (ticks: number) => round((100 * ticks * 1000) / TICKS_PER_SECOND / Math.max(1, wallMs), 1);
  const s = { main: 0, kvSqlite: 0, kvSqliteBusiest: 0, workers: 0, v8Helpers: 0, other: 0 };
  const mainTid = String(Deno.pid);
  for (const [tid, t] of after) {
    const d = t.ticks - (before.get(tid)?.ticks ?? 0);
    if (tid === mainTid) s.main += d;
    else if (t.name.startsWith("sw-")) s.kvSqlite += d, s.kvSqliteBusiest = Math.max(s.kvSqliteBusiest, d);
    else if (t.name.startsWith("worker-")) s.workers += d;
    else if (t.name.startsWith("V8 ")) s.v8Helpers += d;
    else s.other += d;
  }
  return {
    main: pct(s.main),
    kvSqlite: pct(s.kvSqlite),
    kvSqliteBusiest: pct(s.kvSqliteBusiest),
    workers: pct(s.workers),
    v8Helpers: pct(s.v8Helpers),
    other: pct(s.other),
  };
}

/** "main 63%, KV SQLite 52% (busiest thread 45%), workers 15%, V8 helpers 12%, other 3%". */
export function threadLine(t: ThreadShares): string {
  return `main ${t.main}%, KV SQLite ${t.kvSqlite}% (busiest thread ${t.kvSqliteBusiest}%), ` +
    `workers ${t.workers}%, V8 helpers ${t.v8Helpers}%, other ${t.other}%`;
}
