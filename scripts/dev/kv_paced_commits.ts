/**
 * What a Deno KV file alone gives one commit at a paced rate, for commits shaped like a webhook's
 * (README, issue 15): RATE commits a second for SECONDS, each of SETS sets of BYTES-byte values
 * on keys spread the way the desk's are (a third per agent of 2,000, a third appended per agent,
 * a third appended), none waiting for the previous one. Prints the commit time p50/p90/p99/max,
 * the largest WAL seen and when the slowest commits started: SQLite checkpoints its WAL into the
 * file once it passes 1,000 pages (4 MiB), inside the commit that crossed it, and Deno KV does
 * not let us move that threshold or the sync mode (FULL: every commit syncs the WAL).
 * `deno run -A --unstable-kv scripts/dev/kv_paced_commits.ts [RATE,SECONDS,SETS,BYTES = 200,10,29,400]`
 * Measured on 2026-12-04 (2 cores, ext4), 200/s: 29 sets of 400 B → p50 2.1–2.4, p90 8.4–10.1, p99
 * 12.1–15.5, max 13.5–22 ms; 15 sets p99 9.9 ms; 5 sets p99 5.6 ms; 1 set p50 0.76, p99 3.6 ms
 * (100/s with 29 sets: p99 11.1 ms). The tail grows with the pages a commit dirties, which each
 * checkpoint writes back and syncs: about 10–15 ms of a webhook's p99 at 200/s is the store's.
 */
const [RATE, SECONDS, SETS, BYTES] = (Deno.args[0] ?? "200,10,29,400").split(",").map(Number);
const dir = await Deno.makeTempDir();
const path = `${dir}/kv.sqlite3`;
const kv = await Deno.openKv(path);
const value = { s: "x".repeat(BYTES), n: 1 };
const walBytes = () => {
  try {
    return Deno.statSync(`${path}-wal`).size;
  } catch {
    return 0;
  }
};

const commits: { startedMs: number; tookMs: number; wal: number }[] = [];
const pending: Promise<void>[] = [];
const t0 = performance.now();
let seq = 0;
for (let i = 0; i < RATE * SECONDS; i++) {
  const wait = t0 + (i * 1000) / RATE - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const op = kv.atomic();
  for (let m = 0; m < SETS; m++) {
    const agent = Math.floor(Math.random() * 2000);
    const third = Math.floor((m * 3) / SETS);
    op.set(
      third === 0
        ? [`agent_${m}`, agent]
        : third === 1
        ? [`per_agent_${m}`, agent, ++seq]
        : [`log_${m}`, ++seq],
      value,
    );
  }
  const started = performance.now();
  pending.push(
    op.commit().then(() => {
      commits.push({ startedMs: started - t0, tookMs: performance.now() - started, wal: walBytes() });
    }),
  );
}
await Promise.all(pending);
kv.close();

const took = commits.map((c) => c.tookMs).sort((a, b) => a - b);
const at = (q: number) => took[Math.min(took.length - 1, Math.floor(took.length * q))].toFixed(2);
console.log(
  `${RATE}/s × ${SECONDS} s, ${SETS} sets of ${BYTES} B: commit p50 ${at(0.5)}, p90 ${at(0.9)}, p99 ${
    at(0.99)
  }, ` +
    `max ${at(1)} ms; largest WAL ${(Math.max(...commits.map((c) => c.wal)) / 1024).toFixed(0)} KiB`,
);
const p99 = Number(at(0.99));
console.log(
  "slowest commits started at (s):",
  commits.filter((c) => c.tookMs >= p99).slice(0, 20).map((c) =>
    `${(c.startedMs / 1000).toFixed(2)} (${c.tookMs.toFixed(1)} ms)`
  ).join(", "),
);
await Deno.remove(dir, { recursive: true });
