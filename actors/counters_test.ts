import assert from "node:assert/strict";
import { bucketOf, BUCKETS_S, countTransition, quantileOf, type Tally } from "./counters.ts";
import {
  type DecideContext,
  decideInteraction,
  type InteractionCommand,
  type InteractionState,
  newInteraction,
} from "./interaction.ts";

const T0 = Date.parse("2026-03-01T10:00:00.000Z");
const sec = (n: number) => T0 + n * 1000;
const ctx = (now: number, patch: Partial<DecideContext> = {}): DecideContext => ({
  now,
  acceptTimeout: 30,
  awayOnMiss: true,
  smartClosure: null,
  dispositionRequired: false,
  dispositionIds: [],
  ...patch,
});
const created = newInteraction({
  id: "i1",
  threadId: "t1",
  sourceId: "webchat",
  group: "realtime",
  categories: [],
  language: "en",
  priority: 0,
  customer: { id: "c", name: "C" },
  preferredAgentId: null,
  text: "hi",
  messageId: "m1",
  now: sec(0),
});

/** Applies a command and returns what the transition counts (service level: 20 s). */
function step(s: InteractionState, cmd: InteractionCommand, at: number) {
  const d = decideInteraction(s, cmd, ctx(sec(at)));
  return { state: d.state, tallies: countTransition(s, d.state, d.effects, { serviceLevelSeconds: 20 }) };
}

const names = (ts: Tally[]) =>
  ts.map((t) =>
    t.scope === "source"
      ? `source.${t.metric}=${t.n}`
      : t.scope === "agent"
      ? `${t.agentId}.${t.metric}=${t.n}`
      : t.scope === "histogram"
      ? `${t.owner}:${t.id}.${t.histogram}[${t.bucket}]`
      : `gauge.${t.state}=${t.n}`
  ).sort();

Deno.test("counters - a new interaction counts as created and enters the waiting gauge", () => {
  assert.deepEqual(names(countTransition(null, created, [], { serviceLevelSeconds: 20 })), [
    "gauge.queued=1",
    "source.created=1",
  ]);
});

Deno.test("counters - offer, accept within the target, reply and complete count each once", () => {
  const o = step(created, { type: "offer", agentId: "alice", newRound: true }, 5);
  assert.deepEqual(names(o.tallies), [
    "alice.offered=1",
    "gauge.offered=1",
    "gauge.queued=-1",
    "source.offered=1",
  ]);
  const a = step(o.state, { type: "accept", agentId: "alice" }, 12);
  assert.deepEqual(
    names(a.tallies),
    [
      "alice.accepted=1",
      "gauge.active=1",
      "gauge.offered=-1",
      "source.accepted=1",
      "source.answered=1",
      "source.answeredInTarget=1",
      `source.waitMs=${12_000}`,
      `source:webchat.wait[${bucketOf(12_000)}]`,
    ].sort(),
  );
  const r = step(a.state, { type: "reply", agentId: "alice", text: "hello" }, 20);
  assert.deepEqual(names(r.tallies), [
    "agent:alice.firstResponse[1]",
    "alice.firstResponseCount=1",
    "alice.firstResponseMs=8000",
  ]);
  const r2 = step(r.state, { type: "reply", agentId: "alice", text: "again" }, 25);
  assert.deepEqual(r2.tallies, [], "only the first reply is a first response");
  const c = step(r2.state, { type: "complete", agentId: "alice", disposition: null, waitForReply: null }, 72);
  assert.deepEqual(
    names(c.tallies),
    [
      `agent:alice.handle[${bucketOf(60_000)}]`,
      "alice.completed=1",
      "alice.handleCount=1",
      "alice.handleMs=60000",
      "gauge.active=-1",
      "source.completed=1",
      "source.handleMs=60000",
      `source:webchat.handle[${bucketOf(60_000)}]`,
    ].sort(),
  );
});

Deno.test("counters - an answer after the target is answered but not within it", () => {
  const o = step(created, { type: "offer", agentId: "alice", newRound: true }, 5);
  const a = step(o.state, { type: "accept", agentId: "alice" }, 21);
  const got = names(a.tallies);
  assert.ok(got.includes("source.answered=1"));
  assert.ok(!got.includes("source.answeredInTarget=1"));
});

