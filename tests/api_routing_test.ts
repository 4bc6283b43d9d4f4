/**
 * Routing end to end through the public API (SPEC R1–R9, R11): eligibility, strategy, queue
 * order, dispatch when capacity frees, accept time limit, deferral wake-ups, sticky routing and
 * the idle prompt. The periodic dispatch tick is turned off (`tickMs` of ten minutes), so every
 * dispatch seen here is the immediate one the spec asks for.
 */
import assert from "node:assert/strict";
import type { AgentSpec } from "./harness.ts";
import {
  type AgentClient,
  eventually,
  msg,
  type StartOptions,
  startServer,
  type TestServer,
} from "./harness.ts";
import {
  activeFor,
  AGENTS,
  assertError,
  config,
  fromNow,
  movableClock,
  newInteraction,
  offeredTo,
  routing,
  stateOf,
} from "./api_support.ts";
import { sweepTimers } from "../desk/timers.ts";

const NO_TICK = 600_000;

async function desk(
  fn: (s: TestServer, sup: AgentClient) => Promise<void>,
  o: { patch?: Record<string, unknown>; agents?: AgentSpec[] } & Omit<StartOptions, "config"> = {},
) {
  const s = await startServer({
    tickMs: NO_TICK,
    ...o,
    config: await config(o.patch ?? {}, o.agents ?? AGENTS),
  });
  try {
    // The supervisor stays offline: it only reads (queued interactions are visible to it alone).
    await fn(s, await s.agent("sup"));
  } finally {
    await s.close();
  }
}

const ids = async (c: AgentClient, folder: "in_progress" | "deferred" | "history" = "in_progress") =>
  (await c.folder(folder)).map((i) => i.id);

/** Waits for the dispatch passes a request started, then reads a state. */
async function settledState(s: TestServer, sup: AgentClient, id: string) {
  await s.settle();
  return await stateOf(sup, id);
}

Deno.test("routing - only members of a team serving the source are eligible", async () => {
  await desk(async (s, sup) => {
    const carol = await s.agent("carol", { available: true }); // sales only
    const chat = await newInteraction(s, "t-team-chat"); // webchat: support
    const mail = await newInteraction(s, "t-team-mail", {}, "mail"); // mail: support and sales
    assert.equal((await settledState(s, sup, chat)).state, "queued");
    await offeredTo(carol, mail);
    assert.deepEqual(await ids(carol), [mail]);
  });
});

Deno.test("routing - only agents holding every required category are eligible", async () => {
  await desk(async (s, sup) => {
    const alice = await s.agent("alice", { available: true }); // billing
    const tech = await newInteraction(s, "t-cat-tech", { categories: ["tech"] });
    const both = await newInteraction(s, "t-cat-both", { categories: ["billing", "tech"] });
    const billing = await newInteraction(s, "t-cat-billing", { categories: ["billing"] });
    await offeredTo(alice, billing);
    assert.equal((await settledState(s, sup, tech)).state, "queued");
    assert.equal((await stateOf(sup, both)).state, "queued");
    const bob = await s.agent("bob", { available: true }); // billing + tech
    await offeredTo(bob, tech);
    await offeredTo(bob, both);
    assert.deepEqual(await ids(alice), [billing]);
  });
});

Deno.test("routing - only agents speaking the interaction's language are eligible", async () => {
  await desk(async (s, sup) => {
    const bob = await s.agent("bob", { available: true }); // en
    const fr = await newInteraction(s, "t-lang-fr", { language: "fr" });
    const en = await newInteraction(s, "t-lang-en", { language: "en" });
    await offeredTo(bob, en);
    assert.equal((await settledState(s, sup, fr)).state, "queued");
    const alice = await s.agent("alice", { available: true }); // en, fr
    await offeredTo(alice, fr);
  });
});

Deno.test("routing - an agent at capacity gets nothing more until completing one frees a slot", async () => {
  await desk(async (s, sup) => {
    const alice = await s.agent("alice", { available: true }); // realtime capacity 2
    const a = await newInteraction(s, "t-cap-a");
    const b = await newInteraction(s, "t-cap-b");
    const c = await newInteraction(s, "t-cap-c");
    assert.deepEqual((await ids(alice)).sort(), [a, b].sort());
    assert.equal((await settledState(s, sup, c)).state, "queued");
    // An async interaction uses another bucket: still offered.
    const m = await newInteraction(s, "t-cap-mail", {}, "mail");
    await offeredTo(alice, m);
    assert.equal((await alice.act(a, "accept")).status, 200);
    assert.equal((await settledState(s, sup, c)).state, "queued", "accepting does not free capacity");
    assert.equal((await alice.act(a, "complete")).status, 200);
    await s.settle();
    await offeredTo(alice, c);
    assert.deepEqual((await alice.req("GET", "/api/v1/me")).body.load, { realtime: 2, async: 1 });
  });
});

