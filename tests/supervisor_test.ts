/**
 * Supervision through the public API (SPEC M2, M3, M4; API.md "Supervisors"): the overview and
 * the productivity report against a reference the test computes from its own log of what it
 * did, team scoping, 403 for agents, presence set by a supervisor, open interactions in routing
 * order, and the overview stream.
 */
import assert from "node:assert/strict";
import type { AgentSpec, ApiResponse } from "./harness.ts";
import { type AgentClient, eventually, msg, startServer, testRoles, type TestServer } from "./harness.ts";
import {
  activeFor,
  assertError,
  assertUnchanged,
  config,
  newInteraction,
  offeredTo,
  stateOf,
} from "./api_support.ts";
import type { EventReader } from "./harness.ts";
import { type AgentRow, applyDelta, type Overview, type OverviewDelta } from "../lib/shared/supervision.ts";
import {
  agentAuditEntrySchema,
  overviewDeltaSchema,
  overviewSchema,
  reportRowSchema,
} from "../lib/shared/wire/supervision.ts";
import { agentViewSchema } from "../lib/shared/wire/agent.ts";
import { overviewStats } from "../desk/supervisor_overview.ts";

const NO_TICK = 600_000;
const T0 = Date.parse("2031-03-01T09:00:00Z");
const DAY = "2031-03-01";

type ManualClock = { at: number; now(): number; advance(ms: number): void };
const manualClock = (): ManualClock => {
  const c: ManualClock = { at: T0, now: () => c.at, advance: (ms) => (c.at += ms) };
  return c;
};

const AGENTS: AgentSpec[] = [
  { id: "alice", categories: ["billing"], languages: ["en", "fr"] },
  { id: "bob", categories: ["billing", "tech"], languages: ["en"] },
  { id: "sup", role: "supervisor", categories: [], languages: ["en"] },
  { id: "carol", teams: ["sales"], categories: ["billing", "tech"], languages: ["en", "fr"] },
  { id: "sam", role: "supervisor", teams: ["sales"], categories: [], languages: ["en"] },
  { id: "root", role: "admin", teams: [], categories: [], languages: ["en"] },
];

async function withDesk(fn: (s: TestServer, clock: ManualClock) => Promise<void>) {
  const clock = manualClock();
  const roles = { ...testRoles(), admin: [...testRoles().supervisor, "admin"] };
  const s = await startServer({ tickMs: NO_TICK, clock, config: await config({ roles }, AGENTS) });
  try {
    await fn(s, clock);
  } finally {
    await s.close();
  }
}

/** What the test did, counted its own way: per source and per agent. */
class Reference {
  source = new Map<string, Record<string, number>>();
  agent = new Map<string, Record<string, number>>();
  add(kind: "source" | "agent", id: string, metric: string, n = 1) {
    const m = this[kind];
    const r = m.get(id) ?? {};
    r[metric] = (r[metric] ?? 0) + n;
    m.set(id, r);
  }
  get(kind: "source" | "agent", id: string, metric: string) {
    return this[kind].get(id)?.[metric] ?? 0;
  }
}

