// deno-lint-ignore-file no-explicit-any -- API responses are untyped JSON
/**
 * Smart conversation closure (SPEC C1–C6) over real HTTP and KV: the question goes out through
 * the connector, the four endings (Yes, free text, No, no answer), waitForReply, dispositions,
 * and the closing timer surviving a restart of the server.
 */
import assert from "node:assert/strict";
import type { Config } from "../lib/shared/config.ts";
import { verifySignature } from "../lib/server/crypto.ts";
import { keys } from "../lib/server/keys.ts";
import type { Clock } from "../lib/shared/time.ts";
import type { TimerMessage } from "../desk/persist.ts";
import { fireTimer, sweepTimers } from "../desk/timers.ts";
import { eventually, msg, startCallbackServer, startServer, testConfig, type TestServer } from "./harness.ts";
import { movableClock } from "./api_support.ts";
import {
  activeInteraction,
  allDelivered,
  assertError,
  assertUnchanged,
  auditOf,
  interactionOf,
  kvSnapshot,
  loadOf,
  smartClosure,
  webchat,
} from "./flow_helpers.ts";

type Callback = Awaited<ReturnType<typeof startCallbackServer>>;

/** A server whose web chat source has smart closure on and delivers to a loopback callback. */
async function closureSetup(
  timeout: number,
  o: {
    sc?: Record<string, unknown>;
    source?: Record<string, unknown>;
    agents?: Parameters<typeof testConfig>[1];
    /** A clock the test moves: timers then fire only when the test sweeps them. */
    clock?: Clock;
  } = {},
): Promise<{ s: TestServer; cb: Callback; config: Config } & AsyncDisposable> {
  const cb = await startCallbackServer();
  const config = await testConfig({
    dispositions: [{ id: "solved", name: "Solved" }, { id: "follow_up", name: "Needs follow-up" }],
    sources: [
      webchat({ callbackUrl: cb.url, smartClosure: smartClosure(timeout, o.sc), ...o.source }),
      webchat({
        id: "mail",
        name: "E-mail",
        kind: "email",
        group: "async",
        secret: "mail-secret-0123456789ab",
        callbackUrl: cb.url,
      }),
    ],
  }, o.agents);
  const s = await startServer({ config, clock: o.clock, tickMs: o.clock ? 3_600_000 : 250 });
  // `await using` closes both servers when the test ends, passed or failed.
  return {
    s,
    cb,
    config,
    async [Symbol.asyncDispose]() {
      await s.close();
      await cb.close();
    },
  };
}

const answer = (thread: string, payload: "yes" | "no") =>
  msg(thread, {
    body: payload === "yes" ? "Yes" : "No",
    structured: { type: "quick_reply_answer", payload },
  });

const systemMessages = (detail: Record<string, any>) =>
  detail.messages.filter((m: any) => m.author.type === "system");

/**
 * Waits until the callback has received at least `n` deliveries and the outbox is empty: every
 * delivery staged so far has been sent, so `cb.received` is complete and an extra one shows.
 */
async function deliveries(s: TestServer, cb: Callback, n: number) {
  await eventually(() => cb.received.length >= n, 10_000, `${n} outbound deliveries`);
  await allDelivered(s);
  return cb.received.map((r) => r.json);
}

/**
 * Moves the clock past `timer`'s deadline and proves it is stale: delivered late by the queue it
 * is gone, the sweep fires nothing, and the store is unchanged.
 */
async function assertStaleAfterDeadline(
  s: TestServer,
  clock: ReturnType<typeof movableClock>,
  timer: TimerMessage,
) {
  assert.ok(timer, "a timer was scheduled");
  clock.advance(Math.max(0, timer.dueAt - clock.now()) + 1_000);
  const before = await kvSnapshot(s.kv);
  assert.equal(await fireTimer(s.desk, timer), "gone");
  assert.equal(await sweepTimers(s.desk), 0);
  await assertUnchanged(s.kv, before, "stale timer");
}