Deno.test("routing - least_occupied is the default and picks the lowest load ratio, then the longest idle", async () => {
  const routingWithoutStrategy = {
    acceptTimeout: null,
    idleTimeout: null,
    awayOnMiss: true,
    stickyWindow: 86400,
  };
  const agents: AgentSpec[] = [
    { id: "alice", categories: ["billing"], languages: ["en"] },
    {
      id: "bob",
      categories: ["billing"],
      languages: ["en"],
      capacity: { realtime: { capacity: 4, maxCapacity: 4 } },
    },
    { id: "sup", role: "supervisor" },
  ];
  await desk(async (s) => {
    assert.equal(s.desk.config.routing.strategy, "least_occupied");
    const alice = await s.agent("alice", { available: true });
    const bob = await s.agent("bob", { available: true });
    const order: string[] = [];
    for (let i = 0; i < 5; i++) {
      const id = await newInteraction(s, `t-lo-${i}`);
      order.push(
        (await ids(alice)).includes(id) ? "alice" : (await ids(bob)).includes(id) ? "bob" : "nobody",
      );
    }
    // Ratios before each offer: 0/2=0/4 (alice idle longer) · 1/2>0/4 · 1/2>1/4 · 1/2=2/4 (alice idle longer) · 2/2>2/4.
    assert.deepEqual(order, ["alice", "bob", "bob", "alice", "bob"]);
  }, { patch: { routing: routingWithoutStrategy }, agents });
});

Deno.test("routing - waiting interactions go out by priority, then oldest first", async () => {
  const agents: AgentSpec[] = [
    { id: "alice", categories: ["billing"], capacity: { realtime: { capacity: 1, maxCapacity: 1 } } },
    { id: "sup", role: "supervisor" },
  ];
  await desk(async (s) => {
    const low1 = await newInteraction(s, "t-q-low1", { priority: 0 });
    const high1 = await newInteraction(s, "t-q-high1", { priority: 5 });
    const low2 = await newInteraction(s, "t-q-low2", { priority: 0 });
    const high2 = await newInteraction(s, "t-q-high2", { priority: 5 });
    const alice = await s.agent("alice");
    await alice.presence("available"); // an agent becoming available is served at once
    const served: string[] = [];
    for (let i = 0; i < 4; i++) {
      await s.settle();
      const current = await ids(alice);
      assert.equal(current.length, 1, `one at a time: ${current}`);
      served.push(current[0]);
      assert.equal((await alice.act(current[0], "accept")).status, 200);
      assert.equal((await alice.act(current[0], "complete")).status, 200);
    }
    assert.deepEqual(served, [high1, high2, low1, low2]);
  }, { agents });
});

Deno.test("routing - deferring or transferring out frees capacity and dispatches waiting work at once", async () => {
  const agents: AgentSpec[] = [
    { id: "alice", categories: ["billing"], capacity: { realtime: { capacity: 1, maxCapacity: 1 } } },
    { id: "bob", categories: ["billing"] },
    { id: "sup", role: "supervisor" },
  ];
  await desk(async (s, sup) => {
    const alice = await s.agent("alice", { available: true });
    const first = await activeFor(alice, "t-free-1");
    const second = await newInteraction(s, "t-free-2");
    const third = await newInteraction(s, "t-free-3");
    assert.equal((await settledState(s, sup, second)).state, "queued");
    assert.equal((await alice.act(first, "defer", { until: fromNow(3600_000) })).status, 200);
    await s.settle();
    await offeredTo(alice, second);
    assert.equal((await alice.act(second, "accept")).status, 200);
    assert.equal((await stateOf(sup, third)).state, "queued");
    // Transfer out to bob, who is offline: it waits for him, and alice gets the third.
    assert.equal((await alice.act(second, "transfer", { agentId: "bob" })).status, 200);
    await s.settle();
    await offeredTo(alice, third);
    assert.equal((await stateOf(sup, second)).state, "queued");
  }, { agents });
});

Deno.test("routing - concurrent arrivals never exceed an agent's capacity nor give one interaction two owners", async () => {
  await desk(async (s, sup) => {
    const alice = await s.agent("alice", { available: true });
    const bob = await s.agent("bob", { available: true });
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => s.inbound("webchat", msg(`t-burst-${i}`))),
    );
    await s.settle();
    const [a, b] = [await ids(alice), await ids(bob)];
    assert.equal(a.length, 2);
    assert.equal(b.length, 2);
    assert.equal(new Set([...a, ...b]).size, 4);
    let queued = 0;
    for (const r of results) if ((await stateOf(sup, r.body.interactionId)).state === "queued") queued++;
    assert.equal(queued, 6);
  });
});

