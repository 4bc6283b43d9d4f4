// deno-lint-ignore-file no-explicit-any -- API responses are untyped JSON
/** Complete (SPEC A7), dispositions, wrong states and the customer closing the conversation (C7). */
import assert from "node:assert/strict";
import { eventually, msg, startServer, testConfig } from "./harness.ts";
import { movableClock } from "./api_support.ts";
import { sweepTimers } from "../desk/timers.ts";
import {
  activeInteraction,
  assertError,
  assertUnchanged,
  auditOf,
  interactionOf,
  kvSnapshot,
  loadOf,
  webchat,
} from "./flow_helpers.ts";

Deno.test("completion - Complete moves the interaction to History, frees capacity, dispatches waiting work and ignores unread messages", async () => {
  const config = await testConfig({}, [
    {
      id: "alice",
      categories: ["billing"],
      languages: ["en"],
      capacity: { realtime: { capacity: 1, maxCapacity: 1 } },
    },
  ]);
  const s = await startServer({ config });
  try {
    const alice = await s.agent("alice", { available: true });
    const { id, threadId } = await activeInteraction(s, alice, "c1");
    const more = await s.inbound("webchat", msg("c1", { body: "Are you there?" }));
    assert.equal(more.body.interactionId, id);
    const waiting = await s.inbound("webchat", msg("c2"));
    await s.settle();
    assert.deepEqual(await loadOf(alice), { realtime: 1, async: 0 });
    assert.equal((await interactionOf(alice, id)).interaction.state, "active");

    const events = alice.events();
    await events.ready;
    const r = await alice.act(id, "complete");
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.interaction.state, "completed");
    assert.equal(r.body.interaction.disposition, null);
    assert.ok(r.body.interaction.completedAt);

    const history = await alice.folder("history");
    assert.deepEqual(history.map((i) => i.id), [id]);
    assert.equal(history[0].state, "completed");
    // The freed capacity went at once to the waiting interaction.
    await events.next("interaction.offered", (d) => d.interactionId === waiting.body.interactionId);
    const inProgress = await alice.folder("in_progress");
    assert.deepEqual(inProgress.map((i) => i.id), [waiting.body.interactionId]);
    assert.deepEqual(await loadOf(alice), { realtime: 1, async: 0 });

    const detail = await interactionOf(alice, id);
    const customer = detail.messages.filter((m: any) => m.author.type === "customer");
    assert.equal(customer.length, 2);
    assert.deepEqual(customer.map((m: any) => m.status), ["ignored", "ignored"]);
    assert.equal(detail.thread.openInteractionId, null);

    const audit = await auditOf(alice, threadId);
    const done = audit.find((e) => e.type === "completed");
    assert.ok(done, "a completed audit entry");
    assert.equal(done.actor.type, "agent");
    assert.equal(done.actor.name, "Alice");
    assert.equal(done.summary, "Alice completed the interaction");
    events.close();
  } finally {
    await s.close();
  }
});

Deno.test("completion - replied messages stay replied and a completed interaction can be resumed from History", async () => {
  const s = await startServer();
  try {
    const alice = await s.agent("alice", { available: true });
    const { id } = await activeInteraction(s, alice, "c3");
    assert.equal((await alice.act(id, "reply", { body: "Hello" })).status, 201);
    assert.equal((await alice.act(id, "complete")).status, 200);
    const detail = await interactionOf(alice, id);
    assert.deepEqual(
      detail.messages.filter((m: any) => m.author.type === "customer").map((m: any) => m.status),
      ["replied"],
    );
    const resumed = await alice.act(id, "resume");
    assert.equal(resumed.status, 200);
    assert.equal(resumed.body.interaction.state, "active");
    assert.deepEqual(await loadOf(alice), { realtime: 1, async: 0 });
    assert.equal((await alice.folder("history")).length, 0);
  } finally {
    await s.close();
  }
});