/** The timer records (with their queue messages) the interaction `id` has scheduled. */
async function timersOf(s: TestServer, id: string): Promise<TimerMessage[]> {
  const all = await Array.fromAsync(s.kv.list<TimerMessage>({ prefix: keys.timers() }));
  return all.map((e) => e.value).filter((t) => t.interactionId === id);
}

Deno.test("smart closure - Complete sends the Yes/No question through the connector in the thread's language and frees capacity", async () => {
  await using setup = await closureSetup(60);
  const { s, cb } = setup;
  const alice = await s.agent("alice", { available: true });
  const { id, threadId } = await activeInteraction(s, alice, "sc-fr", "webchat", { language: "fr" });
  assert.deepEqual(await loadOf(alice), { realtime: 1, async: 0 });

  const r = await alice.act(id, "complete");
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.interaction.state, "closing");
  assert.equal(r.body.interaction.closing.phase, "asked");
  assert.equal(r.body.interaction.agentId, "alice");
  assert.deepEqual(await loadOf(alice), { realtime: 0, async: 0 });
  const inProgress = await alice.folder("in_progress");
  assert.equal(inProgress.find((i) => i.id === id)?.state, "closing");

  const [out] = await deliveries(s, cb, 1);
  assert.equal(cb.received.length, 1);
  assert.equal(out.type, "message.created");
  assert.equal(out.thread.id, "sc-fr");
  assert.equal(out.message.author.type, "system");
  assert.equal(out.message.body, "Avez-vous d'autres questions ?");
  assert.deepEqual(out.message.structured, {
    type: "quick_replies",
    options: [{ label: "Oui", payload: "yes" }, { label: "Non", payload: "no" }],
  });
  const raw = new TextEncoder().encode(cb.received[0].body);
  assert.ok(
    await verifySignature("webchat-secret-0123456789", raw, cb.received[0].headers.get("x-signature")),
  );

  const detail = await interactionOf(alice, id);
  assert.equal(systemMessages(detail).length, 1);
  assert.equal(systemMessages(detail)[0].structured.type, "quick_replies");
  const started = (await auditOf(alice, threadId)).find((e) => e.type === "smart_closure_started");
  assert.equal(started?.actor.name, "Alice");
  assert.match(started?.summary ?? "", /^Alice completed the interaction: smart closure question sent/);
});

Deno.test("smart closure - the question falls back to the source's default language", async () => {
  await using setup = await closureSetup(60, { source: { defaultLanguage: "fr" } });
  const { s, cb } = setup;
  const alice = await s.agent("alice", { available: true });
  // No language on the thread: the source default (fr) is used.
  const { id } = await activeInteraction(s, alice, "sc-default");
  assert.equal((await alice.act(id, "complete")).status, 200);
  const [out] = await deliveries(s, cb, 1);
  assert.equal(out.message.body, "Avez-vous d'autres questions ?");
  assert.deepEqual(out.message.structured.options.map((o: any) => o.label), ["Oui", "Non"]);
});

Deno.test("smart closure - Yes asks for details and brings the interaction back to the same agent as active", async () => {
  const clock = movableClock();
  await using setup = await closureSetup(60, { clock });
  const { s, cb } = setup;
  const alice = await s.agent("alice", { available: true });
  const events = alice.events();
  await events.ready;
  const { id, threadId } = await activeInteraction(s, alice, "sc-yes", "webchat", { language: "fr" });
  assert.equal((await alice.act(id, "complete")).status, 200);
  await deliveries(s, cb, 1);
  const [closingTimer] = await timersOf(s, id);

  const r = await s.inbound("webchat", answer("sc-yes", "yes"));
  assert.equal(r.status, 202);
  assert.equal(r.body.interactionId, id);
  const detail = await interactionOf(alice, id);
  assert.equal(detail.interaction.state, "active");
  assert.equal(detail.interaction.agentId, "alice");
  assert.equal(detail.interaction.closing, null);
  assert.deepEqual(await loadOf(alice), { realtime: 1, async: 0 });
  assert.equal(detail.messages.find((m: any) => m.id === r.body.messageId).status, "assigned");
  await events.next(
    "interaction.updated",
    (d) => d.interactionId === id && d.reason === "closing_reopened",
  );

  // The follow-up goes out; the French thread gets the English text (no French one configured).
  const outs = await deliveries(s, cb, 2);
  assert.equal(outs[1].message.body, "Please tell us more about your new question.");
  assert.equal(outs[1].message.structured, undefined);
  assert.equal(cb.received.length, 2);
  // The closing timer is stale now: at its deadline it changes nothing and sends nothing.
  await assertStaleAfterDeadline(s, clock, closingTimer);
  assert.equal((await interactionOf(alice, id)).interaction.state, "active");

  const reopened = (await auditOf(alice, threadId)).find((e) => e.type === "smart_closure_reopened");
  assert.equal(reopened?.actor.type, "customer");
  assert.equal(
    reopened?.summary,
    "The customer answered Yes: details asked, the interaction is active again",
  );
});

