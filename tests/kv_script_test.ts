/**
 * The operator KV script (SPEC O1), run as a subprocess on a store a real server filled: lists
 * and views, export → import round trip with types kept, and rebuild-indexes restoring deleted
 * index keys (and removing a stale one) until the store passes the desk invariants again.
 */
import assert from "node:assert/strict";
import { keys } from "../lib/server/keys.ts";
import type { Config } from "../lib/shared/config.ts";
import type { InteractionState } from "../actors/interaction.ts";
import { availableAgentKeys, indexKey, timerId } from "../desk/persist.ts";
import type { AgentState } from "../actors/agent.ts";
import { checkInvariants } from "./desk_invariants.ts";
import {
  eventually,
  msg,
  startCallbackServer,
  startServer,
  testConfig,
  testRouting,
  testSource,
} from "./harness.ts";

const ROOT = new URL("..", import.meta.url).pathname;

async function kvScript(
  kvPath: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "scripts/kv.ts", ...args],
    cwd: ROOT,
    env: { KV_PATH: kvPath, NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Runs a command that must succeed and parses its JSON lines. */
// deno-lint-ignore no-explicit-any
async function jsonLines(kvPath: string, ...args: string[]): Promise<Record<string, any>[]> {
  const r = await kvScript(kvPath, ...args, "--json");
  assert.equal(r.code, 0, `kv ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l));
}

async function withKv<T>(path: string, fn: (kv: Deno.Kv) => Promise<T>): Promise<T> {
  const kv = await Deno.openKv(path);
  try {
    return await fn(kv);
  } finally {
    kv.close();
  }
}

type Fixture = {
  config: Config;
  active: string;
  deferred: string;
  offered: string;
  queued: string;
  mailThread: string;
  callbackUrl: string;
};

/**
 * Fills a store through the real server: alice gets an active chat, a deferred chat (wake timer),
 * an offered chat (accept timer), a mail reply that cannot be delivered (callback refuses), and
 * one chat waits in the queue because her realtime capacity is full.
 */
async function fill(kvPath: string): Promise<Fixture> {
  const refusing = await startCallbackServer(() => new Response("unavailable", { status: 503 }));
  const config = await testConfig({
    routing: testRouting({ acceptTimeout: 3600 }),
    sources: [
      testSource("webchat"),
      // The connector refuses every delivery: the reply ends up undeliverable.
      testSource("mail", { callbackUrl: refusing.url, teams: ["support"] }),
    ],
  });
  const s = await startServer({ config, kvPath, deliveryBackoff: [20, 20] });
  try {
    const alice = await s.agent("alice", { available: true });
    const post = async (source: string, thread: string) => {
      const r = await s.inbound(source, msg(thread, { body: `hello from ${thread}` }));
      assert.equal(r.status, 202, JSON.stringify(r.body));
      await s.settle();
      return r.body as { interactionId: string; threadId: string };
    };
    const accept = async (id: string) => assert.equal((await alice.act(id, "accept")).status, 200);

    const deferred = (await post("webchat", "chat-deferred")).interactionId;
    await accept(deferred);
    assert.equal((await alice.act(deferred, "reply", { body: "One moment." })).status, 201);
    assert.equal(
      (await alice.act(deferred, "defer", { until: new Date(Date.now() + 3600_000).toISOString() })).status,
      200,
    );
    const active = (await post("webchat", "chat-active")).interactionId;
    await accept(active);
    const offered = (await post("webchat", "chat-offered")).interactionId;
    const queued = (await post("webchat", "chat-queued")).interactionId;
    const mail = await post("mail", "mail-1");
    await accept(mail.interactionId);
    assert.equal((await alice.act(mail.interactionId, "reply", { body: "Answer by mail." })).status, 201);
    await eventually(
      async () => {
        for await (const _ of s.kv.list({ prefix: keys.undeliverables() })) return true;
        return false;
      },
      15_000,
      "the mail reply to become undeliverable",
    );
    return {
      config,
      active,
      deferred,
      offered,
      queued,
      mailThread: mail.threadId,
      callbackUrl: refusing.url,
    };
  } finally {
    await s.close();
    await refusing.close();
  }
}

Deno.test("kv script - lists and shows interactions, threads, agents, queues, timers, undeliverable messages, audit and counts", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kv_script_" });
  try {
    const path = `${dir}/routing.kv`;
    const f = await fill(path);

    const all = await jsonLines(path, "interactions");
    assert.equal(all.length, 5);
    const active = await jsonLines(path, "interactions", "--state", "active");
    assert.deepEqual(
      active.map((r) => r.id).sort(),
      [f.active, all.find((r) => r.source === "mail")!.id].sort(),
    );
    assert.deepEqual((await jsonLines(path, "interactions", "--state=queued")).map((r) => r.id), [f.queued]);

    const one = JSON.parse((await kvScript(path, "interaction", f.offered)).stdout);
    assert.equal(one.interaction.state, "offered");
    assert.equal(one.index.present, true);
    assert.equal(one.timer.kind, "accept");
    assert.equal(one.timer.record.epoch, one.interaction.epoch);
    const missing = await kvScript(path, "interaction", "nope");
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /interaction not found/);

    const threads = await jsonLines(path, "threads");
    assert.equal(threads.length, 5);
    const mailThread = JSON.parse((await kvScript(path, "thread", f.mailThread)).stdout);
    assert.deepEqual(mailThread.messages.map((m: { body: string }) => m.body), [
      "hello from mail-1",
      "Answer by mail.",
    ]);
    assert.equal(mailThread.interactions.length, 1);

    const agents = await jsonLines(path, "agents");
    const alice = agents.find((a) => a.id === "alice")!;
    assert.equal(alice.presence, "available");
    assert.match(alice.realtime, /^2\/2 /);

    const queues = await jsonLines(path, "queues");
    assert.deepEqual(queues.map((q) => [q.group, q.position, q.interaction]), [["realtime", 1, f.queued]]);

    const timers = await jsonLines(path, "timers");
    assert.deepEqual(timers.map((t) => t.interaction).sort(), [f.deferred, f.offered].sort());
    assert.ok(timers.every((t) => t.inSeconds > 3000), "both timers are about an hour away");
    assert.deepEqual(timers.map((t) => t.kind).sort(), ["accept", "wake"]);

    const undeliverable = await jsonLines(path, "undeliverable");
    assert.equal(undeliverable.length, 1);
    assert.equal(undeliverable[0].url, f.callbackUrl);
    assert.equal(undeliverable[0].lastError, "HTTP 503");
    assert.ok(undeliverable[0].attempts >= 1);
    assert.match(undeliverable[0].body, /Answer by mail\./);

    const audit = await jsonLines(path, "audit", f.mailThread);
    for (const t of ["offered", "accepted", "message.customer", "message.agent"]) {
      assert.ok(audit.some((e) => e.type === t), `audit has ${t}: ${audit.map((e) => e.type).join(", ")}`);
    }

    const counts = await jsonLines(path, "counts");
    const count = (p: string) => counts.find((c) => c.prefix === p)?.keys;
    assert.equal(count("interaction"), 5);
    assert.equal(count("thread"), 5);
    assert.equal(count("timer"), 2);
    assert.equal(count("undeliverable"), 1);
    assert.equal(
      count("(total)"),
      counts.filter((c) => c.prefix !== "(total)").reduce((a, c) => a + c.keys, 0),
    );

    // The table form is for people: a header and one line per row.
    const table = await kvScript(path, "queues");
    assert.equal(table.code, 0);
    assert.match(table.stdout.split("\n")[0], /^group\s+position\s+interaction/);

    const bad = await kvScript(path, "frobnicate");
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown command "frobnicate"[\s\S]*usage:/);
    const none = await kvScript(`${dir}/absent.kv`, "counts");
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no store at/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("kv script - export then import into a new store restores every key with its types", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kv_script_" });
  try {
    const path = `${dir}/routing.kv`;
    const f = await fill(path);
    const odd = {
      big: 2n ** 70n,
      bytes: new Uint8Array([0, 255]),
      date: new Date("2031-03-01T09:00:00.000Z"),
      map: new Map([["k", new Set([1, 2])]]),
      negZero: -0,
      missing: undefined,
      lookalike: { $date: "not a date" },
    };
    // (KV keeps a KvU64 as such only as a whole value.)
    await withKv(
      path,
      (kv) =>
        kv.atomic().set(["zz_types", 1n, new Uint8Array([1]), true], odd).set(
          ["zz_types", "u64"],
          new Deno.KvU64(7n),
        ).commit(),
    );

    const dump = `${dir}/dump.jsonl`;
    const exported = await kvScript(path, "export", dump);
    assert.equal(exported.code, 0, exported.stderr);
    const lines = (await Deno.readTextFile(dump)).trim().split("\n");
    assert.match(exported.stdout, new RegExp(`exported ${lines.length} keys`));

    const copy = `${dir}/copy/routing.kv`;
    const imported = await jsonLines(copy, "import", dump);
    assert.equal(imported[0].keys + imported[0].expiredSkipped, lines.length);
    assert.equal(imported[0].timersArmed, 2);
    assert.equal(imported[0].deliveriesArmed, 0, "the undeliverable reply is not sent again");

    // Same keys and values, in the same order (versionstamps are the new store's own).
    const again = `${dir}/again.jsonl`;
    assert.equal((await kvScript(copy, "export", again)).code, 0);
    const strip = (text: string) =>
      text.trim().split("\n").map((l) => {
        const { key, value } = JSON.parse(l);
        return JSON.stringify({ key, value });
      });
    assert.deepEqual(strip(await Deno.readTextFile(again)), strip(await Deno.readTextFile(dump)));

    await withKv(copy, async (kv) => {
      const back = (await kv.get(["zz_types", 1n, new Uint8Array([1]), true])).value as typeof odd;
      assert.deepEqual(back, odd);
      assert.ok(Object.is(back.negZero, -0));
      const u64 = (await kv.get(["zz_types", "u64"])).value;
      assert.ok(u64 instanceof Deno.KvU64 && u64.value === 7n);
      await kv.delete(["zz_types", 1n, new Uint8Array([1]), true]);
      await kv.delete(["zz_types", "u64"]);
      await checkInvariants(kv, f.config);
    });

    const twice = await kvScript(copy, "import", dump);
    assert.equal(twice.code, 1);
    assert.match(twice.stderr, /not empty/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("kv script - rebuild-indexes restores deleted index keys from actor states and removes stale ones", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kv_script_" });
  try {
    const path = `${dir}/routing.kv`;
    const f = await fill(path);
    const clean = await jsonLines(path, "rebuild-indexes");
    assert.deepEqual(
      [clean[0].written, clean[0].removed, clean[0].agentsRewritten],
      [0, 0, 0],
      "nothing to do on a consistent store",
    );

    const removed = await withKv(path, async (kv) => {
      const get = async <T>(key: Deno.KvKey) => (await kv.get<T>(key)).value!;
      const offered = await get<InteractionState>(keys.interaction(f.offered));
      const queued = await get<InteractionState>(keys.interaction(f.queued));
      const deferred = await get<InteractionState>(keys.interaction(f.deferred));
      const alice = await get<AgentState>(keys.agent("alice"));
      const gone: Deno.KvKey[] = [
        indexKey(offered),
        indexKey(queued),
        indexKey(deferred),
        keys.timer(deferred.scheduled!.dueAt, timerId(deferred.id)),
        keys.threadInteraction(queued.threadId, queued.id),
        ...availableAgentKeys(alice),
      ];
      const before = await Promise.all(gone.map((k) => kv.get(k)));
      assert.ok(before.every((e) => e.versionstamp !== null), "the keys to delete exist");
      for (const k of gone) await kv.delete(k);
      // A stale entry: an old folder entry of an interaction that is no longer there.
      await kv.set(keys.folderEntry("bob", "in_progress", 1, f.active), { id: f.active });
      await assert.rejects(() => checkInvariants(kv, f.config));
      return before;
    });

    const r = await jsonLines(path, "rebuild-indexes");
    assert.equal(r[0].written, removed.length);
    assert.equal(r[0].removed, 1);
    assert.equal(r[0].agentsRewritten, 1);
    assert.deepEqual(r[0].problems, []);

    await withKv(path, async (kv) => {
      for (const e of removed) {
        assert.deepEqual((await kv.get(e.key)).value, e.value, `restored ${JSON.stringify(e.key)}`);
      }
      assert.equal((await kv.get(keys.folderEntry("bob", "in_progress", 1, f.active))).versionstamp, null);
      await checkInvariants(kv, f.config);
    });

    // The restored store still routes: the desk dispatches the queued chat once alice has room.
    const s = await startServer({ config: f.config, kvPath: path });
    try {
      const alice = await s.agent("alice");
      assert.equal((await alice.act(f.active, "complete")).status, 200);
      await s.settle();
      await eventually(
        async () =>
          (await alice.folder("in_progress")).some((i) => i.id === f.queued && i.state === "offered"),
        5000,
        "the queued chat to be offered",
      );
    } finally {
      await s.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("kv script - customer-supplied control and bidi characters are printed as escapes, never raw", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kv_script_" });
  try {
    const path = `${dir}/routing.kv`;
    const nasty = "A\u001b[2J\u0007\u0000\r\u009b31m\u202eevil";
    const s = await startServer({ config: await testConfig({}, [{ id: "alice" }]), kvPath: path });
    let threadId: string;
    try {
      const r = await s.inbound(
        "webchat",
        msg("t-nasty", { body: `body ${nasty}`, thread: { id: "t-nasty", title: nasty } }),
      );
      assert.equal(r.status, 202, JSON.stringify(r.body));
      threadId = r.body.threadId;
      // A store written before names were cleaned at ingest: the raw name is still there.
      const t = (await s.kv.get<Record<string, unknown>>(keys.thread(threadId))).value!;
      await s.kv.set(keys.thread(threadId), { ...t, identity: { id: "c", name: nasty } });
    } finally {
      await s.close();
    }
    // deno-lint-ignore no-control-regex -- matching control characters is the point
    const unsafe = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
    for (
      const args of [["threads"], ["threads", "--json"], ["thread", threadId], ["audit", threadId], [
        "audit",
        threadId,
        "--json",
      ]]
    ) {
      const out = await kvScript(path, ...args);
      assert.equal(out.code, 0, out.stderr);
      assert.ok(
        !unsafe.test(out.stdout),
        `kv ${args.join(" ")} printed a raw control: ${JSON.stringify(out.stdout)}`,
      );
      assert.ok(
        out.stdout.includes("\\u{1b}") || out.stdout.includes("\\u001b"),
        `kv ${args.join(" ")} shows the escape`,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