Deno.test("supervisor - the overview and the report agree with the test's own log", async () => {
  await withDesk(async (s, clock) => {
    const ref = new Reference();
    const sup = await s.agent("sup");
    const alice = await s.agent("alice", { available: true });
    const bob = await s.agent("bob");
    // 1. A chat offered to alice (the only one available), accepted 5 s later, answered 3 s after.
    const a = await newInteraction(s, "t1");
    ref.add("source", "webchat", "created");
    assert.equal((await stateOf(sup, a)).agentId, "alice");
    ref.add("source", "webchat", "offered"), ref.add("agent", "alice", "offered");
    clock.advance(5_000);
    assert.equal((await alice.act(a, "accept")).status, 200);
    ref.add("source", "webchat", "accepted"), ref.add("agent", "alice", "accepted");
    ref.add("source", "webchat", "answered"), ref.add("source", "webchat", "answeredInTarget");
    clock.advance(3_000);
    assert.equal((await alice.act(a, "reply", { body: "Hello" })).status, 201);
    const firstResponses = [3_000];
    // 2. It is completed a minute later: 63 s handled.
    clock.advance(60_000);
    assert.equal((await alice.act(a, "complete")).status, 200);
    ref.add("source", "webchat", "completed"), ref.add("agent", "alice", "completed");
    const handles = [63_000];
    // 3. A second chat offered to alice waits 30 s (beyond the 20 s target), then the supervisor
    // force-assigns it to bob: out for alice, in and forced for bob, answered late.
    const b = await newInteraction(s, "t2");
    ref.add("source", "webchat", "created");
    ref.add("source", "webchat", "offered"), ref.add("agent", "alice", "offered");
    clock.advance(30_000);
    const f = await sup.act(b, "transfer", { agentId: "bob", force: true });
    assert.equal(f.status, 200, JSON.stringify(f.body));
    ref.add("source", "webchat", "transferred"), ref.add("source", "webchat", "forced");
    ref.add("agent", "alice", "transferredOut");
    ref.add("agent", "bob", "forcedAssignments"), ref.add("agent", "bob", "transferredIn");
    ref.add("source", "webchat", "answered");
    // 4. Alice goes away; an e-mail waits in the queue and a chat is closed by its customer while waiting.
    await alice.presence("away");
    const c = await newInteraction(s, "t3", {}, "mail");
    ref.add("source", "mail", "created");
    const d = await newInteraction(s, "t4");
    ref.add("source", "webchat", "created");
    clock.advance(10_000);
    assert.equal(
      (await s.event("webchat", { type: "conversation.closed", thread: { id: "t4" } })).status,
      202,
    );
    ref.add("source", "webchat", "abandoned");
    await s.settle();

    const o = await sup.req("GET", "/api/v1/supervisor/overview");
    assert.equal(o.status, 200, JSON.stringify(o.body));
    assert.equal(o.body.at, new Date(clock.at).toISOString());
    const q = (id: string) => o.body.queues.find((x: { sourceId: string }) => x.sourceId === id);
    const web = q("webchat"), mail = q("mail");
    assert.deepEqual(
      { waiting: web.waiting, offered: web.offered, active: web.active },
      { waiting: 1, offered: 0, active: 1 },
      "t4 waits (closed by its customer, still queued), t2 is bob's",
    );
    assert.deepEqual({ waiting: mail.waiting, offered: mail.offered, active: mail.active }, {
      waiting: 1,
      offered: 0,
      active: 0,
    });
    assert.equal(mail.oldestWaitingSince, new Date(T0 + 98_000).toISOString());
    assert.equal(web.oldestWaitingSince, new Date(T0 + 98_000).toISOString());
    for (
      const m of [
        "created",
        "offered",
        "accepted",
        "transferred",
        "forced",
        "abandoned",
        "answered",
        "completed",
      ]
    ) {
      assert.equal(web.today[m], ref.get("source", "webchat", m), `webchat ${m}`);
      assert.equal(mail.today[m], ref.get("source", "mail", m), `mail ${m}`);
    }
    // Service level: one answered within 20 s, one late, one abandoned.
    assert.equal(web.serviceLevel, 1 / 3);
    assert.equal(mail.serviceLevel, null);
    assert.deepEqual(web.serviceLevelTarget, { target: 0.8, seconds: 20 });
    assert.equal(web.today.waitAvgSeconds, (5 + 30) / 2, "t1 waited 5 s, t2 30 s");
    const row = (id: string) => o.body.agents.find((x: { id: string }) => x.id === id);
    assert.equal(row("alice").presence, "away");
    assert.equal(row("alice").handledToday, 1);
    assert.equal(row("alice").handleAvgSeconds, 63);
    assert.equal(row("alice").missedToday, 0);
    assert.deepEqual(row("bob").load, { realtime: 1, async: 0 });
    assert.equal(row("bob").open, 1);

    const r = await sup.req("GET", `/api/v1/reports/productivity?from=${DAY}&to=${DAY}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    // The wire shapes, exactly (no field missing, none extra).
    overviewSchema.strict().parse(o.body);
    for (const item of r.body.items) reportRowSchema.strict().parse(item);
    const byAgent = new Map(r.body.items.map((x: { agentId: string }) => [x.agentId, x]));
    for (const agentId of ["alice", "bob"]) {
      const got = byAgent.get(agentId) as Record<string, unknown>;
      assert.ok(got, `a row for ${agentId}`);
      assert.equal(got.date, DAY);
      for (
        const m of [
          "offered",
          "accepted",
          "missed",
          "completed",
          "transferredIn",
          "transferredOut",
          "forcedAssignments",
        ]
      ) {
        assert.equal(got[m], ref.get("agent", agentId, m), `${agentId} ${m}`);
      }
    }
    const avg = (xs: number[]) => xs.reduce((x, y) => x + y, 0) / xs.length / 1000;
    assert.equal(
      (byAgent.get("alice") as Record<string, unknown>).firstResponseAvgSeconds,
      avg(firstResponses),
    );
    assert.equal((byAgent.get("alice") as Record<string, unknown>).handleAvgSeconds, avg(handles));
    assert.equal(
      (byAgent.get("alice") as Record<string, unknown>).handleP90Seconds,
      60 + (120 - 60) * 0.9,
      "p90 of one sample in (60, 120]: interpolated",
    );
    assert.ok(!byAgent.has("carol"), "no figure for carol that day: no row");

    const csv = await sup.req("GET", `/api/v1/reports/productivity?from=${DAY}&to=${DAY}&format=csv`);
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get("content-type") ?? "", /^text\/csv/);
    const lines = String(csv.body).trim().split("\r\n");
    assert.equal(
      lines[0],
      "agentId,date,offered,accepted,missed,completed,transferredIn,transferredOut,forcedAssignments," +
        "firstResponseAvgSeconds,handleAvgSeconds",
    );
    assert.equal(lines.length, 1 + r.body.items.length);
    assert.equal(lines.find((l) => l.startsWith("alice,")), `alice,${DAY},2,1,0,1,0,1,0,3,63`);
    void bob, c, d;
  });
});

Deno.test("supervisor - a supervisor sees their teams' sources and agents, an admin all", async () => {
  await withDesk(async (s) => {
    await s.agent("carol", { available: true });
    const sam = await s.agent("sam");
    const sup = await s.agent("sup");
    const root = await s.agent("root");
    const web = await newInteraction(s, "w1"); // webchat: support only
    const mail = await newInteraction(s, "m1", {}, "mail"); // mail: support and sales → carol
    await s.settle();
    const ov = async (c: AgentClient) => (await c.req("GET", "/api/v1/supervisor/overview")).body;
    const samView = await ov(sam);
    assert.deepEqual(samView.queues.map((q: { sourceId: string }) => q.sourceId), ["mail"]);
    assert.deepEqual(samView.agents.map((a: { id: string }) => a.id).sort(), ["carol", "sam"]);
    const supView = await ov(sup);
    assert.deepEqual(supView.queues.map((q: { sourceId: string }) => q.sourceId).sort(), ["mail", "webchat"]);
    assert.ok(!supView.agents.some((a: { id: string }) => a.id === "carol"));
    const rootView = await ov(root);
    assert.deepEqual(rootView.agents.map((a: { id: string }) => a.id).sort(), [
      "alice",
      "bob",
      "carol",
      "root",
      "sam",
      "sup",
    ]);

    const list = async (c: AgentClient, q = "") =>
      (await c.req("GET", `/api/v1/supervisor/interactions${q}`)).body.items.map((i: { id: string }) => i.id);
    assert.deepEqual(await list(sam), [mail]);
    assert.deepEqual((await list(root)).sort(), [mail, web].sort());
    // Presence of an agent outside the scope: unknown (404), and nothing changes.
    await assertUnchanged(s, async () => {
      assertError(
        await sam.req("PUT", "/api/v1/agents/alice/presence", { presence: "away" }),
        404,
        "unknown_agent",
      );
      assertError(await sam.req("GET", "/api/v1/supervisor/interactions/" + web + "/candidates"), 404);
    });
    const rep = await root.req("GET", "/api/v1/reports/productivity");
    assert.ok(rep.body.items.some((x: { agentId: string }) => x.agentId === "carol"));
    const samRep = await sam.req("GET", "/api/v1/reports/productivity?agentId=alice");
    assert.deepEqual(samRep.body.items, []);
  });
});

Deno.test("supervisor - agents get 403 everywhere, and bad input a 400 with its fields", async () => {
  await withDesk(async (s) => {
    const alice = await s.agent("alice");
    const sup = await s.agent("sup");
    await assertUnchanged(s, async () => {
      for (
        const [m, p, body] of [
          ["GET", "/api/v1/supervisor/overview"],
          ["GET", "/api/v1/supervisor/interactions"],
          ["GET", "/api/v1/supervisor/events"],
          ["GET", "/api/v1/reports/productivity"],
          ["PUT", "/api/v1/agents/bob/presence", { presence: "away" }],
        ] as const
      ) {
        assertError(await alice.req(m, p, body), 403);
      }
      assertError(await sup.req("PUT", "/api/v1/agents/bob/presence", { presence: "busy" }), 400, undefined, [
        "presence",
      ]);
      assertError(await sup.req("GET", "/api/v1/reports/productivity?from=2031-02-30"), 400, undefined, [
        "from",
      ]);
      assertError(
        await sup.req("GET", "/api/v1/reports/productivity?from=2031-03-02&to=2031-03-01"),
        400,
        undefined,
        ["to"],
      );
      assertError(
        await sup.req("GET", "/api/v1/reports/productivity?from=2020-01-01&to=2031-03-01"),
        400,
        undefined,
        ["to"],
      );
      assertError(await sup.req("GET", "/api/v1/supervisor/interactions?state=nope"), 400, undefined, [
        "state",
      ]);
      assertError(
        await sup.req("GET", "/api/v1/supervisor/interactions?cursor=forged.0123"),
        400,
        undefined,
        ["cursor"],
      );
      assertError(
        await sup.req("PUT", "/api/v1/agents/nobody/presence", { presence: "away" }),
        404,
        "unknown_agent",
      );
    });
  });
});

Deno.test("supervisor - setting an agent's presence is audited and told to the agent", async () => {
  await withDesk(async (s, clock) => {
    const alice = await s.agent("alice", { available: true });
    const sup = await s.agent("sup");
    const events = alice.events();
    await events.ready;
    clock.advance(1_000);
    const r = await sup.req("PUT", "/api/v1/agents/alice/presence", { presence: "away" });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(agentViewSchema.strict().parse(r.body).presence, "away", "the agent view, as documented");
    const e = await events.next("presence.changed");
    assert.deepEqual(e.data, {
      interactionId: null,
      presence: "away",
      presenceSince: new Date(clock.at).toISOString(),
      by: { id: "sup", name: "Sup" },
    });
    const me = await alice.req("GET", "/api/v1/me");
    assert.deepEqual([me.body.presence, me.body.presenceBy], ["away", { id: "sup", name: "Sup" }]);
    const audit = await sup.req("GET", "/api/v1/agents/alice/audit");
    assert.equal(audit.body.items.length, 1);
    agentAuditEntrySchema.strict().parse(audit.body.items[0]);
    assert.deepEqual(
      { ...audit.body.items[0], id: undefined },
      {
        id: undefined,
        at: new Date(clock.at).toISOString(),
        agentId: "alice",
        actor: { type: "agent", id: "sup", name: "Sup" },
        type: "presence.set",
        details: { from: "available", to: "away" },
      },
    );
    // The agent setting its own presence clears who set it.
    await alice.presence("available");
    assert.equal((await alice.req("GET", "/api/v1/me")).body.presenceBy, null);
    // Becoming available by a supervisor dispatches waiting work to that agent.
    await alice.presence("away");
    const id = await newInteraction(s, "p1");
    assert.equal(
      (await sup.req("PUT", "/api/v1/agents/alice/presence", { presence: "available" })).status,
      200,
    );
    await eventually(async () => (await stateOf(sup, id)).agentId === "alice", 5000, "the offer to alice");
  });
});

Deno.test("supervisor - open interactions come from indexes in routing order, filtered and paged", async () => {
  await withDesk(async (s, clock) => {
    const sup = await s.agent("sup");
    const made: { id: string; priority: number }[] = [];
    for (const [thread, priority] of [["a", 0], ["b", 5], ["c", 0], ["d", 5], ["e", -1]] as const) {
      clock.advance(1_000);
      const r = await s.inbound(
        "webchat",
        msg(thread, { priority, categories: thread === "c" ? ["tech"] : [] }),
      );
      made.push({ id: r.body.interactionId, priority });
    }
    const mail = await newInteraction(s, "m", {}, "mail");
    const expected = [made[1], made[3], made[0], made[2], made[4]].map((x) => x.id);
    const all = await sup.req("GET", "/api/v1/supervisor/interactions?state=queued&sourceId=webchat");
    assert.deepEqual(all.body.items.map((i: { id: string }) => i.id), expected);
    // Paging two by two walks the same order, across every queued interaction (mail is async: its own order).
    const seen: string[] = [];
    let cursor: string | null = "";
    while (cursor !== null) {
      const p: ApiResponse<{ items: { id: string }[]; cursor: string | null }> = await sup.req(
        "GET",
        `/api/v1/supervisor/interactions?limit=2&cursor=${cursor}`,
      );
      assert.equal(p.status, 200, JSON.stringify(p.body));
      seen.push(...p.body.items.map((i: { id: string }) => i.id));
      cursor = p.body.cursor;
    }
    assert.deepEqual(seen.filter((id) => id !== mail), expected);
    assert.ok(seen.includes(mail), JSON.stringify({ seen, mail, made }));
    const tech = await sup.req("GET", "/api/v1/supervisor/interactions?category=tech");
    assert.deepEqual(tech.body.items.map((i: { id: string }) => i.id), [made[2].id]);
    // Force-assigned to bob: it leaves the queue and lists under bob.
    assert.equal((await sup.act(made[0].id, "transfer", { agentId: "bob", force: true })).status, 200);
    const bobs = await sup.req("GET", "/api/v1/supervisor/interactions?agentId=bob");
    assert.deepEqual(bobs.body.items.map((i: { id: string; state: string }) => [i.id, i.state]), [[
      made[0].id,
      "active",
    ]]);
    const queued = await sup.req("GET", "/api/v1/supervisor/interactions?state=queued&sourceId=webchat");
    assert.equal(queued.body.items.length, 4);
    const cands = await sup.req("GET", `/api/v1/supervisor/interactions/${made[2].id}/candidates`);
    assert.equal(cands.status, 200);
    // Nobody is available: every candidate comes with the reason.
    assert.ok(
      cands.body.items.length > 0 && cands.body.items.every((c: { ineligible: string }) => c.ineligible),
    );
  });
});

/**
 * The overview a stream client holds after the events so far: the last whole `overview`, then
 * each `overview.delta` applied in turn (each must follow the event before it: `base`).
 */
function held(stream: EventReader): { id: string | null; overview: Overview; deltas: number } {
  let id: string | null = null, o: Overview | null = null, deltas = 0;
  for (const e of stream.events) {
    // Each event's data has the wire shape exactly (parsed for that; applied as it came).
    if (e.event === "overview") (overviewSchema.strict().parse(e.data), o = e.data as Overview, deltas = 0);
    else if (e.event === "overview.delta") {
      assert.ok(o, "a delta never comes before an overview");
      assert.equal(e.data.base, id, "a delta follows the event before it");
      overviewDeltaSchema.strict().parse(e.data);
      o = applyDelta(o, e.data as OverviewDelta);
      deltas++;
    } else continue;
    id = e.id;
  }
  assert.ok(o, "an overview at once");
  return { id, overview: o, deltas };
}

/** The overview without its time (two reads of one state differ only there), agents by id. */
const comparable = (o: Overview) => ({
  ...o,
  at: null,
  agents: [...o.agents].sort((a, b) => a.id.localeCompare(b.id)),
});

Deno.test("supervisor - the stream sends an overview at once, then deltas within a second of a change", async () => {
  await withDesk(async (s) => {
    const sup = await s.agent("sup");
    const bob = await s.agent("bob");
    const stream = sup.events(undefined, "/api/v1/supervisor/events");
    const first = await stream.next("overview");
    const web = first.data.queues.find((q: { sourceId: string }) => q.sourceId === "webchat");
    assert.equal(web.waiting, 0);
    const started = Date.now();
    const live = await newInteraction(s, "live");
    const next = await stream.next(
      "overview.delta",
      (d) => d.queues.find((q: { sourceId: string }) => q.sourceId === "webchat").waiting === 1,
      1_000,
    );
    assert.ok(Date.now() - started <= 1_000);
    assert.notEqual(next.id, first.id, "the event id follows the supervision head");
    assert.equal(next.data.base, first.id);
    // Only agents that moved travel: nobody's row changed for a waiting interaction.
    assert.deepEqual(next.data.agents, []);

    // bob becomes available and is offered it: his row travels, the others' do not.
    assert.equal((await bob.req("PUT", "/api/v1/me/presence", { presence: "available" })).status, 200);
    const moved = await stream.next("overview.delta", (d) => d.agents.some((a: AgentRow) => a.id === "bob"));
    assert.deepEqual(moved.data.agents.map((a: AgentRow) => a.id), ["bob"]);
    await eventually(async () => (await stateOf(sup, live)).agentId === "bob", 3_000, "bob offered it");

    // What the client holds by applying deltas is what the overview endpoint answers.
    await eventually(
      async () => {
        const now = (await sup.req("GET", "/api/v1/supervisor/overview")).body as Overview;
        const h = held(stream);
        return h.deltas >= 2 && JSON.stringify(comparable(h.overview)) === JSON.stringify(comparable(now));
      },
      3_000,
      "the overview held from deltas to equal the endpoint's",
    );
    stream.close();

    // A resumed stream starts from a whole overview, whatever id it resumes from.
    const resumed = sup.events(held(stream).id ?? undefined, "/api/v1/supervisor/events");
    const again = await resumed.next("overview");
    assert.equal(resumed.events[0].event, "overview");
    const now = (await sup.req("GET", "/api/v1/supervisor/overview")).body as Overview;
    assert.deepEqual(comparable(again.data), comparable(now));
    resumed.close();
  });
});

Deno.test("supervisor - a store older than supervision gets its gauges and open indexes at start", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const cfg = await config({}, AGENTS.filter((a) => a.role !== "admin"));
    let s = await startServer({ tickMs: NO_TICK, kv, config: cfg });
    const ids: string[] = [];
    try {
      ids.push(await newInteraction(s, "old-1"), await newInteraction(s, "old-2", {}, "mail"));
    } finally {
      await s.close();
    }
    // What a store written before supervision holds: no gauges, no open indexes, no marker.
    for (const prefix of ["supervision_gauge", "open_by_state", "open_by_source", "waiting_since"]) {
      for await (const e of kv.list({ prefix: [prefix] })) await kv.delete(e.key);
    }
    await kv.delete(["supervision_ready"]);
    s = await startServer({ tickMs: NO_TICK, kv, config: cfg });
    try {
      const sup = await s.agent("sup");
      const o = (await sup.req("GET", "/api/v1/supervisor/overview")).body;
      const waiting = Object.fromEntries(
        o.queues.map((q: { sourceId: string; waiting: number }) => [q.sourceId, q.waiting]),
      );
      assert.deepEqual(waiting, { webchat: 1, mail: 1 });
      const list = await sup.req("GET", "/api/v1/supervisor/interactions?state=queued");
      assert.deepEqual(list.body.items.map((i: { id: string }) => i.id).sort(), [...ids].sort());
    } finally {
      await s.close();
    }
  } finally {
    kv.close();
  }
});

Deno.test("supervisor - the stream of one process shows a change made by another on the same KV file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "supervision-" });
  const path = `${dir}/desk.kv`;
  const cfg = await config({}, AGENTS.filter((a) => a.role !== "admin"));
  const a = await startServer({ tickMs: NO_TICK, kvPath: path, config: cfg });
  const b = await startServer({ tickMs: NO_TICK, kvPath: path, config: cfg });
  try {
    const sup = await b.agent("sup");
    const stream = sup.events(undefined, "/api/v1/supervisor/events");
    await stream.next("overview");
    const started = Date.now();
    await newInteraction(a, "elsewhere");
    await stream.next(
      "overview.delta",
      (d) => d.queues.find((q: { sourceId: string }) => q.sourceId === "webchat").waiting === 1,
      1_000,
    );
    assert.ok(Date.now() - started <= 1_000);
    stream.close();
  } finally {
    await b.close();
    await a.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("supervisor - an overview followed change by change equals one read afresh by another process", async () => {
  const dir = await Deno.makeTempDir({ prefix: "supervision-" });
  const path = `${dir}/desk.kv`;
  const cfg = await config({}, AGENTS.filter((a) => a.role !== "admin"));
  const a = await startServer({ tickMs: NO_TICK, kvPath: path, config: cfg });
  try {
    const sup = await a.agent("sup");
    const overviewOf = async (c: AgentClient) =>
      comparable((await c.req("GET", "/api/v1/supervisor/overview")).body as Overview);
    const alice = await a.agent("alice", { available: true });
    // Read after every step, so process a follows each change from its cache: the agents' move
    // log names who moved, and no step lists every agent again.
    await overviewOf(sup);
    const wholeReads = overviewStats.wholeAgentReads;
    const first = await newInteraction(a, "f1");
    await overviewOf(sup);
    assert.equal((await alice.act(first, "accept")).status, 200);
    await overviewOf(sup);
    // A first reply counts a figure for alice without writing her agent record.
    assert.equal((await alice.act(first, "reply", { body: "Hello" })).status, 201);
    await overviewOf(sup);
    assert.equal((await alice.act(first, "complete")).status, 200);
    const followed = await overviewOf(sup);
    assert.equal(followed.agents.find((r) => r.id === "alice")?.handledToday, 1);
    assert.equal(overviewStats.wholeAgentReads, wholeReads, "followed from the log");
    const b = await startServer({ tickMs: NO_TICK, kvPath: path, config: cfg });
    try {
      const supB = await b.agent("sup");
      assert.deepEqual(followed, await overviewOf(supB));
      // A log that does not add up (here: entries gone) makes the follower read every agent.
      const bob = await a.agent("bob");
      assert.equal((await bob.req("PUT", "/api/v1/me/presence", { presence: "away" })).status, 200);
      for await (const e of a.kv.list({ prefix: ["supervision_agent_log"] })) await a.kv.delete(e.key);
      const before = overviewStats.wholeAgentReads;
      const relisted = await overviewOf(sup);
      assert.equal(overviewStats.wholeAgentReads, before + 1);
      assert.equal(relisted.agents.find((r) => r.id === "bob")?.presence, "away");
      assert.deepEqual(relisted, await overviewOf(supB));
    } finally {
      await b.close();
    }
  } finally {
    await a.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("supervisor - followed minute by minute, trends and longest waits equal a fresh read", async () => {
  await withDesk(async (s, clock) => {
    const sup = await s.agent("sup");
    const alice = await s.agent("alice");
    const read = async (c: AgentClient) =>
      comparable((await c.req("GET", "/api/v1/supervisor/overview")).body as Overview);
    // One answered in the first hour (the service level through the day has a figure there).
    assert.equal((await alice.req("PUT", "/api/v1/me/presence", { presence: "available" })).status, 200);
    const answered = await newInteraction(s, "answered");
    await eventually(async () => (await stateOf(sup, answered)).agentId === "alice", 3_000, "offered");
    assert.equal((await alice.act(answered, "accept")).status, 200);
    // Ten minutes and an hour boundary: new waiting ones, alice coming and going.
    for (let i = 0; i < 12; i++) {
      await newInteraction(s, `trend-${i}`);
      if (i % 3 === 0) {
        const presence = i % 2 ? "away" : "available";
        assert.equal((await alice.req("PUT", "/api/v1/me/presence", { presence })).status, 200);
      }
      await read(sup);
      clock.advance(i === 6 ? 3600_000 - 6 * 70_000 : 70_000);
      await read(sup);
    }
    const followed = await read(sup);
    assert.ok(followed.trends.waiting.some((p) => p.n > 0));
    assert.ok(followed.trends.serviceLevel.length >= 2, "two hours of service level");
    assert.equal(followed.trends.serviceLevel[9].serviceLevel, 1);
    const fresh = await startServer({ tickMs: NO_TICK, clock, kv: s.kv, config: s.desk.config });
    try {
      assert.deepEqual(followed, await read(await fresh.agent("sup")));
    } finally {
      await fresh.close();
    }
  });
});

Deno.test("supervisor - ?deltas=0 streams a whole overview on every change; a bad value is a 400", async () => {
  await withDesk(async (s) => {
    const sup = await s.agent("sup");
    const stream = sup.events(undefined, "/api/v1/supervisor/events?deltas=0");
    await stream.next("overview");
    await newInteraction(s, "whole");
    const next = await stream.next(
      "overview",
      (d) => d.queues.find((q: { sourceId: string }) => q.sourceId === "webchat").waiting === 1,
      1_000,
    );
    overviewSchema.strict().parse(next.data);
    assert.equal(
      next.data.agents.length,
      (await sup.req("GET", "/api/v1/supervisor/overview")).body.agents.length,
    );
    assert.ok(!stream.events.some((e) => e.event === "overview.delta"));
    stream.close();
    assertError(await sup.req("GET", "/api/v1/supervisor/events?deltas=banana"), 400, "invalid_input");
  });
});

Deno.test("supervisor - an agent's open interactions come from its folders: offered, active and deferred, paged, no copy per agent", async () => {
  await withDesk(async (s, clock) => {
    const sup = await s.agent("sup");
    const alice = await s.agent("alice", { available: true });
    const active = await activeFor(alice, "by-agent-1");
    const deferred = await activeFor(alice, "by-agent-2");
    const until = new Date(clock.now() + 3_600_000).toISOString();
    assert.equal((await alice.act(deferred, "defer", { until })).status, 200);
    const offered = await newInteraction(s, "by-agent-3");
    await s.settle();
    await offeredTo(alice, offered);
    const list = async (q: string) => (await sup.req("GET", `/api/v1/supervisor/interactions${q}`)).body;
    const pairs = (items: { id: string; state: string }[]) => items.map((i) => `${i.id}:${i.state}`).sort();
    const expected = [`${active}:active`, `${deferred}:deferred`, `${offered}:offered`].sort();
    assert.deepEqual(pairs((await list("?agentId=alice")).items), expected);
    // One a page, across both folders, each once.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await list(
        `?agentId=alice&limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
      );
      seen.push(...pairs(page.items));
      cursor = page.cursor;
    } while (cursor);
    assert.deepEqual(seen.sort(), expected);
    assert.deepEqual(pairs((await list("?agentId=alice&state=deferred")).items), [`${deferred}:deferred`]);
    assert.deepEqual((await list("?agentId=alice&state=queued")).items, []);
    assert.deepEqual((await list("?agentId=bob")).items, []);
    // Completed, it leaves the list.
    assert.equal((await alice.act(active, "complete")).status, 200);
    assert.deepEqual(
      pairs((await list("?agentId=alice")).items),
      [`${deferred}:deferred`, `${offered}:offered`].sort(),
    );
    let copies = 0;
    for await (const _ of s.kv.list({ prefix: ["open_by_agent"] })) copies++;
    assert.equal(copies, 0, "no index of open interactions per agent is written");
  });
});

