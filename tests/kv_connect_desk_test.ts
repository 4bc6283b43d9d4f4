/**
 * The desk on "remote" KV (issue 13, remote-KV readiness): real `main.ts` processes with
 * `KV_PATH` set to a KV Connect URL (the test's own server, scripts/dev/kv_connect, in front of a
 * store in this process) and `DENO_KV_ACCESS_TOKEN`, as an operator would run them against Deno
 * Deploy's KV or `denokv`. `KV_QUEUES=auto` must pick the polling scheduler (KV Connect has no
 * queues), every commit must fit the service's limits (the server refuses what it would), and a
 * short flow runs end to end through the HTTP API. Two processes on one server share one desk.
 */
import assert from "node:assert/strict";
import {
  EventReader,
  PASSWORD,
  startCallbackServer,
  testConfig,
  testRouting,
  testSource,
} from "./harness.ts";
import { deskFiles, ServerProcess } from "./server_process.ts";
import { connected, TOKEN } from "./kv_connect_support.ts";
import type { Config } from "../lib/shared/config.ts";
import { keys } from "../lib/server/keys.ts";
import { queuesFromEnv } from "../lib/server/scheduler.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` every 25 ms until it answers true; fails after `ms`. */
async function until(what: string, ms: number, probe: () => Promise<boolean>): Promise<number> {
  const start = Date.now();
  while (!(await probe())) {
    if (Date.now() - start > ms) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(25);
  }
  return Date.now() - start;
}

async function deskEnv(callbackUrl: string | null, agents: string[]) {
  const config: Config = await testConfig({
    routing: testRouting({ awayOnMiss: false }),
    sources: [testSource("webchat", { callbackUrl })],
  }, agents.map((id) => ({ id, capacity: { realtime: { capacity: 10, maxCapacity: 10 } } })));
  return { ...(await deskFiles("kv_connect_desk_", config)), config };
}