Deno.test("completion - a source requiring a disposition refuses Complete without a known one, and stores a valid one with its notes", async () => {
  const config = await testConfig({
    dispositions: [{ id: "solved", name: "Solved" }, { id: "follow_up", name: "Needs follow-up" }],
    sources: [webchat({ dispositionRequired: true })],
  });
  const s = await startServer({ config });
  try {
    const alice = await s.agent("alice", { available: true });
    const { id, threadId } = await activeInteraction(s, alice, "d1");
    const before = await kvSnapshot(s.kv);

    const missing = await alice.act(id, "complete");
    assertError(missing, 400, "disposition_required");
    assert.equal(missing.body.error.details[0].path, "disposition");

    const unknown = await alice.act(id, "complete", { disposition: { categoryId: "nope" } });
    assertError(unknown, 400);
    assert.equal(unknown.body.error.details[0].path, "disposition.categoryId");

    const long = await alice.act(id, "complete", {
      disposition: { categoryId: "solved", notes: "x".repeat(2001) },
    });
    assertError(long, 400);
    assert.equal(long.body.error.details[0].path, "disposition.notes");

    const noCategory = await alice.act(id, "complete", { disposition: { notes: "hello" } });
    assertError(noCategory, 400);
    assert.equal(noCategory.body.error.details[0].path, "disposition.categoryId");

    const extra = await alice.act(id, "complete", { disposition: { categoryId: "solved" }, extra: 1 });
    assertError(extra, 400);
    await assertUnchanged(s.kv, before, "completions");
    assert.equal((await interactionOf(alice, id)).interaction.state, "active");

    const notes = "n".repeat(2000);
    const ok = await alice.act(id, "complete", { disposition: { categoryId: "follow_up", notes } });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.interaction.state, "completed");
    assert.deepEqual(ok.body.interaction.disposition, { categoryId: "follow_up", notes });
    assert.deepEqual((await interactionOf(alice, id)).interaction.disposition, {
      categoryId: "follow_up",
      notes,
    });

    const done = (await auditOf(alice, threadId)).find((e) => e.type === "completed");
    assert.deepEqual(done?.details.disposition, { categoryId: "follow_up", notes });
    assert.equal(done?.summary, "Alice completed the interaction (disposition: Needs follow-up)");
  } finally {
    await s.close();
  }
});

Deno.test("completion - an unknown disposition is refused even when the source does not require one", async () => {
  const s = await startServer();
  try {
    const alice = await s.agent("alice", { available: true });
    const { id } = await activeInteraction(s, alice, "d2");
    const before = await kvSnapshot(s.kv);
    assertError(await alice.act(id, "complete", { disposition: { categoryId: "unknown" } }), 400);
    await assertUnchanged(s.kv, before);
    const ok = await alice.act(id, "complete", { disposition: { categoryId: "solved" } });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.body.interaction.disposition, { categoryId: "solved" });
  } finally {
    await s.close();
  }
});

Deno.test("completion - actions in the wrong state or on someone else's interaction are refused and change nothing", async () => {
  const s = await startServer();
  try {
    const alice = await s.agent("alice", { available: true });
    const bob = await s.agent("bob");
    const { id } = await activeInteraction(s, alice, "w1");

    let before = await kvSnapshot(s.kv);
    assertError(await alice.act(id, "resume"), 409, "invalid_state");
    assertError(await bob.act(id, "complete"), 409, "not_owner");
    assertError(await alice.act("01UNKNOWN", "complete"), 404, "unknown_interaction");
    await assertUnchanged(s.kv, before, "actions on an active interaction");

    const until = new Date(Date.now() + 3600_000).toISOString();
    assert.equal((await alice.act(id, "defer", { until })).status, 200);
    before = await kvSnapshot(s.kv);
    assertError(await alice.act(id, "complete"), 409, "invalid_state");
    assertError(await alice.act(id, "defer", { until }), 409, "invalid_state");
    await assertUnchanged(s.kv, before, "actions on a deferred interaction");

    assert.equal((await alice.act(id, "resume")).status, 200);
    assert.equal((await alice.act(id, "complete")).status, 200);
    before = await kvSnapshot(s.kv);
    assertError(await alice.act(id, "complete"), 409, "invalid_state");
    assertError(await alice.act(id, "reply", { body: "late" }), 409, "invalid_state");
    await assertUnchanged(s.kv, before, "actions on a completed interaction");
  } finally {
    await s.close();
  }
});