Deno.test("smart closure - a free-text reply brings it back to active without a second automated message", async () => {
  const clock = movableClock();
  await using setup = await closureSetup(60, { clock });
  const { s, cb } = setup;
  const alice = await s.agent("alice", { available: true });
  const { id, threadId } = await activeInteraction(s, alice, "sc-text");
  assert.equal((await alice.act(id, "complete")).status, 200);
  await deliveries(s, cb, 1);
  const [closingTimer] = await timersOf(s, id);
  const r = await s.inbound("webchat", msg("sc-text", { body: "Actually, my invoice is wrong too." }));
  assert.equal(r.body.interactionId, id);
  const detail = await interactionOf(alice, id);
  assert.equal(detail.interaction.state, "active");
  assert.equal(detail.interaction.agentId, "alice");
  assert.deepEqual(await loadOf(alice), { realtime: 1, async: 0 });
  await assertStaleAfterDeadline(s, clock, closingTimer);
  await deliveries(s, cb, 1);
  assert.equal(cb.received.length, 1, "no second automated message");
  assert.equal(systemMessages(await interactionOf(alice, id)).length, 1);
  assert.equal((await interactionOf(alice, id)).interaction.state, "active");
  const reopened = (await auditOf(alice, threadId)).find((e) => e.type === "smart_closure_reopened");
  assert.equal(reopened?.details.answer, "text");
  assert.equal(reopened?.summary, "The customer wrote again: the interaction is active again");
});

Deno.test("smart closure - No completes the interaction automatically and the audit says the customer answered No", async () => {
  await using setup = await closureSetup(60);
  const { s, cb } = setup;
  const alice = await s.agent("alice", { available: true });
  const { id, threadId } = await activeInteraction(s, alice, "sc-no");
  assert.equal((await alice.act(id, "complete")).status, 200);
  await deliveries(s, cb, 1);
  const r = await s.inbound("webchat", answer("sc-no", "no"));
  assert.equal(r.body.interactionId, id);
  const detail = await interactionOf(alice, id);
  assert.equal(detail.interaction.state, "completed");
  assert.equal(detail.interaction.completedBy, "smart_closure");
  assert.equal(detail.thread.openInteractionId, null);
  assert.deepEqual(
    detail.messages.filter((m: any) => m.author.type === "customer").map((m: any) => m.status),
    [
      "ignored",
      "ignored",
    ],
  );
  assert.deepEqual((await alice.folder("history")).map((i) => i.id), [id]);
  assert.equal((await alice.folder("in_progress")).length, 0);
  assert.deepEqual(await loadOf(alice), { realtime: 0, async: 0 });
  await deliveries(s, cb, 1);
  assert.equal(cb.received.length, 1);
  const done = (await auditOf(alice, threadId)).find((e) => e.type === "completed");
  assert.equal(done?.actor.type, "customer");
  assert.equal(done?.summary, "The customer answered No: completed automatically");
});