Deno.test("routing - a missed offer is withdrawn, counted, sets the agent away and goes to another agent", async () => {
  const agents: AgentSpec[] = [
    { id: "alice", categories: ["billing"] },
    { id: "bob", categories: ["billing"] },
    { id: "sup", role: "supervisor" },
  ];
  await desk(async (s, sup) => {
    const alice = await s.agent("alice", { available: true });
    const bob = await s.agent("bob", { available: true });
    const streams = { alice: alice.events(), bob: bob.events() };
    await Promise.all([streams.alice.ready, streams.bob.ready]);
    try {
      const id = await newInteraction(s, "t-miss");
      const first = await Promise.any([
        streams.alice.next("interaction.offered", (d) => d.interactionId === id).then(() => "alice" as const),
        streams.bob.next("interaction.offered", (d) => d.interactionId === id).then(() => "bob" as const),
      ]);
      const second = first === "alice" ? "bob" : "alice";
      const offered = await streams[first].next("interaction.offered", (d) => d.interactionId === id);
      assert.ok(Date.parse(offered.data.acceptDeadline) > Date.now() - 5_000);
      const withdrawn = await streams[first].next(
        "interaction.withdrawn",
        (d) => d.interactionId === id,
        10_000,
      );
      assert.equal(withdrawn.data.reason, "accept_timeout");
      await streams[second].next("interaction.offered", (d) => d.interactionId === id, 10_000);
      const missed = { alice, bob }[first];
      const me = (await missed.req("GET", "/api/v1/me")).body;
      assert.equal(me.stats.missed, 1);
      assert.equal(me.presence, "away");
      assert.equal(me.load.realtime, 0);
      assert.ok(!(await ids(missed)).includes(id));
      assertError(await missed.act(id, "accept"), 409);
      const audit = await sup.req(
        "GET",
        `/api/v1/threads/${(await stateOf(sup, id)).threadId}/audit?limit=200`,
      );
      assert.ok(
        audit.body.items.some((e: { type: string; details: { agentId?: string } }) =>
          e.type === "offer_missed" && e.details.agentId === first
        ),
      );
    } finally {
      streams.alice.close();
      streams.bob.close();
    }
  }, { agents, patch: { routing: routing({ acceptTimeout: 0.3 }) } });
});

Deno.test("routing - without awayOnMiss a missed offer leaves the agent available", async () => {
  const agents: AgentSpec[] = [{ id: "alice", categories: ["billing"] }, { id: "sup", role: "supervisor" }];
  await desk(async (s) => {
    const alice = await s.agent("alice", { available: true });
    await newInteraction(s, "t-miss-stay");
    await eventually(
      async () => (await alice.req("GET", "/api/v1/me")).body.stats.missed >= 1,
      10_000,
      "a miss",
    );
    assert.equal((await alice.req("GET", "/api/v1/me")).body.presence, "available");
  }, { agents, patch: { routing: routing({ acceptTimeout: 0.3, awayOnMiss: false }) } });
});

Deno.test("routing - a customer message wakes a deferred interaction back to the same agent", async () => {
  await desk(async (s) => {
    const alice = await s.agent("alice", { available: true });
    const id = await activeFor(alice, "t-wake");
    assert.equal((await alice.act(id, "defer", { until: fromNow(3600_000) })).status, 200);
    const bob = await s.agent("bob", { available: true }); // idle and less occupied: normal routing would pick bob
    const events = alice.events();
    await events.ready;
    try {
      const r = await s.inbound("webchat", msg("t-wake", { body: "Any news?" }));
      assert.equal(r.body.interactionId, id);
      const e = await events.next(
        "interaction.updated",
        (d) => d.interactionId === id && d.reason === "returned_from_deferred",
      );
      assert.equal(e.data.interaction.state, "active");
      assert.deepEqual(await ids(alice), [id]);
      assert.deepEqual(await ids(alice, "deferred"), []);
      assert.deepEqual(await ids(bob), []);
      await events.next("message.created", (d) => d.interactionId === id && d.messageId === r.body.messageId);
    } finally {
      events.close();
    }
  });
});

Deno.test("routing - a deferred interaction whose agent is away is routed again on a customer message", async () => {
  await desk(async (s) => {
    const alice = await s.agent("alice", { available: true });
    const id = await activeFor(alice, "t-wake-away");
    assert.equal((await alice.act(id, "defer", { until: fromNow(3600_000) })).status, 200);
    await alice.presence("away");
    const bob = await s.agent("bob", { available: true });
    await s.inbound("webchat", msg("t-wake-away"));
    await s.settle();
    await offeredTo(bob, id);
    assert.deepEqual(await ids(alice, "deferred"), []);
  });
});

