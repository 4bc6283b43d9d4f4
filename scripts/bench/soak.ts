/**
 * The soak (issue 10 item 9), part `soak` of `deno task bench` (run only when named):
 * `deno task bench --only=soak --minutes=30`; alone: `deno run -A scripts/bench/soak.ts
 * [--minutes 30] [--soak-rate 4] [--soak-agents 20]`.
 *
 * The bench server (its own process, a temporary KV file) serves three sources in both channel
 * groups, the web chat with smart closure; their outbound deliveries go to a receiver in this
 * process. Customers write on all sources (new threads, and follow-ups on a share of them);
 * agents accept every offer, reply, then complete (smart closure asks, its timer closes), defer
 * a few seconds and complete after the wake-up, or transfer to a colleague; a tenth of the
 * event streams are closed and reopened with `Last-Event-ID` every minute. Each minute reports
 * the server's RSS, CPU and event-loop lag, the p99 latency of each operation, errors, and the
 * KV file's size per 1,000 interactions. The run passes when it holds RSS flat (last minute
 * within 10 % of the first full minute) with zero errors.
 */
import { parseArgs } from "node:util";
import { hashPassword, sign } from "../../lib/server/crypto.ts";
import { PASSWORD } from "./bench_config.ts";
import { ProcessProbe } from "./probe.ts";
import { emitPart, type PartReport, partTable, type Row } from "./report.ts";
import { agentLogins, type BenchAgent, type BenchServer, spawnBenchServer } from "./setup.ts";
import { FeedStream, type StreamEvent } from "./sse.ts";
import { round, sleep, summarize } from "./stats.ts";

const SOURCES = [
  { id: "webchat", kind: "chat", group: "realtime", smartClosure: true },
  { id: "sms", kind: "messaging", group: "realtime", smartClosure: false },
  { id: "mail", kind: "email", group: "async", smartClosure: false },
] as const;
const secretOf = (id: string) => `soak-${id}-secret-0123456789`;
const TEAMS = ["t0", "t1"];

export type SoakOptions = { minutes: number; rate: number; agents: number };

export function soakOptions(args: string[]): SoakOptions {
  const { values } = parseArgs({
    args,
    options: {
      minutes: { type: "string", default: "30" },
      "soak-rate": { type: "string", default: "4" },
      "soak-agents": { type: "string", default: "20" },
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
    roles: { agent: ["accept", "reply", "resume", "defer", "transfer", "complete"] },
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
    })),
  };
}

type Op = "inbound" | "accept" | "reply" | "defer" | "resume" | "transfer" | "complete" | "reconnect";
const OPS: Op[] = ["inbound", "accept", "reply", "defer", "resume", "transfer", "complete", "reconnect"];

/** Latencies and errors of the current minute. */
class Minute {
  ms = new Map<Op, number[]>(OPS.map((o) => [o, []]));
  errors: string[] = [];
  record(op: Op, ms: number) {
    this.ms.get(op)!.push(ms);
  }
}

const log = (s: string) => console.error(`bench soak: ${s}`);