Deno.test("completion - the customer closing the conversation marks the interaction and tells the agent", async () => {
  const s = await startServer();
  try {
    const alice = await s.agent("alice", { available: true });
    const { id, threadId } = await activeInteraction(s, alice, "cc1");
    const events = alice.events();
    await events.ready;
    const r = await s.event("webchat", { type: "conversation.closed", thread: { id: "cc1" } });
    assert.equal(r.status, 202);
    assert.equal(r.body.interactionId, id);
    const ev = await events.next("conversation.closed", (d) => d.interactionId === id);
    assert.equal(ev.data.interaction.conversationClosed, true);
    const detail = await interactionOf(alice, id);
    assert.equal(detail.interaction.conversationClosed, true);
    assert.equal(detail.interaction.state, "active");
    assert.equal(detail.thread.conversationClosed, true);
    const folder = await alice.folder("in_progress");
    assert.equal(folder.find((i) => i.id === id)?.conversationClosed, true);
    const audit = await auditOf(alice, threadId);
    const closed = audit.find((e) => e.type === "conversation_closed");
    assert.equal(closed?.actor.type, "customer");
    assert.equal(closed?.summary, "The customer closed the conversation");

    // A second delivery of the event changes nothing; an unknown thread is accepted and ignored.
    const before = await kvSnapshot(s.kv);
    assert.equal(
      (await s.event("webchat", { type: "conversation.closed", thread: { id: "cc1" } })).status,
      202,
    );
    const unknown = await s.event("webchat", { type: "conversation.closed", thread: { id: "nope" } });
    assert.equal(unknown.status, 202);
    assert.equal(unknown.body.interactionId, null);
    await assertUnchanged(s.kv, before, "repeated event");
    events.close();
  } finally {
    await s.close();
  }
});

Deno.test("completion - a customer writing again after closing the conversation reopens it", async () => {
  const s = await startServer();
  try {
    const alice = await s.agent("alice", { available: true });
    const { id } = await activeInteraction(s, alice, "cc2");
    await s.event("webchat", { type: "conversation.closed", thread: { id: "cc2" } });
    assert.equal((await s.inbound("webchat", msg("cc2", { body: "one more thing" }))).body.interactionId, id);
    const detail = await interactionOf(alice, id);
    assert.equal(detail.interaction.conversationClosed, false);
    assert.equal(detail.thread.conversationClosed, false);
  } finally {
    await s.close();
  }
});

Deno.test("completion - the idle prompt fires once per idle period and re-arms after activity", async () => {
  const config = await testConfig({
    routing: {
      strategy: "least_occupied",
      acceptTimeout: null,
      idleTimeout: 60,
      awayOnMiss: true,
      stickyWindow: 86400,
    },
  });
  // The test moves the clock and sweeps due timers itself: exact, and no waiting.
  const clock = movableClock();
  const s = await startServer({ config, clock, tickMs: 3_600_000 });
  try {
    const alice = await s.agent("alice", { available: true });
    const events = alice.events();
    await events.ready;
    const { id, threadId } = await activeInteraction(s, alice, "idle1");
    const idlePrompts = () => events.events.filter((e) => e.event === "interaction.idle").length;
    /** Moves the clock by `ms` and returns how many due timers fired. */
    const after = (ms: number) => {
      clock.advance(ms);
      return sweepTimers(s.desk);
    };

    assert.equal(await after(59_000), 0, "not idle before the idle time");
    assert.equal(await after(2_000), 1);
    await events.next("interaction.idle", (d) => d.interactionId === id, 10_000);
    // Well past several idle periods: still only one prompt.
    assert.equal(await after(10 * 60_000), 0);
    assert.equal(idlePrompts(), 1);

    assert.equal((await alice.act(id, "reply", { body: "still here" })).status, 201);
    assert.equal(await after(61_000), 1, "activity re-arms the idle timer");
    await eventually(() => idlePrompts() === 2, 10_000, "a second idle prompt");
    await s.inbound("webchat", msg("idle1", { body: "hello?" }));
    assert.equal(await after(61_000), 1, "a customer message re-arms it too");
    await eventually(() => idlePrompts() === 3, 10_000, "a third idle prompt");
    assert.equal(await after(10 * 60_000), 0);
    const idle = (await auditOf(alice, threadId)).filter((e) => e.type === "idle");
    assert.equal(idle.length, 3);
    assert.equal(idle[0].actor.type, "system");
    assert.equal(idlePrompts(), 3);
    events.close();
  } finally {
    await s.close();
  }
});