Deno.test("supervisor - the open-interaction indexes hold the fields filtered on, and the list shows each interaction as it is now", async () => {
  await withDesk(async (s) => {
    const sup = await s.agent("sup");
    const alice = await s.agent("alice", { available: true });
    const active = await activeFor(alice, "records-1");
    const queued = await newInteraction(s, "records-2");
    await s.settle();
    for (const prefix of [["open_by_state"], ["open_by_source"]]) {
      for await (const e of s.kv.list<Record<string, unknown>>({ prefix })) {
        assert.deepEqual(
          Object.keys(e.value).sort(),
          ["agentId", "categories", "id", "language", "sourceId", "state"],
          `${JSON.stringify(e.key)} holds a record, not a view`,
        );
      }
    }
    const list = async (q: string) => (await sup.req("GET", `/api/v1/supervisor/interactions${q}`)).body;
    const byId = new Map<string, { state: string; threadId: string; preview: unknown }>(
      (await list("")).items.map((i: { id: string }) => [i.id, i]),
    );
    const stored =
      (await s.kv.get<{ threadId: string; sourceId: string; preview: unknown }>(["interaction", active]))
        .value!;
    assert.equal(byId.get(active)?.state, "active");
    assert.equal(byId.get(active)?.threadId, stored.threadId, "the whole view, read from the interaction");
    assert.deepEqual(byId.get(active)?.preview, stored.preview);
    assert.ok(byId.has(queued));
    // Paged one by one by state and by source: each open interaction once.
    for (const q of ["", `sourceId=${encodeURIComponent(stored.sourceId)}`]) {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await list(
          `?limit=1${q ? `&${q}` : ""}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
        );
        seen.push(...page.items.map((i: { id: string }) => i.id));
        cursor = page.cursor;
      } while (cursor);
      assert.equal(new Set(seen).size, seen.length, `no interaction twice (${q || "by state"})`);
      assert.ok(seen.includes(active), `the active one is listed (${q || "by state"})`);
    }
  });
});

Deno.test("supervisor - a store written before holds by-agent copies of open interactions and the former pool head: they are dropped at start", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    for (let i = 0; i < 120; i++) {
      await kv.set(["open_by_agent", `agent-${i % 7}`, `old-${i}`], { id: `old-${i}` });
    }
    await kv.set(["agent_pool_head"], new Deno.KvU64(42n));
    const cfg = await config({}, AGENTS.filter((a) => a.role !== "admin"));
    const s = await startServer({ tickMs: NO_TICK, kv, config: cfg });
    try {
      let left = 0;
      for await (const _ of kv.list({ prefix: ["open_by_agent"] })) left++;
      assert.equal(left, 0);
      assert.equal((await kv.get(["agent_pool_head"])).versionstamp, null, "the former pool head is gone");
    } finally {
      await s.close();
    }
  } finally {
    kv.close();
  }
});