Deno.test("smart closure - without an answer in time the interaction is completed automatically", async () => {
  const clock = movableClock();
  await using setup = await closureSetup(60, { clock });
  const { s, cb } = setup;
  const alice = await s.agent("alice", { available: true });
  const events = alice.events();
  await events.ready;
  const { id, threadId } = await activeInteraction(s, alice, "sc-timeout");
  assert.equal((await alice.act(id, "complete")).status, 200);
  clock.advance(59_000);
  assert.equal(await sweepTimers(s.desk), 0, "not before the time");
  assert.equal((await interactionOf(alice, id)).interaction.state, "closing");
  clock.advance(2_000);
  assert.equal(await sweepTimers(s.desk), 1, "the closing timer fires once due");
  assert.equal((await interactionOf(alice, id)).interaction.state, "completed");
  await events.next(
    "interaction.updated",
    (d) => d.interactionId === id && d.interaction.state === "completed",
  );
  const detail = await interactionOf(alice, id);
  assert.equal(detail.interaction.completedBy, "smart_closure");
  assert.deepEqual((await alice.folder("history")).map((i) => i.id), [id]);
  const done = (await auditOf(alice, threadId)).find((e) => e.type === "completed");
  assert.equal(done?.actor.type, "system");
  assert.equal(done?.summary, "No answer in time: completed automatically");
  await deliveries(s, cb, 1);
  assert.equal(cb.received.length, 1, "the question only: completing sends nothing more");
});

Deno.test("smart closure - waitForReply first gives the customer the configured time, then asks, then completes", async () => {
  const clock = movableClock();
  await using setup = await closureSetup(60, { clock });
  const { s, cb } = setup;
  const alice = await s.agent("alice", { available: true });
  const { id, threadId } = await activeInteraction(s, alice, "sc-wait");
  const r = await alice.act(id, "complete", { waitForReply: true });
  assert.equal(r.status, 200);
  assert.equal(r.body.interaction.state, "closing");
  assert.equal(r.body.interaction.closing.phase, "waiting_reply");
  assert.equal(systemMessages(await interactionOf(alice, id)).length, 0, "no question yet");

  clock.advance(59_000);
  assert.equal(await sweepTimers(s.desk), 0, "the question waits for the configured time");
  await deliveries(s, cb, 0);
  assert.equal(cb.received.length, 0);
  clock.advance(2_000);
  assert.equal(await sweepTimers(s.desk), 1);
  await deliveries(s, cb, 1);
  assert.equal(cb.received.length, 1);
  assert.equal(cb.received[0].json.message.structured.type, "quick_replies");
  assert.equal((await interactionOf(alice, id)).interaction.closing.phase, "asked");

  clock.advance(59_000);
  assert.equal(await sweepTimers(s.desk), 0, "a second wait after the question");
  assert.equal((await interactionOf(alice, id)).interaction.state, "closing");
  clock.advance(2_000);
  assert.equal(await sweepTimers(s.desk), 1);
  assert.equal((await interactionOf(alice, id)).interaction.state, "completed");
  const types = (await auditOf(alice, threadId)).map((e) => e.type);
  const started = types.indexOf("smart_closure_started");
  assert.ok(started >= 0 && types.indexOf("smart_closure_asked") > started);
  assert.ok(types.lastIndexOf("completed") > types.indexOf("smart_closure_asked"));
});