Deno.test("kv connect desk - on a KV Connect URL the desk runs without queues: offered on the stream, accept, reply delivered, deferral fires, complete", async () => {
  const c = await connected();
  const callback = await startCallbackServer();
  const { dir, config, configPath } = await deskEnv(callback.url, ["a1"]);
  let desk: ServerProcess | null = null;
  let reader: EventReader | null = null;
  try {
    desk = await ServerProcess.start({
      KV_PATH: c.server.url,
      DENO_KV_ACCESS_TOKEN: TOKEN,
      ROUTING_CONFIG: configPath,
      KV_QUEUES: "auto",
    });
    // `auto` chose the leased polling scheduler, and said so in the store and on /readyz.
    const ready = await desk.request("GET", "/readyz");
    assert.equal(ready.status, 200, JSON.stringify(ready.body));
    assert.equal(ready.body.scheduling, "polling");
    assert.equal((await c.backing.get(keys.schedulerMode())).value, "off");

    const token = await desk.signIn("a1", PASSWORD);
    const presence = await desk.request("PUT", "/api/v1/me/presence", {
      token,
      body: { presence: "available" },
    });
    assert.equal(presence.status, 200, JSON.stringify(presence.body));
    reader = new EventReader(desk.url, token);
    await reader.ready;

    const inbound = await desk.inbound(config, "webchat", {
      id: "m-remote-1",
      thread: { id: "t-remote-1" },
      author: { id: "c-1", name: "Customer" },
      body: "Hello over KV Connect",
    });
    assert.equal(inbound.status, 202, JSON.stringify(inbound.body));
    const id = inbound.body.interactionId as string;
    await reader.next("interaction.offered", (d) => d.interactionId === id, 10_000);

    const act = (action: string, body: unknown = {}) =>
      desk!.request("POST", `/api/v1/interactions/${id}/${action}`, { token, body });
    const accepted = await act("accept");
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    assert.equal(accepted.body.interaction.state, "active");

    // The reply's delivery runs from its record through the polling scheduler (no queue).
    const reply = await act("reply", { body: "Hi, how can I help?" });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    await until(
      "the reply reaches the callback endpoint",
      10_000,
      () => Promise.resolve(callback.received.some((r) => r.json.message?.body === "Hi, how can I help?")),
    );

    // A deferral's timer fires from its `scheduled` record: back to the agent's In progress.
    const due = Date.now() + 1_500;
    const deferred = await act("defer", { until: new Date(due).toISOString() });
    assert.equal(deferred.status, 200, JSON.stringify(deferred.body));
    assert.equal(deferred.body.interaction.state, "deferred");
    const beforeDue = reader.events.length;
    await until("the deferral ends", 15_000, async () => {
      const r = await desk!.request("GET", `/api/v1/interactions/${id}`, { token });
      return r.body.interaction.state === "active";
    });
    await reader.next("interaction.updated", (d) => d.interactionId === id, 5_000, beforeDue);
    console.log(
      `deferral over KV Connect fired ${Date.now() - due} ms after its due time (polled every 25 ms)`,
    );

    const before = reader.events.length;
    const done = await act("complete");
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(done.body.interaction.state, "completed");
    await reader.next("interaction.updated", (d) => d.interactionId === id, 5_000, before);

    // Nothing the desk did was refused by the server's limits (a refusal would have failed a request).
    assert.equal(c.server.stats.refused, 0, "the server refused a request of the desk");
    assert.ok(c.server.stats.atomicWrites > 0 && c.server.stats.watches > 0);
    const { rangesByPrefix: _r, mutationsByPrefix: _m, ...totals } = c.server.stats;
    console.log(`KV Connect requests for the flow: ${JSON.stringify(totals)}`);
  } finally {
    reader?.close();
    await desk?.stop();
    await callback.close();
    await c.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("kv connect desk - two processes on one KV Connect server: a stream on one receives the offers routed by the other", async () => {
  const c = await connected();
  const { dir, config, configPath } = await deskEnv(null, ["a1"]);
  const env = {
    KV_PATH: c.server.url,
    DENO_KV_ACCESS_TOKEN: TOKEN,
    ROUTING_CONFIG: configPath,
    KV_QUEUES: "auto",
  };
  const procs: ServerProcess[] = [];
  let reader: EventReader | null = null;
  try {
    procs.push(await ServerProcess.start(env), await ServerProcess.start(env));
    const [webhooks, streams] = procs;
    const token = await streams.signIn("a1", PASSWORD);
    await streams.request("PUT", "/api/v1/me/presence", { token, body: { presence: "available" } });
    reader = new EventReader(streams.url, token);
    await reader.ready;
    const latencies: number[] = [];
    for (let i = 0; i < 8; i++) {
      const sent = Date.now();
      const r = await webhooks.inbound(config, "webchat", {
        id: `m-x${i}`,
        thread: { id: `t-x${i}` },
        author: { id: `c-${i}` },
        body: `Question ${i}`,
      });
      assert.equal(r.status, 202, JSON.stringify(r.body));
      await reader.next("interaction.offered", (d) => d.interactionId === r.body.interactionId, 5_000);
      latencies.push(Date.now() - sent);
    }
    assert.equal(reader.events.filter((e) => e.event === "interaction.offered").length, 8);
    // Accepting on the process that routed it: the same desk.
    const first = reader.events.find((e) => e.event === "interaction.offered")!.data.interactionId;
    const acc = await webhooks.request("POST", `/api/v1/interactions/${first}/accept`, { token });
    assert.equal(acc.status, 200, JSON.stringify(acc.body));
    latencies.sort((a, b) => a - b);
    console.log(
      `webhook on one process → interaction.offered on the other's stream over KV Connect: ` +
        `median ${latencies[4]} ms, max ${latencies[7]} ms (8 offers)`,
    );
    assert.equal(c.server.stats.refused, 0);
  } finally {
    reader?.close();
    await Promise.all(procs.map((p) => p.stop()));
    await c.close();
    await Deno.remove(dir, { recursive: true });
  }
});

const ROOT = new URL("..", import.meta.url).pathname;

/** `deno task kv …` exactly as an operator runs it (the task's own permissions), on `kvPath`. */
async function kvTask(kvPath: string, token: string, ...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "--quiet", "kv", ...args],
    cwd: ROOT,
    env: { KV_PATH: kvPath, DENO_KV_ACCESS_TOKEN: token, NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("kv connect desk - deno task kv lists, exports and imports a store over KV Connect with DENO_KV_ACCESS_TOKEN", async () => {
  const source = await connected();
  const target = await connected();
  const { dir, config, configPath } = await deskEnv(null, ["a1"]);
  try {
    const desk = await ServerProcess.start({
      KV_PATH: source.server.url,
      DENO_KV_ACCESS_TOKEN: TOKEN,
      ROUTING_CONFIG: configPath,
    });
    let id: string;
    try {
      const r = await desk.inbound(config, "webchat", {
        id: "m-kv-1",
        thread: { id: "t-kv-1" },
        author: { id: "c-1" },
        body: "Waiting in the queue",
      });
      assert.equal(r.status, 202, JSON.stringify(r.body));
      id = r.body.interactionId;
    } finally {
      await desk.stop();
    }
    const listed = await kvTask(source.server.url, TOKEN, "interactions", "--json");
    assert.equal(listed.code, 0, listed.stderr);
    const rows = listed.stdout.trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(rows.map((r) => [r.id, r.state]), [[id, "queued"]]);
    const one = await kvTask(source.server.url, TOKEN, "interaction", id);
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, new RegExp(id));

    // Export from one server, import into another (its commits within the service's limits).
    const file = `${dir}/export.jsonl`;
    const exported = await kvTask(source.server.url, TOKEN, "export", file, "--json");
    assert.equal(exported.code, 0, exported.stderr);
    const n = JSON.parse(exported.stdout).exported as number;
    const imported = await kvTask(target.server.url, TOKEN, "import", file, "--json");
    assert.equal(imported.code, 0, imported.stderr);
    assert.equal(JSON.parse(imported.stdout).keys, n);
    assert.equal(target.server.stats.refused, 0);
    const counts = async (url: string) => {
      const r = await kvTask(url, TOKEN, "counts", "--json");
      assert.equal(r.code, 0, r.stderr);
      return r.stdout;
    };
    assert.equal(await counts(target.server.url), await counts(source.server.url));

    // A wrong token: the task fails with the server's refusal, and writes nothing.
    const wrong = await kvTask(source.server.url, "a-wrong-token-0000", "counts");
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /Invalid access token/);
  } finally {
    await source.close();
    await target.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("kv connect desk - KV_QUEUES=on with a KV Connect URL is refused at start (it used to start, then answer 500 to the first reply)", async () => {
  assert.throws(() => queuesFromEnv("on", "http://127.0.0.1:4512"), /KV_QUEUES=on needs Deno KV queues/);
  assert.equal(queuesFromEnv("auto", "https://api.deno.com/databases/x/connect"), false);
  assert.equal(queuesFromEnv("on", "./data/routing.kv"), true);
  const c = await connected();
  const { dir, configPath } = await deskEnv(null, ["a1"]);
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "main.ts"],
      cwd: ROOT,
      env: {
        KV_PATH: c.server.url,
        DENO_KV_ACCESS_TOKEN: TOKEN,
        ROUTING_CONFIG: configPath,
        KV_QUEUES: "on",
        PORT: "0",
      },
    }).output();
    assert.equal(out.code, 1);
    assert.match(new TextDecoder().decode(out.stderr), /KV_QUEUES=on needs Deno KV queues/);
    assert.equal(c.server.stats.atomicWrites, 0, "nothing written");
  } finally {
    await c.close();
    await Deno.remove(dir, { recursive: true });
  }
});