export async function benchSoak(o: SoakOptions): Promise<PartReport> {
  const tmp = await Deno.makeTempDir({ prefix: "desk-soak-" });
  const kvPath = `${tmp}/desk.sqlite3`;
  const receiver = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, async (req) => {
    await req.arrayBuffer();
    return new Response(null, { status: 200 });
  });
  const configFile = `${tmp}/config.json`;
  await Deno.writeTextFile(
    configFile,
    JSON.stringify(
      soakConfig(
        o.agents,
        await hashPassword(PASSWORD, 1_000),
        `http://127.0.0.1:${receiver.addr.port}/outbound`,
      ),
    ),
  );
  const generator = new ProcessProbe();
  let server: BenchServer | null = null;
  let stopping = false;
  let minute = new Minute();
  const timed = async <T>(op: Op, fn: () => Promise<T>): Promise<T | null> => {
    const t = performance.now();
    try {
      const r = await fn();
      minute.record(op, performance.now() - t);
      return r;
    } catch (e) {
      if (!stopping) minute.errors.push(`${op}: ${e instanceof Error ? e.message : e}`);
      return null;
    }
  };
  try {
    server = await spawnBenchServer({ agents: o.agents, capacity: 4, kvPath, configFile });
    const s = server;
    await s.connectAgents(agentLogins(o.agents));
    await s.presence("available");
    let seq = 0, created = 0;
    const expect = async (r: Promise<{ status: number; body: unknown }>, ok: number[]) => {
      const x = await r;
      if (!ok.includes(x.status)) throw new Error(`${x.status} ${JSON.stringify(x.body).slice(0, 200)}`);
      return x;
    };
    const post = (a: BenchAgent, id: string, action: string, body: unknown = {}, ok = [200]) =>
      expect(s.call("POST", `/api/v1/interactions/${id}/${action}`, body, a.token), ok);
    const inbound = async (source: string, thread: string) => {
      const raw = JSON.stringify({
        id: `m-${++seq}`,
        thread: { id: thread },
        author: { id: `c-${thread}` },
        body: `Question ${seq}`,
      });
      const res = await fetch(`${s.url}/api/v1/sources/${source}/messages`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-signature": await sign(secretOf(source), raw) },
        body: raw,
      });
      const text = await res.text();
      if (res.status !== 202) throw new Error(`${res.status} ${text.slice(0, 200)}`);
    };
    const rnd = Math.random;
    // What an agent does with work it was offered (each offer handled once).
    const handled = new Set<string>();
    const work = new Set<Promise<unknown>>();
    const track = (p: Promise<unknown>) => {
      work.add(p);
      p.finally(() => work.delete(p));
    };
    const handle = async (agent: BenchAgent, id: string) => {
      if (!(await timed("accept", () => post(agent, id, "accept")))) return;
      await sleep(200 + rnd() * 800);
      if (
        stopping ||
        !(await timed("reply", () => post(agent, id, "reply", { body: "Thanks, looking.." }, [201])))
      ) return;
      const pick = rnd();
      if (pick < 0.15) {
        const until = new Date(Date.now() + 2_000).toISOString();
        if (!(await timed("defer", () => post(agent, id, "defer", { until })))) return;
        await sleep(3_000);
        // The wake-up may have made it active already: resuming then answers 409, which is fine.
        await timed("resume", () => post(agent, id, "resume", {}, [200, 409]));
      } else if (pick < 0.3) {
        const others = s.agents.filter((a) => a.id !== agent.id);
        const to = others[Math.floor(rnd() * others.length)];
        await timed("transfer", () => post(agent, id, "transfer", { agentId: to.id }));
        return;
      }
      if (stopping) return;
      await timed("complete", () => post(agent, id, "complete", {}));
    };
    s.onEvent = (e: StreamEvent) => {
      const id = e.data.interactionId as string;
      if (e.event !== "interaction.offered" || stopping) return;
      const key = `${id}:${e.agentId}`;
      if (handled.has(key)) return;
      handled.add(key);
      track(handle(s.agent(e.agentId), id));
    };
    const reconnect = async (a: BenchAgent) => {
      await timed("reconnect", async () => {
        a.stream.close();
        const stream = new FeedStream(s.url, a.id, a.token, (e) => s.onEvent(e), {
          lastEventId: a.stream.lastEventId,
        });
        a.stream = stream;
        await stream.ready;
      });
    };

    const rows: Row[] = [];
    const perMinute: Record<string, unknown>[] = [];
    const totalErrors: string[] = [];
    const start = performance.now();
    const endAt = start + o.minutes * 60_000;
    const interval = 1000 / o.rate;
    let nextSend = start, mark = await s.mark(), g = generator.mark(), minuteStart = start;
    const threads: { source: string; thread: string }[] = [];
    log(`${o.minutes} min at ${o.rate} inbound/s, ${o.agents} agents`);
    while (performance.now() < endAt) {
      const wait = nextSend - performance.now();
      if (wait > 0) await sleep(wait);
      nextSend += interval;
      const followUp = threads.length > 0 && rnd() < 0.25;
      const t = followUp
        ? threads[Math.floor(rnd() * threads.length)]
        : { source: SOURCES[Math.floor(rnd() * SOURCES.length)].id, thread: `t-${seq + 1}` };
      if (!followUp) {
        threads.push(t);
        if (threads.length > 500) threads.shift();
        created++;
      }
      track(timed("inbound", () => inbound(t.source, t.thread)));
      if (performance.now() - minuteStart >= 60_000 || performance.now() >= endAt) {
        for (const a of s.agents.filter(() => rnd() < 0.1)) track(reconnect(a));
        const w = await s.window(mark);
        const gw = generator.since(g);
        const kvBytes = await kvSize(kvPath);
        const n = perMinute.length + 1;
        const p99 = Object.fromEntries(OPS.map((op) => [op, summarize(minute.ms.get(op)!)]));
        const fig = {
          minute: n,
          rssMiB: w.rssMiB,
          rssMaxMiB: w.rssMaxMiB,
          cpuPercent: w.cpuPercent,
          lagP99Ms: w.lagMs.p99,
          generatorLagP99Ms: gw.lagMs.p99,
          interactions: created,
          kvBytes,
          kvBytesPer1000Interactions: Math.round((kvBytes / Math.max(1, created)) * 1000),
          errors: minute.errors.length,
          latencyMs: p99,
        };
        perMinute.push(fig);
        totalErrors.push(...minute.errors);
        rows.push({
          metric:
            `minute ${n}: server RSS / CPU / lag p99; errors; KV per 1,000 interactions (${created} so far)`,
          value: `${w.rssMiB} MiB / ${w.cpuPercent}% / ${w.lagMs.p99} ms; ${minute.errors.length} errors; ` +
            `${round(fig.kvBytesPer1000Interactions / 2 ** 20, 2)} MiB`,
          target: "",
          pass: null,
        });
        rows.push({
          metric: `minute ${n}: p99 per operation (n)`,
          value: OPS.map((op) => `${op} ${p99[op].p99} ms (${p99[op].n})`).join(", "),
          target: "",
          pass: null,
        });
        log(`minute ${n}: RSS ${w.rssMiB} MiB, ${minute.errors.length} errors, ${created} interactions`);
        minute = new Minute();
        mark = await s.mark();
        g = generator.mark();
        minuteStart = performance.now();
      }
    }
    stopping = true;
    await Promise.race([Promise.allSettled([...work]), sleep(10_000)]);
    // Flat RSS: the last minute against the first (the first is warm-up when there are several).
    const first = perMinute.length > 2 ? perMinute[1] : perMinute[0];
    const last = perMinute.at(-1)!;
    const growth = round(((last.rssMiB as number) / (first.rssMiB as number) - 1) * 100, 1);
    rows.push(
      {
        metric: `server RSS, minute ${first.minute} → ${last.minute}`,
        value: `${first.rssMiB} → ${last.rssMiB} MiB (${growth >= 0 ? "+" : ""}${growth} %)`,
        target: "within 10 %",
        pass: perMinute.length >= 3 ? Math.abs(growth) <= 10 : null,
      },
      {
        metric: "errors over the run",
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
        perMinute,
        errors: totalErrors.slice(0, 50),
      },
    };
  } finally {
    stopping = true;
    generator.stop();
    await server?.close().catch((e) => console.error("bench soak: close failed:", e));
    await receiver.shutdown();
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

/** The KV store's bytes on disk (SQLite file and its write-ahead log). */
async function kvSize(path: string): Promise<number> {
  let total = 0;
  for (const p of [path, `${path}-wal`]) total += await Deno.stat(p).then((s) => s.size, () => 0);
  return total;
}

if (import.meta.main) {
  const report = await benchSoak(soakOptions(Deno.args));
  console.log(partTable(report.rows));
  emitPart(report);
  Deno.exit(0);
}