Deno.test("smart closure - with the source's waitForReply, a customer message during the wait brings it back with no automated message", async () => {
  const clock = movableClock();
  await using setup = await closureSetup(60, { clock, sc: { waitForReply: true } });
  const { s, cb } = setup;
  const alice = await s.agent("alice", { available: true });
  const { id } = await activeInteraction(s, alice, "sc-wait2");
  const r = await alice.act(id, "complete");
  assert.equal(r.body.interaction.closing.phase, "waiting_reply");
  const [waitTimer] = await timersOf(s, id);
  assert.deepEqual(await loadOf(alice), { realtime: 0, async: 0 });
  await s.inbound("webchat", msg("sc-wait2", { body: "Wait, one more thing" }));
  const detail = await interactionOf(alice, id);
  assert.equal(detail.interaction.state, "active");
  assert.deepEqual(await loadOf(alice), { realtime: 1, async: 0 });
  await assertStaleAfterDeadline(s, clock, waitTimer);
  await deliveries(s, cb, 0);
  assert.equal(cb.received.length, 0);
  assert.equal(systemMessages(await interactionOf(alice, id)).length, 0);
  assert.equal((await interactionOf(alice, id)).interaction.state, "active");
  // waitForReply: false in the body overrides the source default.
  const again = await alice.act(id, "complete", { waitForReply: false });
  assert.equal(again.body.interaction.closing.phase, "asked");
  await deliveries(s, cb, 1);
});

Deno.test("smart closure - with a disposition required it comes before the question, and a second Complete asks for it again", async () => {
  await using setup = await closureSetup(60, { source: { dispositionRequired: true } });
  const { s, cb } = setup;
  const alice = await s.agent("alice", { available: true });
  const { id, threadId } = await activeInteraction(s, alice, "sc-disp");
  let before = await kvSnapshot(s.kv);
  assertError(await alice.act(id, "complete"), 400, "disposition_required");
  await assertUnchanged(s.kv, before);
  const first = await alice.act(id, "complete", { disposition: { categoryId: "solved", notes: "first" } });
  assert.equal(first.body.interaction.state, "closing");
  assert.deepEqual(first.body.interaction.disposition, { categoryId: "solved", notes: "first" });
  await deliveries(s, cb, 1);

  await s.inbound("webchat", answer("sc-disp", "yes"));
  assert.equal((await interactionOf(alice, id)).interaction.state, "active");
  await deliveries(s, cb, 2);
  before = await kvSnapshot(s.kv);
  assertError(await alice.act(id, "complete"), 400, "disposition_required");
  assertError(await alice.act(id, "complete", { disposition: { categoryId: "bogus" } }), 400);
  await assertUnchanged(s.kv, before);

  const second = await alice.act(id, "complete", { disposition: { categoryId: "follow_up" } });
  assert.equal(second.body.interaction.state, "closing");
  const outs = await deliveries(s, cb, 3);
  assert.equal(outs[2].message.structured.type, "quick_replies");
  await s.inbound("webchat", answer("sc-disp", "no"));
  const done = await interactionOf(alice, id);
  assert.equal(done.interaction.state, "completed");
  assert.deepEqual(done.interaction.disposition, { categoryId: "follow_up" });
  const audit = await auditOf(alice, threadId);
  assert.equal(audit.filter((e) => e.type === "smart_closure_started").length, 2);
  const completed = audit.find((e) => e.type === "completed");
  assert.equal(
    completed?.summary,
    "The customer answered No: completed automatically (disposition: Needs follow-up)",
  );
});

Deno.test("smart closure - when the agent cannot take it back, Yes re-queues it and it returns to that agent", async () => {
  await using setup = await closureSetup(60);
  const { s, cb } = setup;
  const alice = await s.agent("alice", { available: true });
  const { id } = await activeInteraction(s, alice, "sc-away");
  assert.equal((await alice.act(id, "complete")).status, 200);
  await deliveries(s, cb, 1);
  await alice.presence("away");
  const r = await s.inbound("webchat", answer("sc-away", "yes"));
  assert.equal(r.body.interactionId, id);
  await s.settle();
  const queued =
    (await s.request("GET", `/api/v1/interactions/${id}`, { token: (await s.agent("sup")).token })).body;
  assert.equal(queued.interaction.state, "queued");
  assert.equal(queued.interaction.agentId, null);
  assert.deepEqual(await loadOf(alice), { realtime: 0, async: 0 });
  // Yes still asks the customer for details.
  const outs = await deliveries(s, cb, 2);
  assert.equal(outs[1].message.body, "Please tell us more about your new question.");

  await alice.presence("available");
  await eventually(
    async () => (await alice.folder("in_progress")).some((i) => i.id === id && i.state === "offered"),
    10_000,
    "the offer to alice",
  );
});

