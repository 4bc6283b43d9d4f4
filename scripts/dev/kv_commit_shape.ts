/**
 * What one Deno KV file can commit per second for commits shaped like the desk's (README, issue
 * 15): each writer reads C check keys, then commits C checks and M sets of ~300-byte values,
 * for S seconds, W writers at once. ENQ=1 adds a delayed queue message per commit (timers),
 * EXP=1 an `expireIn` on every set (feed entries), SUM=1 a sum on a per-writer head.
 * `deno run -A --unstable-kv scripts/dev/kv_commit_shape.ts [M,C,W,S = 25,2,8,3]`
 * Measured on 2026-12-03 (2 cores, ext4): 25,2,8 → 1,596 commits/s (p50 1.8 ms); with ENQ, EXP
 * and SUM 1,511/s; 1,1,1 → 1,846/s; 1,1,8 → 3,179/s. The desk at 200 webhooks/s asks ~600
 * commits/s and ~3,400 reads/s.
 */
const [M, C, W, S] = (Deno.args[0] ?? "25,2,8,3").split(",").map(Number);
const dir = await Deno.makeTempDir();
const kv = await Deno.openKv(`${dir}/kv.sqlite3`);
const value = { s: "x".repeat(300), n: 1 };
const lat: number[] = [];
let committed = 0;
const end = performance.now() + S * 1000;

async function writer(w: number): Promise<void> {
  for (let i = 0; performance.now() < end; i++) {
    const checks = [];
    for (let c = 0; c < C; c++) checks.push(await kv.get(["check", w, c]));
    const op = kv.atomic();
    for (const e of checks) op.check(e);
    const expire = Deno.env.get("EXP") ? { expireIn: 86_400_000 } : undefined;
    for (let m = 0; m < M; m++) op.set(["k", w, i, m], value, expire);
    if (Deno.env.get("ENQ")) op.enqueue({ w, i }, { delay: 30_000 });
    if (Deno.env.get("SUM")) op.sum(["head", w], 1n);
    const started = performance.now();
    if ((await op.commit()).ok) committed++;
    lat.push(performance.now() - started);
  }
}

await Promise.all(Array.from({ length: W }, (_, w) => writer(w)));
lat.sort((a, b) => a - b);
const at = (q: number) => lat[Math.min(lat.length - 1, Math.floor(lat.length * q))].toFixed(2);
console.log(
  `M=${M} C=${C} W=${W}: ${(committed / S).toFixed(0)} commits/s, commit p50 ${at(0.5)} ms, p99 ${
    at(0.99)
  } ms`,
);
kv.close();
await Deno.remove(dir, { recursive: true });