Deno.test("routing - a deferral that ends returns the interaction to the same agent", async () => {
  await desk(async (s) => {
    const alice = await s.agent("alice", { available: true });
    const id = await activeFor(alice, "t-wake-timer");
    assert.equal((await alice.act(id, "defer", { until: fromNow(1_000) })).status, 200);
    assert.deepEqual(await ids(alice, "deferred"), [id]);
    await eventually(async () => (await ids(alice)).includes(id), 10_000, "the deferral to end");
    const back = (await alice.folder("in_progress")).find((i) => i.id === id)!;
    assert.equal(back.state, "active");
    assert.equal(back.agentId, "alice");
  });
});

Deno.test("routing - the next message after completion prefers the previous agent within the sticky window only", async () => {
  const clock = movableClock();
  await desk(async (s) => {
    const alice = await s.agent("alice", { available: true });
    const id = await activeFor(alice, "t-sticky");
    assert.equal((await alice.act(id, "complete")).status, 200);
    await activeFor(alice, "t-sticky-load"); // alice now busier than bob
    const bob = await s.agent("bob", { available: true });
    const again = await newInteraction(s, "t-sticky");
    assert.notEqual(again, id);
    await offeredTo(alice, again);
    assert.equal((await alice.act(again, "accept")).status, 200);
    assert.equal((await alice.act(again, "complete")).status, 200);
    // Past the window (60 s here), it routes normally: bob is less occupied.
    clock.advance(61_000);
    const later = await newInteraction(s, "t-sticky");
    await offeredTo(bob, later);
  }, { clock, patch: { routing: routing({ stickyWindow: 60 }) } });
});

Deno.test("routing - sticky routing falls back to normal routing when the previous agent is unavailable", async () => {
  await desk(async (s) => {
    const alice = await s.agent("alice", { available: true });
    const id = await activeFor(alice, "t-sticky-away");
    assert.equal((await alice.act(id, "complete")).status, 200);
    await alice.presence("away");
    const bob = await s.agent("bob", { available: true });
    await offeredTo(bob, await newInteraction(s, "t-sticky-away"));
  });
});

Deno.test("routing - an agent whose role cannot accept is never offered work", async () => {
  await desk(async (s, sup) => {
    const reader = await s.agent("reader", { available: true });
    const id = await newInteraction(s, "t-reader");
    assert.equal((await settledState(s, sup, id)).state, "queued");
    assert.deepEqual(await ids(reader), []);
    const alice = await s.agent("alice", { available: true });
    await offeredTo(alice, id);
  });
});

Deno.test("routing - an active interaction idle past the idle time prompts its agent, again after new activity", async () => {
  // The clock moves and the test sweeps due timers itself, so "no third prompt" is exact.
  const clock = movableClock();
  await desk(async (s) => {
    const alice = await s.agent("alice", { available: true });
    const events = alice.events();
    await events.ready;
    try {
      const id = await activeFor(alice, "t-idle");
      clock.advance(61_000);
      assert.equal(await sweepTimers(s.desk), 1);
      const idle = await events.next("interaction.idle", (d) => d.interactionId === id, 10_000);
      assert.equal(typeof idle.data.lastActivityAt, "string");
      assert.equal((await alice.act(id, "reply", { body: "Still there?" })).status, 201);
      const from = events.events.indexOf(idle) + 1;
      clock.advance(61_000);
      assert.equal(await sweepTimers(s.desk), 1);
      await events.next("interaction.idle", (d) => d.interactionId === id, 10_000, from);
      // Only one prompt per quiet period: no third prompt without new activity.
      clock.advance(10 * 61_000);
      assert.equal(await sweepTimers(s.desk), 0);
      assert.equal(events.events.filter((e) => e.event === "interaction.idle").length, 2);
      assert.equal((await stateOf(alice, id)).state, "active");
    } finally {
      events.close();
    }
  }, { clock, patch: { routing: routing({ idleTimeout: 60 }) } });
});

Deno.test("routing - the pool is loaded at start: agents going available and the first offers never reload it", async () => {
  await desk(async (s) => {
    const pool = s.desk.dispatcher.pool;
    await eventually(() => pool.loads === 1, 5000, "the pool loaded when the desk started");
    const alice = await s.agent("alice");
    await alice.presence("available");
    const id = await newInteraction(s, "warm-1");
    await s.settle();
    await offeredTo(alice, id);
    assert.equal(pool.loads, 1, "the first offer used the pool loaded at start");
  });
});
