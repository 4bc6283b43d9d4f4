/**
 * Several stateless processes on one KV file (SPEC O2, issue 13 "Tests"): three servers, with
 * KV queues off and on; webhooks go to one, agents act through another, while a seeded random
 * schedule kills any of them with SIGKILL and starts it again. Clients fail over to a live
 * process (as behind a reverse proxy). After the load: every acknowledged inbound message is
 * stored exactly once, never two owners, no capacity breach (the store's invariants), every
 * offer left unanswered was withdrawn by its accept timer within a bound even when the process
 * that set the timer died, and every reply reached the callback endpoint at least once.
 * The seed is printed; `MULTI_SEED=<n>` replays a schedule.
 */
import assert from "node:assert/strict";
import { checkInvariants, type InboundLedger } from "./desk_invariants.ts";
import {
  EventReader,
  PASSWORD,
  startCallbackServer,
  testConfig,
  testRouting,
  testSource,
} from "./harness.ts";
import { deskFiles, ServerProcess } from "./server_process.ts";
import type { Config } from "../lib/shared/config.ts";
import { keys } from "../lib/server/keys.ts";
import { SCHEDULE_SHARDS, shardOf } from "../lib/server/scheduler.ts";
import { seeded } from "../lib/testing/seeded.ts";

const THREADS = 18;
const ACCEPT_TIMEOUT_S = 1;
const KILLS = 3;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Three process slots; a slot is empty while its process is being restarted. */
class Cluster {
  readonly slots: (ServerProcess | null)[] = [null, null, null];
  readonly log: string[] = [];
  constructor(readonly env: Record<string, string>) {}

  async startAll() {
    // One after the other: the first creates the store.
    for (let i = 0; i < 3; i++) this.slots[i] = await ServerProcess.start(this.env);
  }

  async crashAndRestart(i: number, downMs: number) {
    const p = this.slots[i];
    if (!p) return;
    this.slots[i] = null;
    this.log.push(p.output);
    await p.crash();
    await sleep(downMs);
    this.slots[i] = await ServerProcess.start(this.env);
  }

  /** `fn` on the preferred process, else on the next live one; retried until a process answers. */
  async on<T>(preferred: number, fn: (p: ServerProcess) => Promise<T>): Promise<T> {
    const deadline = Date.now() + 30_000;
    for (let attempt = 0;; attempt++) {
      const p = this.slots[(preferred + attempt) % 3];
      if (p) {
        try {
          return await fn(p);
        } catch (e) {
          if (!(e instanceof TypeError)) throw e; // a connection refused or reset: try another
        }
      }
      if (Date.now() > deadline) throw new Error("no process answered for 30 s");
      if (attempt % 3 === 2) await sleep(50);
    }
  }

  async stopAll() {
    for (const p of this.slots) if (p) this.log.push(p.output);
    await Promise.all(this.slots.map((p) => p?.stop()));
  }
}