Deno.test("counters - a missed offer counts against the agent and the source", () => {
  const o = step(created, { type: "offer", agentId: "alice", newRound: true }, 0);
  const m = step(o.state, { type: "timer", kind: "accept", ownerCanTake: false, idleTimeout: null }, 30);
  assert.deepEqual(names(m.tallies), [
    "alice.missed=1",
    "gauge.offered=-1",
    "gauge.queued=1",
    "source.missed=1",
  ]);
});

Deno.test("counters - a forced assignment counts for the receiving agent, the transfer for the sender", () => {
  const o = step(created, { type: "offer", agentId: "alice", newRound: true }, 0);
  const a = step(o.state, { type: "accept", agentId: "alice" }, 5);
  const f = step(a.state, {
    type: "transfer",
    agentId: "sup",
    target: { agentId: "bob" },
    comment: null,
    force: true,
  }, 10);
  assert.deepEqual(names(f.tallies), [
    "alice.transferredOut=1",
    "bob.forcedAssignments=1",
    "bob.transferredIn=1",
    "source.forced=1",
    "source.transferred=1",
  ]);
  // A waiting interaction force-assigned is answered at that moment.
  const q = step(created, {
    type: "transfer",
    agentId: "sup",
    target: { agentId: "bob" },
    comment: null,
    force: true,
  }, 3);
  assert.ok(names(q.tallies).includes("source.answered=1"));
  assert.ok(names(q.tallies).includes("gauge.active=1"));
});

Deno.test("counters - a forced transfer to the agent it is offered to is no accept", () => {
  const o = step(created, { type: "offer", agentId: "bob", newRound: true }, 0);
  const f = step(o.state, {
    type: "transfer",
    agentId: "sup",
    target: { agentId: "bob" },
    comment: null,
    force: true,
  }, 4);
  const got = names(f.tallies);
  assert.ok(!got.includes("bob.accepted=1") && !got.includes("source.accepted=1"), got.join());
  assert.ok(got.includes("bob.forcedAssignments=1"));
});

Deno.test("counters - a plain transfer counts in for whoever accepts it next", () => {
  const o = step(created, { type: "offer", agentId: "alice", newRound: true }, 0);
  const a = step(o.state, { type: "accept", agentId: "alice" }, 5);
  const t = step(a.state, {
    type: "transfer",
    agentId: "alice",
    target: { teamId: "support" },
    comment: null,
    force: false,
  }, 10);
  assert.deepEqual(names(t.tallies), [
    "alice.transferredOut=1",
    "gauge.active=-1",
    "gauge.queued=1",
    "source.transferred=1",
  ]);
  const o2 = step(t.state, { type: "offer", agentId: "bob", newRound: true }, 11);
  const a2 = step(o2.state, { type: "accept", agentId: "bob" }, 12);
  const got = names(a2.tallies);
  assert.ok(got.includes("bob.transferredIn=1"));
  assert.ok(!got.includes("source.answered=1"), "answered once, at the first accept");
});

Deno.test("counters - the customer closing while waiting is an abandon, not while active", () => {
  const c = step(created, { type: "conversation_closed" }, 40);
  assert.deepEqual(names(c.tallies), ["source.abandoned=1"]);
  const o = step(created, { type: "offer", agentId: "alice", newRound: true }, 0);
  const a = step(o.state, { type: "accept", agentId: "alice" }, 5);
  assert.deepEqual(step(a.state, { type: "conversation_closed" }, 9).tallies, []);
});

Deno.test("counters - histogram buckets and p90", () => {
  assert.equal(bucketOf(0), 0);
  assert.equal(bucketOf(5_000), 0);
  assert.equal(bucketOf(5_001), 1);
  assert.equal(bucketOf(10 ** 12), BUCKETS_S.length);
  assert.equal(quantileOf([], 0.9), null);
  // 10 samples: 9 within 5 s, 1 in (5, 10]: the 90th is the ninth, at the top of bucket 0.
  assert.equal(quantileOf([9, 1], 0.9), 5);
  // All in (10, 20]: linear inside it.
  assert.equal(quantileOf([0, 0, 10], 0.5), 15);
});
