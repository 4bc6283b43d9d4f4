/**
 * Several processes on one KV file (issue 13 "Performance"): real `main.ts` servers with
 * `KV_QUEUES=off` on one file, load sent round-robin, agents' streams spread over them.
 *
 * - routed/s with 1, 2 and 3 processes (inbound messages offered per second, counted in KV);
 * - webhook → `interaction.offered` on a stream held by another process, p50/p99;
 * - timer lateness with queues off (accept limits left to run out), and for timers whose
 *   process was killed (it held every shard; the next process starts right after the kill);
 * - delivery latency (reply answered → callback received).
 *
 * `deno run -A scripts/bench/multi.ts [--multi-seconds=5] [--multi-agents=30] [--multi-offers=30] [--multi-timers=20]`;
 * prints a table and one `BENCH_PART {...}` line.
 */
import { parseArgs } from "node:util";
import { hashPassword, sign } from "../../lib/server/crypto.ts";
import { keys } from "../../lib/server/keys.ts";
import { ServerProcess } from "../server_process.ts";
import { benchConfigRaw, PASSWORD, SOURCE } from "./bench_config.ts";
import { emitPart, msLine, partTable, type Row } from "./report.ts";
import { round, sleep, summarize } from "./stats.ts";
import { FeedStream } from "./sse.ts";

type Cluster = {
  dir: string;
  env: Record<string, string>;
  procs: ServerProcess[];
  raw: Record<string, unknown>;
};

async function cluster(
  n: number,
  agents: number,
  routing: Record<string, unknown>,
  callbackUrl: string | null,
) {
  const dir = await Deno.makeTempDir({ prefix: "bench_multi_" });
  const raw = benchConfigRaw(agents, await hashPassword(PASSWORD, 1_000), 1_000);
  raw.routing = { ...(raw.routing as Record<string, unknown>), ...routing };
  (raw.sources as Record<string, unknown>[])[0].callbackUrl = callbackUrl;
  await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify(raw));
  const env = { KV_PATH: `${dir}/desk.kv`, ROUTING_CONFIG: `${dir}/config.json`, KV_QUEUES: "off" };
  const procs: ServerProcess[] = [];
  for (let i = 0; i < n; i++) procs.push(await ServerProcess.start(env));
  return { dir, env, procs, raw } satisfies Cluster;
}

async function close(c: Cluster) {
  await Promise.all(c.procs.map((p) => p.stop()));
  await Deno.remove(c.dir, { recursive: true });
}

async function inbound(p: ServerProcess, i: number, prefix: string) {
  const raw = JSON.stringify({
    id: `${prefix}-${i}`,
    thread: { id: `${prefix}-t${i}` },
    author: { id: `c${i}` },
    body: `Question ${i}`,
  });
  return await p.request("POST", `/api/v1/sources/${SOURCE.id}/messages`, {
    raw,
    headers: { "x-signature": await sign(SOURCE.secret, raw) },
  });
}

/** Signs every agent in (spread over the processes) and sets it available. */
async function agentsOn(c: Cluster, count: number) {
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) {
    const p = c.procs[i % c.procs.length];
    const token = await p.signIn(`a${String(i).padStart(3, "0")}`, PASSWORD);
    await p.request("PUT", "/api/v1/me/presence", { token, body: { presence: "available" } });
    tokens.push(token);
  }
  return tokens;
}

/** Interactions offered (not queued) in the store: counted by reading the file (reads never lock it). */
async function offeredCount(path: string): Promise<number> {
  const kv = await Deno.openKv(path);
  try {
    let n = 0;
    for await (const e of kv.list<{ state: string }>({ prefix: keys.interactionsPrefix() })) {
      if (e.value.state !== "queued") n++;
    }
    return n;
  } finally {
    kv.close();
  }
}

async function throughput(n: number, agents: number, seconds: number): Promise<number> {
  const c = await cluster(n, agents, {}, null);
  try {
    await agentsOn(c, agents);
    let sent = 0;
    const end = performance.now() + seconds * 1000;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 8 * n }, async (_, w) => {
      while (performance.now() < end) {
        const i = sent++;
        await inbound(c.procs[i % n], i, `tp${w}`);
      }
    }));
    const elapsed = (performance.now() - t0) / 1000;
    await sleep(500);
    return round((await offeredCount(c.env.KV_PATH)) / elapsed, 1);
  } finally {
    await close(c);
  }
}

/** Webhook to process 0 → `interaction.offered` on the agent's stream held by process 1 or 2. */
async function crossOffers(offers: number) {
  const c = await cluster(3, 2, {}, null);
  const arrivals = new Map<string, number>();
  const streams: FeedStream[] = [];
  try {
    const tokens = await agentsOn(c, 2);
    // Agent i signed in on process i % 3: streams on processes 1 and 2 (never the webhook's).
    for (let i = 0; i < 2; i++) {
      const s = new FeedStream(c.procs[1 + i].url, `a${i}`, tokens[i], (e) => {
        if (e.event === "interaction.offered") arrivals.set(String(e.data.interactionId), e.at);
      });
      await s.ready;
      streams.push(s);
    }
    const latencies: number[] = [];
    let missing = 0;
    for (let i = 0; i < offers; i++) {
      const t0 = performance.now();
      const r = await inbound(c.procs[0], i, "x");
      const id = String(r.body.interactionId);
      while (!arrivals.has(id) && performance.now() - t0 < 3_000) await sleep(2);
      if (arrivals.has(id)) latencies.push(arrivals.get(id)! - t0);
      else missing++;
    }
    return { latencies, missing };
  } finally {
    for (const s of streams) s.close();
    await close(c);
  }
}

