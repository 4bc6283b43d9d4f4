/**
 * Contention (issue 10 item 1), one part of `deno task bench`; alone:
 * `deno run -A scripts/bench/contention.ts [--contention-agents=4] [--clients=16] [--per-agent=48]
 * [--capacity=12]` (`--contention-agents`, as `--agents` is the core part's).
 *
 * Many clients acting at once for one agent: each agent holds `clients` sessions, every session
 * accepts, replies to and completes its own share of the agent's offers while the dispatcher
 * keeps offering the waiting ones (capacity freed by each completion). Every action must
 * succeed: a 409 `contention` (retries run out) is a lost action. Reports the actions, their
 * latency and the failures by status and code. `contentionLoad` is also the regular test's
 * driver (tests/contention_test.ts), at a small size.
 */
import { parseArgs } from "node:util";
import { agentLogins, spawnBenchServer } from "./setup.ts";
import { PASSWORD } from "./setup.ts";
import { emitPart, msLine, type PartReport, partTable, type Row } from "./report.ts";
import { round, summarize } from "./stats.ts";

export type ContentionTarget = {
  url: string;
  /** Posts one customer message on a new thread; resolves with the new interaction's id. */
  inbound(thread: string): Promise<string>;
  /** A fresh session token for `login` (each client signs in on its own). */
  signIn(login: string): Promise<string>;
};

export type ContentionResult = {
  interactions: number;
  actions: number;
  /** "status code" → count, for every action that did not succeed. */
  failures: Record<string, number>;
  contentionFailures: number;
  latencyMs: number[];
  seconds: number;
  completed: number;
};

type Client = { token: string; index: number };

async function call(url: string, token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  // deno-lint-ignore no-explicit-any -- API bodies are read loosely; the status decides.
  return { status: res.status, body: (text ? JSON.parse(text) : null) as any };
}

/** A stable share of the offers per client: no two clients of one agent go for the same one. */
const shareOf = (id: string, clients: number) => {
  let h = 0;
  for (const ch of id) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return h % clients;
};

/**
 * Drives the load: `perAgent` interactions per agent posted at once (capacity lets only some be
 * offered; the rest wait and are offered as completions free capacity), `clients` sessions per
 * agent working through them concurrently. Resolves when every interaction is completed or
 * `timeoutMs` passed.
 */
export async function contentionLoad(
  t: ContentionTarget,
  o: { agents: string[]; clients: number; perAgent: number; timeoutMs?: number },
): Promise<ContentionResult> {
  const total = o.agents.length * o.perAgent;
  const failures: Record<string, number> = {};
  const latencyMs: number[] = [];
  let actions = 0;
  const done = new Set<string>();
  const sessions = new Map<string, Client[]>();
  // One agent's sessions sign in one after another (as tabs and devices do), agents at once:
  // parallel sign-ins of one login count as guesses in flight and are throttled (issue 10).
  await Promise.all(o.agents.map(async (a) => {
    const clients: Client[] = [];
    for (let index = 0; index < o.clients; index++) clients.push({ token: await t.signIn(a), index });
    sessions.set(a, clients);
  }));
  const started = performance.now();
  const deadline = started + (o.timeoutMs ?? 60_000);
  const ids = await Promise.all(Array.from({ length: total }, (_, i) => t.inbound(`contention-${i}`)));
  const act = async (c: Client, id: string, action: string, body: unknown, ok: number) => {
    const t0 = performance.now();
    const r = await call(t.url, c.token, "POST", `/api/v1/interactions/${id}/${action}`, body);
    latencyMs.push(performance.now() - t0);
    actions++;
    if (r.status === ok) return true;
    const key = `${action} ${r.status} ${r.body?.error?.code ?? ""}`.trim();
    failures[key] = (failures[key] ?? 0) + 1;
    return false;
  };
  const work = async (c: Client) => {
    while (done.size < total && performance.now() < deadline) {
      const r = await call(t.url, c.token, "GET", "/api/v1/me/folders/in_progress?limit=200");
      const mine = (r.body?.items ?? []).filter((i: { id: string; state: string }) =>
        (i.state === "offered" || i.state === "active") && shareOf(i.id, o.clients) === c.index
      );
      if (mine.length === 0) {
        await new Promise((res) => setTimeout(res, 10));
        continue;
      }
      for (const i of mine) {
        if (i.state === "offered" && !(await act(c, i.id, "accept", {}, 200))) continue;
        await act(c, i.id, "reply", { body: "On it." }, 201);
        if (await act(c, i.id, "complete", {}, 200)) done.add(i.id);
      }
    }
  };
  await Promise.all(o.agents.flatMap((a) => sessions.get(a)!.map(work)));
  return {
    interactions: ids.length,
    actions,
    failures,
    contentionFailures: Object.entries(failures)
      .filter(([k]) => k.endsWith("contention"))
      .reduce((n, [, v]) => n + v, 0),
    latencyMs,
    seconds: (performance.now() - started) / 1000,
    completed: done.size,
  };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      "contention-agents": { type: "string", default: "4" },
      clients: { type: "string", default: "16" },
      "per-agent": { type: "string", default: "48" },
      capacity: { type: "string", default: "12" },
    },
  });
  const agents = Number(values["contention-agents"]), clients = Number(values.clients);
  const perAgent = Number(values["per-agent"]), capacity = Number(values.capacity);
  const dir = await Deno.makeTempDir({ prefix: "bench-contention-" });
  // The server runs in its own process, like every other part: the figures are the server's.
  const server = await spawnBenchServer({ agents, capacity, kvPath: `${dir}/kv` });
  try {
    await server.connectAgents(agentLogins(agents));
    await server.presence("available");
    const r = await contentionLoad({
      url: server.url,
      inbound: async (thread) => (await server.inbound(thread, 0)).body.interactionId,
      signIn: async (login) =>
        (await server.call("POST", "/api/v1/session", { login, password: PASSWORD })).body.token,
    }, { agents: server.agents.map((a) => a.id), clients, perAgent, timeoutMs: 120_000 });
    const lat = summarize(r.latencyMs);
    const failed = Object.values(r.failures).reduce((n, v) => n + v, 0);
    const rows: Row[] = [
      {
        metric: `actions by ${clients} clients per agent (${agents} agents, ${perAgent} interactions each)`,
        value: `${r.actions} in ${round(r.seconds)} s (${round(r.actions / r.seconds)}/s)`,
        target: "",
        pass: null,
      },
      {
        metric: "interactions completed",
        value: `${r.completed} of ${r.interactions}`,
        target: "all",
        pass: r.completed === r.interactions,
      },
      {
        metric: "actions lost to contention (409 contention)",
        value: String(r.contentionFailures),
        target: "0",
        pass: r.contentionFailures === 0,
      },
      {
        metric: "other failed actions",
        value: failed - r.contentionFailures ? JSON.stringify(r.failures) : "0",
        target: "0",
        pass: failed === 0,
      },
      { metric: "action latency", value: msLine(lat), target: "", pass: null },
    ];
    console.error(partTable(rows));
    const report: PartReport = { part: "contention", rows, figures: { ...r, latencyMs: lat } };
    emitPart(report);
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
}
