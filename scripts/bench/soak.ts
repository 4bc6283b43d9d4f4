/**
 * The soak (issue 10 item 9), part `soak` of `deno task bench` (run only when named):
 * `deno task bench --only=soak --minutes=30`; alone: `deno run -A scripts/bench/soak.ts
 * [--minutes 30] [--soak-rate 4] [--soak-agents 20] [--soak-reconnect-share 0.1]`.
 *
 * The bench server (its own process, a temporary KV file) serves three sources in both channel
 * groups, the web chat with smart closure; their outbound deliveries go to a receiver in this
 * process, where customers answer the closing question. Customers write on all sources (new
 * threads, and follow-ups on a share of them); agents act on their streams (scripts/bench/
 * soak_mix.ts): accept, reply, complete, defer and wake, defer and resume, transfer. A tenth of
 * the agents' streams and the supervisor's overview stream are closed and reopened with
 * `Last-Event-ID` every minute. Each minute reports the server's RSS, CPU and event-loop lag, the
 * p99 latency of each operation, errors, deliveries, and the KV file's size per 1,000
 * interactions. After the last minute new work stops, what is in flight drains, and nothing may
 * be left open (checked through the supervisor's interaction lists).
 *
 * Verdict: zero errors (every operation, stream, delivery, wake-up and server log line counts),
 * nothing left open, and flat RSS: after a warm-up (the first 5 minutes, or the first third of a
 * run shorter than 15 minutes), the largest end-of-minute RSS is within 10 % of the smallest.
 */
import { parseArgs } from "node:util";
import { hashPassword } from "../../lib/server/crypto.ts";
import { PASSWORD } from "./bench_config.ts";
import { ProcessProbe } from "./probe.ts";
import { emitPart, type PartReport, partTable, type Row } from "./report.ts";
import { agentLogins, type BenchServer, spawnBenchServer } from "./setup.ts";
import { Minute, OPS, secretOf, SoakMix, SOURCES } from "./soak_mix.ts";
import { round, sleep, summarize } from "./stats.ts";

const TEAMS = ["t0", "t1"];
/** Signs in to hold a supervision stream and to list what is left open at the end. */
const SUPERVISOR = "sup";

export type SoakOptions = {
  minutes: number;
  rate: number;
  agents: number;
  /** A directory for a heap snapshot of the server after each minute (finding a leak), or null. */
  heapDir: string | null;
  /**
   * glibc's MALLOC_ARENA_MAX for the server ("" = glibc's default, 8 per core): Deno's threads
   * each take a malloc arena, and memory freed in one is not returned, so RSS swings by tens of
   * MiB with bursts while the heap is flat. 2 is the usual setting for such servers.
   */
  mallocArenas: string;
  /** The share of agents whose stream is closed and reopened each minute (from its last event id). */
  reconnectShare: number;
};