async function run(queues: "on" | "off") {
  const seed = Number(Deno.env.get("MULTI_SEED") ?? Math.floor(Math.random() * 2 ** 31));
  console.log(`multi-process (KV_QUEUES=${queues}): seed ${seed} (replay with MULTI_SEED=${seed})`);
  const random = seeded(seed);
  const received = new Set<string>();
  const callback = await startCallbackServer((_req, body) => {
    received.add(JSON.parse(body).message.id);
    return new Response("ok");
  });
  const agents = ["a1", "a2", "a3"];
  const config: Config = await testConfig({
    routing: testRouting({ acceptTimeout: ACCEPT_TIMEOUT_S, awayOnMiss: false }),
    sources: [testSource("webchat", { callbackUrl: callback.url })],
  }, agents.map((id) => ({ id })));
  const { dir, kvPath, env } = await deskFiles("multi_process_", config);
  const cluster = new Cluster({ ...env, KV_QUEUES: queues });
  const WEBHOOKS = 0, ACTIONS = 2;
  const ledger: InboundLedger = { acked: new Set() };
  const replied = new Set<string>();
  const replyIds = new Set<string>();
  const completed = new Set<string>();
  let loaded = false;
  const idle = new Map<string, number>();
  /** Offers the agents let run out (once each): interaction → who, and when its accept limit ended (null once withdrawn). */
  const ignored = new Map<string, { agent: string; due: number | null }>();
  let worstWithdrawal = 0;
  try {
    await cluster.startAll();
    const tokens = new Map<string, string>();
    for (const a of agents) {
      const token = await cluster.on(ACTIONS, (p) => p.signIn(a, PASSWORD));
      tokens.set(a, token);
      await cluster.on(
        ACTIONS,
        (p) => p.request("PUT", "/api/v1/me/presence", { token, body: { presence: "available" } }),
      );
    }

    const load = (async () => {
      for (let i = 0; i < THREADS; i++) {
        const m = {
          id: `m-${i}`,
          thread: { id: `t-${i}` },
          author: { id: `c-${i}`, name: "Customer" },
          body: `Question ${i}`,
        };
        const r = await cluster.on(WEBHOOKS, (p) => p.inbound(config, "webchat", m));
        assert.equal(r.status, 202, JSON.stringify(r.body));
        ledger.acked.add(`webchat|m-${i}`);
        await sleep(150 + random() * 250);
      }
      loaded = true;
    })();

    const chaos = (async () => {
      for (let k = 0; k < KILLS; k++) {
        await sleep(1_000 + random() * 2_000);
        await cluster.crashAndRestart(Math.floor(random() * 3), 200 + random() * 600);
      }
    })();

    const work = async (agent: string) => {
      const token = tokens.get(agent)!;
      const deadline = Date.now() + 45_000;
      // Done when every thread completed, or (an answer lost to a kill) all load is in and every folder stays empty.
      const allIdle = () => loaded && agents.every((a) => (idle.get(a) ?? 0) >= 5);
      while (completed.size < THREADS && !allIdle() && Date.now() < deadline) {
        const r = await cluster.on(
          ACTIONS,
          (p) => p.request("GET", "/api/v1/me/folders/in_progress", { token }),
        );
        const seen = new Set<string>();
        for (const it of r.body.items ?? []) {
          seen.add(it.id);
          if (it.state === "offered") {
            const skipped = ignored.get(it.id);
            if (skipped?.due) continue; // still waiting for its timer
            if (!skipped && random() < 0.3) {
              ignored.set(it.id, { agent, due: Date.parse(it.offeredAt) + ACCEPT_TIMEOUT_S * 1000 });
              continue;
            }
            await cluster.on(
              ACTIONS,
              (p) => p.request("POST", `/api/v1/interactions/${it.id}/accept`, { token, body: {} }),
            );
          } else if (it.state === "active") {
            if (!replied.has(it.id)) {
              const rep = await cluster.on(
                ACTIONS,
                (p) =>
                  p.request("POST", `/api/v1/interactions/${it.id}/reply`, {
                    token,
                    body: { body: `Answer ${it.id}` },
                  }),
              );
              if (rep.status === 201) replyIds.add(rep.body.message.id), replied.add(it.id);
            }
            const done = await cluster.on(
              ACTIONS,
              (p) => p.request("POST", `/api/v1/interactions/${it.id}/complete`, { token, body: {} }),
            );
            if (done.status === 200) completed.add(it.id);
          }
        }
        idle.set(agent, seen.size ? 0 : (idle.get(agent) ?? 0) + 1);
        // An ignored offer that left this agent's folder was withdrawn by its timer.
        for (const [id, skipped] of ignored) {
          if (skipped.agent === agent && skipped.due !== null && !seen.has(id)) {
            worstWithdrawal = Math.max(worstWithdrawal, Date.now() - skipped.due);
            skipped.due = null;
          }
        }
        await sleep(100);
      }
    };
    await Promise.all([load, chaos, ...agents.map(work)]);
    const withdrawn = [...ignored.values()].filter((v) => v.due === null).length;
    console.log(
      `multi-process (KV_QUEUES=${queues}): ${THREADS} threads, ${withdrawn} offers withdrawn by their timer, ` +
        `worst ${worstWithdrawal} ms after the limit (observed every ~100 ms)`,
    );
    assert.ok(withdrawn > 0, "some offers ran out");
    // Queues off: a lease outlives its process by ≤ 1.2 s; queues on: the 5 s sweep (2 s grace) backs up a dead queue.
    // This checks that every timer fires after a kill, with room for the agents' own polling falling
    // behind on a loaded machine (3.4 s and 5.9 s were seen at load 10 and 26); lateness itself is a
    // bench figure (`deno task bench --only=multi`: killed timers p99 ≤ 2 s).
    assert.ok(
      worstWithdrawal <= (queues === "off" ? 6_000 : 10_000),
      `a timer fired ${worstWithdrawal} ms late`,
    );
    const sentBy = Date.now() + 15_000;
    const undelivered = () => [...replyIds].filter((id) => !received.has(id));
    while (undelivered().length && Date.now() < sentBy) await sleep(100);
    assert.deepEqual(undelivered(), [], "every reply delivered at least once");
  } catch (e) {
    await cluster.stopAll();
    console.error(cluster.log.join("\n---\n"));
    throw e;
  }
  await cluster.stopAll();
  const kv = await Deno.openKv(kvPath);
  try {
    await checkInvariants(kv, config, { ledger });
    let interactions = 0;
    for await (const e of kv.list<{ state: string }>({ prefix: keys.interactionsPrefix() })) {
      interactions++;
      assert.equal(e.value.state, "completed", `interaction ${String(e.key[1])} left ${e.value.state}`);
    }
    assert.equal(interactions, THREADS);
  } finally {
    kv.close();
    await callback.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("multi - three processes, queues off, killed at random: nothing lost, one owner, timers and deliveries", async () => {
  await run("off");
});

Deno.test("multi - three processes, queues on, killed at random: nothing lost, one owner, timers and deliveries", async () => {
  await run("on");
});

Deno.test("multi - queues off: a timer whose shard's owner is killed fires on the other process within 2 s of its due time", async () => {
  const config: Config = await testConfig({
    routing: testRouting({ acceptTimeout: ACCEPT_TIMEOUT_S, awayOnMiss: false }),
  }, [{ id: "a1" }]);
  const files = await deskFiles("multi_takeover_", config);
  const { dir } = files;
  const env = { ...files.env, KV_QUEUES: "off" };
  const procs = [await ServerProcess.start(env), await ServerProcess.start(env)];
  const kv = await Deno.openKv(files.kvPath); // reads only: never locks the writers out
  try {
    const ids = await Promise.all(procs.map(async (p) => (await p.request("GET", "/readyz")).body.process));
    // Both hold their share before the timer is set: half the shards each. Two owners alone is not
    // enough: the first process releases its extra shards one by one, and one it has just released
    // has no lease until the second claims it at its next renewal.
    const settled = async () => {
      const held = new Map<string, number>();
      for await (const e of kv.list<{ owner: string }>({ prefix: keys.schedulerLeases() })) {
        held.set(e.value.owner, (held.get(e.value.owner) ?? 0) + 1);
      }
      return held.size === 2 && [...held.values()].every((n) => n === SCHEDULE_SHARDS / 2);
    };
    while (!(await settled())) await sleep(50);
    const token = await procs[0].signIn("a1", PASSWORD);
    await procs[0].request("PUT", "/api/v1/me/presence", { token, body: { presence: "available" } });
    const r = await procs[0].inbound(config, "webchat", {
      id: "m-takeover",
      thread: { id: "t-takeover" },
      author: { id: "c-1", name: "Customer" },
      body: "Anyone there?",
    });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const id = r.body.interactionId as string;
    const offered = (await procs[0].request("GET", `/api/v1/interactions/${id}`, { token })).body.interaction;
    assert.equal(offered.state, "offered");
    const due = Date.parse(offered.offeredAt) + ACCEPT_TIMEOUT_S * 1000;
    // The process holding the lease of the timer's shard dies before the timer is due.
    const lease = (await kv.get<{ owner: string }>(keys.schedulerLease(shardOf(`interaction:${id}`)))).value!;
    const victim = ids.indexOf(lease.owner);
    assert.ok(victim >= 0, `lease owner ${lease.owner} is one of ${ids}`);
    await procs[victim].crash();
    const survivor = procs[1 - victim];
    // Withdrawn once it is no longer this offer: queued again (not visible to the agent, 404) or offered anew.
    const stillOffered = async () => {
      const r = await survivor.request("GET", `/api/v1/interactions/${id}`, { token });
      return r.status === 200 && r.body.interaction.offeredAt === offered.offeredAt;
    };
    while (await stillOffered()) {
      assert.ok(Date.now() - due < 2_000, "the dead process's timer did not fire within 2 s");
      await sleep(25);
    }
    console.log(`timer of a killed process fired ${Date.now() - due} ms after its due time`);
    await survivor.stop();
  } finally {
    kv.close();
    for (const p of procs) await p.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "multi - a stream on one process receives, in order, every event of its agent committed by another",
  async fn() {
    const config: Config = await testConfig({ routing: testRouting() }, [
      { id: "a1", capacity: { realtime: { capacity: 10, maxCapacity: 10 } } },
    ]);
    const files = await deskFiles("multi_streams_", config);
    const { dir } = files;
    const env = { ...files.env, KV_QUEUES: "off" };
    const webhooks = await ServerProcess.start(env);
    const streams = await ServerProcess.start(env);
    let reader: EventReader | null = null;
    try {
      const token = await streams.signIn("a1", PASSWORD);
      await streams.request("PUT", "/api/v1/me/presence", { token, body: { presence: "available" } });
      reader = new EventReader(streams.url, token);
      await reader.ready;
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const r = await webhooks.inbound(config, "webchat", {
          id: `m-s${i}`,
          thread: { id: `t-s${i}` },
          author: { id: `c-${i}` },
          body: `Question ${i}`,
        });
        assert.equal(r.status, 202, JSON.stringify(r.body));
        ids.push(r.body.interactionId);
      }
      for (const id of ids) await reader.next("interaction.offered", (d) => d.interactionId === id, 2_000);
      const seqs = reader.events.map((e) => Number(e.id));
      assert.deepEqual(seqs, seqs.toSorted((a, b) => a - b), "in order");
      assert.deepEqual(seqs, seqs.map((_, i) => seqs[0] + i), "none skipped");
    } finally {
      reader?.close();
      await webhooks.stop();
      await streams.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("multi - a configuration saved on one process applies on the two others within 2 s", async () => {
  const config: Config = await testConfig({
    roles: { agent: ["accept", "reply", "complete"], admin: ["admin"] },
  }, [{ id: "a1" }, { id: "root", role: "admin" }]);
  const files = await deskFiles("multi_config_", config);
  const { dir } = files;
  const env = { ...files.env, KV_QUEUES: "off" };
  const procs: ServerProcess[] = [];
  try {
    for (let i = 0; i < 3; i++) procs.push(await ServerProcess.start(env));
    const token = await procs[0].signIn("root", PASSWORD);
    const capacityOn = async (p: ServerProcess) => {
      const me = await p.request("GET", "/api/v1/admin/config", { token });
      return me.body.agents.find((a: { id: string }) => a.id === "a1").capacity?.realtime?.capacity ?? null;
    };
    const current = (await procs[0].request("GET", "/api/v1/admin/config", { token })).body;
    const next = {
      ...current,
      agents: current.agents.map((a: { id: string }) =>
        a.id === "a1" ? { ...a, capacity: { realtime: { capacity: 4, maxCapacity: 4 } } } : a
      ),
    };
    const saved = await procs[0].request("PUT", "/api/v1/admin/config", { token, body: next });
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    const savedAt = Date.now();
    for (const p of procs.slice(1)) {
      while ((await capacityOn(p)) !== 4) {
        assert.ok(Date.now() - savedAt < 2_000, "not applied on another process within 2 s");
        await sleep(25);
      }
    }
    console.log(`configuration applied on every process ${Date.now() - savedAt} ms after the save`);
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
    await Deno.remove(dir, { recursive: true });
  }
});