Deno.test("smart closure - the customer closing the conversation during the wait completes it at once", async () => {
  await using setup = await closureSetup(60);
  const { s } = setup;
  const alice = await s.agent("alice", { available: true });
  const events = alice.events();
  await events.ready;
  const { id, threadId } = await activeInteraction(s, alice, "sc-closed");
  assert.equal((await alice.act(id, "complete")).status, 200);
  await s.event("webchat", { type: "conversation.closed", thread: { id: "sc-closed" } });
  await events.next("conversation.closed", (d) => d.interactionId === id);
  const detail = await interactionOf(alice, id);
  assert.equal(detail.interaction.state, "completed");
  assert.equal(detail.interaction.conversationClosed, true);
  const done = (await auditOf(alice, threadId)).find((e) => e.type === "completed");
  assert.equal(done?.summary, "The customer closed the conversation: completed automatically");
});

Deno.test("smart closure - a closed conversation or a source without smart closure completes at once", async () => {
  await using setup = await closureSetup(60);
  const { s, cb } = setup;
  const alice = await s.agent("alice", { available: true });
  const { id } = await activeInteraction(s, alice, "sc-c1");
  await s.event("webchat", { type: "conversation.closed", thread: { id: "sc-c1" } });
  const r = await alice.act(id, "complete");
  assert.equal(r.body.interaction.state, "completed");
  const plain = await activeInteraction(s, alice, "sc-c2", "mail");
  assert.equal((await alice.act(plain.id, "complete")).body.interaction.state, "completed");
  await deliveries(s, cb, 0);
  assert.equal(cb.received.length, 0);
});

Deno.test("smart closure - the closing timer fires after the server restarts in the middle of the wait", async () => {
  const dir = await Deno.makeTempDir();
  const kvPath = `${dir}/desk.kv`;
  const config = await testConfig({ sources: [webchat({ smartClosure: smartClosure(1.5) })] });
  let s = await startServer({ config, kvPath, tickMs: 250 });
  try {
    const alice = await s.agent("alice", { available: true });
    const { id } = await activeInteraction(s, alice, "sc-restart");
    assert.equal((await alice.act(id, "complete")).body.interaction.state, "closing");
    await s.close();

    s = await startServer({ config, kvPath, tickMs: 250 });
    const alice2 = await s.agent("alice");
    assert.equal((await interactionOf(alice2, id)).interaction.state, "closing");
    await eventually(
      async () => (await interactionOf(alice2, id)).interaction.state === "completed",
      15_000,
      "completion after restart",
    );
    const detail = await interactionOf(alice2, id);
    assert.equal(detail.interaction.completedBy, "smart_closure");
    const timers = [];
    for await (const e of s.kv.list({ prefix: ["timer"] })) timers.push(e.key);
    assert.deepEqual(timers, []);
  } finally {
    await s.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("smart closure - a wait that ended while the server was down is completed at start-up", async () => {
  const dir = await Deno.makeTempDir();
  const kvPath = `${dir}/desk.kv`;
  // The wait (60 s) passes on the clock while the server is down; its queue message is still
  // 60 real seconds away, so only the start-up sweep can complete it.
  const clock = movableClock();
  const config = await testConfig({ sources: [webchat({ smartClosure: smartClosure(60) })] });
  let s = await startServer({ config, kvPath, clock, tickMs: 3_600_000 });
  try {
    const alice = await s.agent("alice", { available: true });
    const { id } = await activeInteraction(s, alice, "sc-down");
    assert.equal((await alice.act(id, "complete")).body.interaction.state, "closing");
    await s.close();
    clock.advance(61_000);
    s = await startServer({ config, kvPath, clock, tickMs: 3_600_000 });
    const alice2 = await s.agent("alice");
    assert.equal((await interactionOf(alice2, id)).interaction.state, "completed");
  } finally {
    await s.close();
    await Deno.remove(dir, { recursive: true });
  }
});