export function soakOptions(args: string[]): SoakOptions {
  const { values } = parseArgs({
    args,
    options: {
      minutes: { type: "string", default: "30" },
      "soak-rate": { type: "string", default: "4" },
      "soak-agents": { type: "string", default: "20" },
      "soak-heap-dir": { type: "string" },
      "soak-malloc-arenas": { type: "string", default: "2" },
      "soak-reconnect-share": { type: "string", default: "0.1" },
    },
  });
  const num = (v: string | undefined, name: string, min: number, max: number) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${name} must be in [${min}, ${max}]`);
    return n;
  };
  return {
    minutes: num(values.minutes, "minutes", 0.5, 24 * 60),
    rate: num(values["soak-rate"], "soak-rate", 0.1, 100),
    agents: Math.round(num(values["soak-agents"], "soak-agents", 2, 500)),
    heapDir: values["soak-heap-dir"] ?? null,
    mallocArenas: values["soak-malloc-arenas"] ?? "",
    reconnectShare: num(values["soak-reconnect-share"], "soak-reconnect-share", 0, 1),
  };
}

function soakConfig(agents: number, passwordHash: string, callbackUrl: string): Record<string, unknown> {
  return {
    routing: {
      strategy: "least_occupied",
      acceptTimeout: null,
      idleTimeout: null,
      awayOnMiss: false,
      stickyWindow: 0,
    },
    channelGroups: { realtime: { capacity: 4, maxCapacity: 6 }, async: { capacity: 10, maxCapacity: 20 } },
    categories: [{ id: "billing", name: "Billing" }],
    languages: ["en", "fr"],
    teams: TEAMS.map((id) => ({ id, name: `Team ${id}` })),
    dispositions: [{ id: "solved", name: "Solved" }],
    roles: {
      agent: ["accept", "reply", "resume", "defer", "transfer", "complete"],
      supervisor: ["supervise"],
    },
    sources: SOURCES.map((s) => ({
      id: s.id,
      name: s.id,
      kind: s.kind,
      group: s.group,
      secret: secretOf(s.id),
      callbackUrl,
      teams: TEAMS,
      defaultLanguage: "en",
      ...(s.smartClosure ? { smartClosure: { enabled: true, timeout: 3 } } : {}),
    })),
    agents: agentLogins(agents).map((login, i) => ({
      id: login,
      name: `Agent ${i}`,
      login,
      passwordHash,
      role: "agent",
      teams: [TEAMS[i % TEAMS.length]],
      categories: ["billing"],
      languages: ["en", "fr"],
    })).concat([{
      id: SUPERVISOR,
      name: "Supervisor",
      login: SUPERVISOR,
      passwordHash,
      role: "supervisor",
      teams: TEAMS,
      categories: ["billing"],
      languages: ["en", "fr"],
    }]),
  };
}

const log = (s: string) => console.error(`bench soak: ${s}`);
/** How long the run waits, after the last minute, for the work in flight to finish. */
const DRAIN_MS = 180_000;
const OPEN_STATES = ["queued", "offered", "active", "deferred", "closing"] as const;

/** The minutes RSS is judged over: after 5 minutes of warm-up, or a third of a short run. */
export function judgedMinutes(count: number): { from: number; to: number } {
  const warmUp = count >= 15 ? 5 : Math.ceil(count / 3);
  return { from: warmUp + 1, to: count };
}

export async function benchSoak(o: SoakOptions): Promise<PartReport> {
  const tmp = await Deno.makeTempDir({ prefix: "desk-soak-" });
  const kvPath = `${tmp}/desk.sqlite3`;
  let mix: SoakMix | null = null;
  const receiver = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: () => {} },
    (req) => mix ? mix.receive(req) : new Response(null, { status: 503 }),
  );
  const configFile = `${tmp}/config.json`;
  const callbackUrl = `http://127.0.0.1:${receiver.addr.port}/outbound`;
  await Deno.writeTextFile(
    configFile,
    JSON.stringify(soakConfig(o.agents, await hashPassword(PASSWORD, 1_000), callbackUrl)),
  );
  const generator = new ProcessProbe();
  let server: BenchServer | null = null;
  // Every line the server logs (a failed delivery, timer, dispatch, stream…) is an error here;
  // a stack trace counts once (its indented lines are not new incidents).
  const serverLog: string[] = [];
  let retries = 0;
  try {
    server = await spawnBenchServer({
      agents: o.agents,
      capacity: 4,
      kvPath,
      configFile,
      exposeGc: true,
      env: o.mallocArenas ? { MALLOC_ARENA_MAX: o.mallocArenas } : {},
      onStderr: (line) => {
        // A delivery attempt that failed and will be retried is at-least-once delivery working
        // (counted apart); one given up ("undeliverable") is an error like any other line.
        if (/: attempt \d+, next in \d+ ms$/.test(line)) retries++;
        else if (line.trim() && !/^\s/.test(line)) serverLog.push(line);
      },
    });
    const s = server;
    const m = new SoakMix(s, Math.random);
    mix = m;
    s.onEvent = (e) => m.onEvent(e);
    // Streams that end while the agents are still being connected are that step's to retry.
    s.onStreamEnd = (id, err) => s.agents.some((a) => a.id === id) && m.streamEnded(s.agent(id), err);
    for (let attempt = 1;; attempt++) {
      try {
        await s.connectAgents(agentLogins(o.agents));
        break;
      } catch (e) {
        // A starved machine can refuse a connection while everything starts: before the run,
        // so not one of its errors; the third failure ends it.
        if (attempt === 3) throw e;
        log(`connecting the agents failed (${e instanceof Error ? e.message : e}), again`);
        for (const a of s.agents) a.stream.close();
        await sleep(2_000);
      }
    }
    await s.presence("available");
    const sup = await s.call("POST", "/api/v1/session", { login: SUPERVISOR, password: PASSWORD });
    if (sup.status !== 200) throw new Error(`supervisor sign-in: ${sup.status} ${JSON.stringify(sup.body)}`);
    const supToken: string = sup.body.token;
    await m.supervise(supToken);
    const rnd = Math.random;

    const rows: Row[] = [];
    const perMinute: Minutely[] = [];
    const totalErrors: string[] = [];
    /** Every latency of the run, by operation (the run's own p99, beside the per-minute ones). */
    const allMs = new Map<string, number[]>(OPS.map((op) => [op, []]));
    let created = 0;
    const closeMinute = async (n: number, mark: number, g: ReturnType<ProcessProbe["mark"]>) => {
      const late = m.late();
      while (serverLog.length) m.fail(`server: ${serverLog.shift()!.slice(0, 300)}`);
      const w = await s.window(mark);
      const gw = generator.since(g);
      const mem = await s.gc();
      if (o.heapDir) await s.heapSnapshot(`${o.heapDir}/minute-${n}.heapsnapshot`);
      const kv = await kvSize(kvPath);
      const minute = m.minute;
      m.minute = new Minute();
      const latency = Object.fromEntries(OPS.map((op) => [op, summarize(minute.ms.get(op)!)]));
      const fig: Minutely = {
        minute: n,
        rssMiB: w.rssMiB,
        rssMaxMiB: w.rssMaxMiB,
        rssAfterGcMiB: mem.rssMiB,
        heapAfterGcMiB: mem.heapUsedMiB,
        cpuPercent: w.cpuPercent,
        lagP99Ms: w.lagMs.p99,
        generatorLagP99Ms: gw.lagMs.p99,
        interactions: created,
        deliveries: minute.deliveries,
        deliveryRetries: retries,
        lateWakes: late.wakes,
        lateDeliveries: late.deliveries,
        kvBytes: kv.total,
        kvFileBytes: kv.file,
        kvBytesPer1000Interactions: Math.round((kv.total / Math.max(1, created)) * 1000),
        errors: minute.errors.length,
        latencyMs: latency,
      };
      perMinute.push(fig);
      totalErrors.push(...minute.errors);
      for (const op of OPS) allMs.get(op)!.push(...minute.ms.get(op)!);
      rows.push({
        metric: `minute ${n}: server RSS (after GC) / heap after GC / CPU / lag p99; errors; KV per 1,000 ` +
          `interactions (${created} so far)`,
        value:
          `${w.rssMiB} (${mem.rssMiB}) MiB / ${mem.heapUsedMiB} MiB / ${w.cpuPercent}% / ${w.lagMs.p99} ms; ` +
          `${minute.errors.length} errors; ${round(fig.kvBytesPer1000Interactions / 2 ** 20, 2)} MiB`,
        target: "",
        pass: null,
      });
      rows.push({
        metric: `minute ${n}: p99 per operation (n)`,
        value: OPS.map((op) => `${op} ${latency[op].p99} ms (${latency[op].n})`).join(", "),
        target: "",
        pass: null,
      });
      log(
        `minute ${n}: RSS ${w.rssMiB} MiB (after GC ${mem.rssMiB}, heap ${mem.heapUsedMiB} of ${mem.heapTotalMiB}, ` +
          `external ${mem.externalMiB}), ` +
          `${minute.errors.length} errors${minute.errors.length ? ` (${minute.errors[0]})` : ""}, ` +
          `${minute.deliveries} deliveries (${retries} retried so far), late: ${late.wakes} wake-ups, ` +
          `${late.deliveries} deliveries, ` +
          `${created} interactions, work in flight ${m.work.size}`,
      );
    };

    const start = performance.now();
    const endAt = start + o.minutes * 60_000;
    const interval = 1000 / o.rate;
    let nextSend = start, mark = await s.mark(), g = generator.mark(), minuteStart = start;
    const threads: { source: string; thread: string }[] = [];
    log(
      `${o.minutes} min at ${o.rate} inbound/s, ${o.agents} agents, server MALLOC_ARENA_MAX=` +
        `${o.mallocArenas || "(glibc default)"}`,
    );
    while (performance.now() < endAt) {
      const wait = nextSend - performance.now();
      if (wait > 0) await sleep(wait);
      nextSend += interval;
      const followUp = threads.length > 0 && rnd() < 0.25;
      const t = followUp
        ? threads[Math.floor(rnd() * threads.length)]
        : { source: SOURCES[Math.floor(rnd() * SOURCES.length)].id, thread: `t-${m.seq + 1}` };
      if (!followUp) {
        threads.push(t);
        if (threads.length > 500) threads.shift();
        created++;
      }
      m.track(m.timed("inbound", () => m.inbound(t.source, t.thread)));
      if (performance.now() - minuteStart >= 60_000 || performance.now() >= endAt) {
        for (const a of s.agents.filter(() => rnd() < o.reconnectShare)) m.track(m.reconnect(a));
        m.track(m.supervise(supToken));
        await closeMinute(perMinute.length + 1, mark, g);
        mark = await s.mark();
        g = generator.mark();
        minuteStart = performance.now();
      }
    }
    // No new customers: what is in flight finishes (answers to closing questions included), the
    // closing timers run out, and every reply reaches its source.
    const drainEnd = performance.now() + DRAIN_MS;
    while (
      performance.now() < drainEnd && (m.work.size > 0 || m.undelivered.size > 0 || m.pendingWakes.size > 0)
    ) {
      await sleep(250);
    }
    await sleep(5_000);
    m.lost();
    const left: string[] = [];
    for (const state of OPEN_STATES) {
      const r = await s.call(
        "GET",
        `/api/v1/supervisor/interactions?state=${state}&limit=100`,
        undefined,
        supToken,
      );
      if (r.status !== 200) m.fail(`supervisor list ${state}: ${r.status}`);
      else if (r.body.items.length) left.push(`${r.body.items.length}${r.body.cursor ? "+" : ""} ${state}`);
    }
    if (left.length) m.fail(`left open after the drain: ${left.join(", ")}`);
    // The server holds exactly the streams the harness holds (every agent's and the supervisor's):
    // a stream the harness closed but the server still serves is a connection left behind (the
    // reader once closed its streams by aborting the request only).
    const open = await openStreamsOnServer(s.url);
    const held = s.agents.length + 1;
    if (open !== held) m.fail(`${open} event streams open on the server, ${held} held by the harness`);
    await closeMinute(perMinute.length + 1, mark, g);
    m.stopping = true;
    m.closeSupervisor();
    await Promise.race([Promise.allSettled([...m.work]), sleep(10_000)]);

    const { from, to } = judgedMinutes(Math.ceil(o.minutes));
    const judged = perMinute.filter((f) => f.minute >= from && f.minute <= to);
    const gcRss = judged.map((f) => f.rssAfterGcMiB);
    const ratio = gcRss.length ? round(Math.max(...gcRss) / Math.min(...gcRss), 3) : NaN;
    const raw = perMinute.slice(0, o.minutes).map((f) => f.rssMiB);
    const overall = Object.fromEntries(OPS.map((op) => [op, summarize(allMs.get(op)!)]));
    rows.push(
      {
        metric: "latency over the run per operation: p50 / p99 (n)",
        value: OPS.map((op) => `${op} ${overall[op].p50} / ${overall[op].p99} ms (${overall[op].n})`).join(
          ", ",
        ),
        target: "",
        pass: null,
      },
      {
        metric: "server RSS per minute, raw: first / min / max / last",
        value: `${raw[0]} / ${Math.min(...raw)} / ${Math.max(...raw)} / ${raw.at(-1)} MiB`,
        target: "",
        pass: null,
      },
      {
        metric: `server RSS after a last-resort GC, minutes ${from}–${to}: min / max (max ÷ min)`,
        value: gcRss.length >= 2
          ? `${Math.min(...gcRss)} / ${Math.max(...gcRss)} MiB (${ratio})`
          : "not judged: too short a run",
        target: "≤ 1.10",
        pass: gcRss.length >= 2 ? ratio <= 1.1 : null,
      },
      {
        metric: "errors over the run (operations, streams, deliveries, wake-ups, server log, left open)",
        value: totalErrors.length
          ? `${totalErrors.length}, first: ${totalErrors.slice(0, 3).join(" | ")}`
          : "0",
        target: "0",
        pass: totalErrors.length === 0,
      },
    );
    return {
      part: "soak",
      rows,
      figures: {
        minutes: o.minutes,
        rate: o.rate,
        agents: o.agents,
        mallocArenas: o.mallocArenas || null,
        judged: { from, to, ratio },
        latencyMs: overall,
        perMinute,
        errors: totalErrors.slice(0, 50),
      },
    };
  } finally {
    if (mix) mix.stopping = true;
    mix?.closeSupervisor();
    generator.stop();
    await server?.close().catch((e) => console.error("bench soak: close failed:", e));
    await receiver.shutdown();
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

type Minutely = {
  minute: number;
  rssMiB: number;
  rssMaxMiB: number;
  rssAfterGcMiB: number;
  heapAfterGcMiB: number;
  cpuPercent: number;
  lagP99Ms: number;
  generatorLagP99Ms: number;
  interactions: number;
  deliveries: number;
  /** Delivery attempts retried so far (the server's "attempt n, next in" lines). */
  deliveryRetries: number;
  /** Deferrals not woken 15 s after their time, replies not delivered after 60 s (still awaited). */
  lateWakes: number;
  lateDeliveries: number;
  kvBytes: number;
  kvFileBytes: number;
  kvBytesPer1000Interactions: number;
  errors: number;
  latencyMs: Record<string, ReturnType<typeof summarize>>;
};

/** The KV store's bytes on disk: the SQLite file, and with its write-ahead log. */
async function kvSize(path: string): Promise<{ file: number; total: number }> {
  const size = (p: string) => Deno.stat(p).then((s) => s.size, () => 0);
  const file = await size(path);
  return { file, total: file + await size(`${path}-wal`) };
}

if (import.meta.main) {
  const report = await benchSoak(soakOptions(Deno.args));
  console.log(partTable(report.rows));
  emitPart(report);
  Deno.exit(0);
}

/** The server's `desk_event_streams_open` gauge (GET /metrics; the bench server sets no token). */
async function openStreamsOnServer(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith("desk_event_streams_open"));
  return line ? Number(line.split(/\s+/).pop()) : NaN;
}