/** Accept limits left to run out: lateness of each miss from the audit (fired at − due). */
async function timerLateness(count: number, killFirst: boolean) {
  // Killed: timers fall due about when the next process has started (~1 s), before the dead
  // process's leases (1.2 s) have ended — the worst case of a take-over.
  const acceptS = killFirst ? 1 : 2;
  const c = await cluster(killFirst ? 1 : 3, count, { acceptTimeout: acceptS }, null);
  try {
    await agentsOn(c, count);
    const ids = await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const r = await inbound(c.procs[i % c.procs.length], i, "tm");
        return String(r.body.interactionId);
      }),
    );
    if (killFirst) {
      // The only process holds every shard, so every pending timer is its; it dies now.
      await c.procs[0].crash();
      c.procs = [await ServerProcess.start(c.env)];
    }
    await sleep(acceptS * 1000 + 2_500);
    const kv = await Deno.openKv(c.env.KV_PATH);
    const late: number[] = [];
    try {
      for (const id of ids) {
        const s = (await kv.get<{ threadId: string }>(keys.interaction(id))).value;
        if (!s) continue;
        let offered: number | null = null;
        for await (const e of kv.list<{ type: string; at: string }>({ prefix: keys.audits(s.threadId) })) {
          if (e.value.type === "offered" && offered === null) offered = Date.parse(e.value.at);
          if (e.value.type === "offer_missed" && offered !== null) {
            late.push(Date.parse(e.value.at) - (offered + acceptS * 1000));
            break;
          }
        }
      }
    } finally {
      kv.close();
    }
    return { late, missing: count - late.length };
  } finally {
    await close(c);
  }
}

/** Reply answered → the callback endpoint received it (3 processes, queues off). */
async function deliveries(count: number) {
  const received = new Map<string, number>();
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, async (req) => {
    const body = await req.json();
    received.set(String(body.message?.id), performance.now());
    return new Response("ok");
  });
  const c = await cluster(3, 1, {}, `http://127.0.0.1:${server.addr.port}/outbound`);
  try {
    const [token] = await agentsOn(c, 1);
    const r = await inbound(c.procs[0], 0, "dl");
    const id = String(r.body.interactionId);
    while (
      (await c.procs[1].request("POST", `/api/v1/interactions/${id}/accept`, { token, body: {} })).status !==
        200
    ) {
      await sleep(20);
    }
    const latencies: number[] = [];
    for (let i = 0; i < count; i++) {
      const p = c.procs[i % 3];
      const rep = await p.request("POST", `/api/v1/interactions/${id}/reply`, {
        token,
        body: { body: `Answer ${i}` },
      });
      const t0 = performance.now();
      const mid = String(rep.body.message.id);
      while (!received.has(mid) && performance.now() - t0 < 5_000) await sleep(2);
      if (received.has(mid)) latencies.push(received.get(mid)! - t0);
    }
    return { latencies, missing: count - latencies.length };
  } finally {
    await close(c);
    await server.shutdown();
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      "multi-seconds": { type: "string", default: "5" },
      "multi-agents": { type: "string", default: "30" },
      "multi-offers": { type: "string", default: "30" },
      "multi-timers": { type: "string", default: "20" },
    },
  });
  const seconds = Number(values["multi-seconds"]), agents = Number(values["multi-agents"]);
  const offers = Number(values["multi-offers"]), timers = Number(values["multi-timers"]);
  const rows: Row[] = [];
  const figures: Record<string, unknown> = {};
  const rates: number[] = [];
  for (const n of [1, 2, 3]) {
    console.error(`bench multi: routed/s with ${n} process(es)…`);
    rates.push(await throughput(n, agents, seconds));
    rows.push({
      metric: `routed/s, ${n} process${n > 1 ? "es" : ""}`,
      value: String(rates.at(-1)),
      target: "",
      pass: null,
    });
  }
  figures.routedPerSecond = rates;
  rows.push({
    metric: "scaling 1 → 3 processes",
    value: `×${round(rates[2] / rates[0], 2)}`,
    target: "",
    pass: null,
  });

  console.error("bench multi: webhook → offered on another process's stream…");
  const cross = await crossOffers(offers);
  const cs = summarize(cross.latencies);
  figures.crossOffered = { ...cs, missing: cross.missing };
  rows.push({
    metric: "webhook → offered, stream on another process",
    value: cross.latencies.length
      ? `${msLine(cs)}; ${cross.missing} not seen in 3 s`
      : `none of ${cross.missing} seen in 3 s`,
    target: "p99 ≤ 250 ms",
    pass: cross.missing === 0 && cs.p99 <= 250,
  });

  console.error("bench multi: timer lateness…");
  const t = await timerLateness(timers, false);
  const ts = summarize(t.late);
  figures.timerLateness = { ...ts, missing: t.missing };
  rows.push({
    metric: "timer lateness, queues off, 3 processes",
    value: `${msLine(ts)}; ${t.missing} not fired`,
    target: "p99 ≤ 500 ms",
    pass: t.missing === 0 && ts.p99 <= 500,
  });
  const k = await timerLateness(timers, true);
  const ks = summarize(k.late);
  figures.killedTimerLateness = { ...ks, missing: k.missing };
  rows.push({
    metric: "timer lateness, its process killed",
    value: `${msLine(ks)}; ${k.missing} not fired`,
    target: "p99 ≤ 2000 ms",
    pass: k.missing === 0 && ks.p99 <= 2_000,
  });

  console.error("bench multi: delivery latency…");
  const d = await deliveries(offers);
  const ds = summarize(d.latencies);
  figures.deliveryLatency = { ...ds, missing: d.missing };
  rows.push({
    metric: "delivery latency, queues off",
    value: `${msLine(ds)}; ${d.missing} lost`,
    target: "",
    pass: null,
  });

  console.error(partTable(rows));
  emitPart({ part: "multi", rows, figures });
}
