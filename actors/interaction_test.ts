import assert from "node:assert/strict";
import { Conflict, Invalid } from "../lib/shared/errors.ts";
import { iso } from "../lib/shared/time.ts";
import {
  addPending,
  type DecideContext,
  decideInteraction,
  folderOf,
  type InteractionCommand,
  type InteractionEffect,
  type InteractionState,
  newInteraction,
  timerOf,
} from "./interaction.ts";

const T0 = Date.parse("2025-03-01T10:00:00.000Z");
const sec = (n: number) => T0 + n * 1000;

const ctx = (patch: Partial<DecideContext> = {}): DecideContext => ({
  now: sec(0),
  acceptTimeout: 45,
  awayOnMiss: true,
  smartClosure: null,
  dispositionRequired: false,
  dispositionIds: ["solved", "follow_up"],
  ...patch,
});

/** Runs a command and checks the decision is pure (input untouched) and bumps the epoch. */
function run(s: InteractionState, cmd: InteractionCommand, patch: Partial<DecideContext> = {}) {
  const before = structuredClone(s);
  const d = decideInteraction(s, cmd, ctx(patch));
  assert.deepEqual(s, before, "the input state must not be mutated");
  assert.equal(d.state.epoch, s.epoch + 1);
  assert.equal(d.state.updatedAt, iso(ctx(patch).now));
  return d;
}

const queued = (patch: Partial<InteractionState> = {}): InteractionState => ({
  ...newInteraction({
    id: "i1",
    threadId: "t1",
    sourceId: "webchat",
    group: "realtime",
    categories: ["billing"],
    language: "en",
    priority: 10,
    customer: { id: "c1", name: "Carol" },
    preferredAgentId: null,
    text: "Hello, my invoice is wrong",
    messageId: "m1",
    now: sec(0),
  }),
  ...patch,
});
const offered = (agentId = "alice", patch: Partial<DecideContext> = {}) =>
  run(queued(), { type: "offer", agentId, newRound: false }, { now: sec(10), ...patch }).state;
const active = (agentId = "alice") =>
  run(offered(agentId), { type: "accept", agentId }, { now: sec(20) }).state;
const deferred = (agentId = "alice") =>
  run(active(agentId), { type: "defer", agentId, until: sec(3600) }, { now: sec(30) }).state;
const smart = (waitForReply = false) => ({ enabled: true, timeout: 120, waitForReply });
const closing = (waitForReply = false) =>
  run(active(), { type: "complete", agentId: "alice", disposition: null, waitForReply: null }, {
    now: sec(40),
    smartClosure: smart(waitForReply),
  }).state;
const completed = () =>
  run(active(), { type: "complete", agentId: "alice", disposition: null, waitForReply: null }, {
    now: sec(40),
  }).state;

const conflictCode = (code: string) => (e: unknown) => e instanceof Conflict && e.code === code;
const invalidAt = (path: string, code = "invalid_input") => (e: unknown) =>
  e instanceof Invalid && e.code === code &&
  (e.details as { path: string }[]).some((d) => d.path === path);
const ofType = <T extends InteractionEffect["type"]>(effects: InteractionEffect[], type: T) =>
  effects.filter((e): e is Extract<InteractionEffect, { type: T }> => e.type === type);
const audits = (effects: InteractionEffect[]) => ofType(effects, "audit").map((e) => e.action);

// ---------------------------------------------------------------- offer

Deno.test("interaction - an offer assigns the agent, starts the accept clock and occupies one unit", () => {
  const d = run(queued({ excludedAgents: ["bruno"] }), { type: "offer", agentId: "alice", newRound: false }, {
    now: sec(5),
  });
  assert.equal(d.state.state, "offered");
  assert.equal(d.state.agentId, "alice");
  assert.equal(d.state.offeredAt, iso(sec(5)));
  assert.equal(d.state.acceptDeadline, iso(sec(50)));
  assert.equal(d.state.enqueuedAt, null);
  assert.deepEqual(d.state.excludedAgents, ["bruno"]);
  assert.deepEqual(d.effects, [
    {
      type: "agent",
      agentId: "alice",
      command: { type: "occupy", group: "realtime", now: sec(5), offer: true },
    },
    { type: "event", agentId: "alice", event: "interaction.offered", data: { acceptDeadline: iso(sec(50)) } },
    { type: "audit", action: "offered", details: { agentId: "alice", acceptDeadline: iso(sec(50)) } },
  ]);
});

Deno.test("interaction - an offer without an accept time limit has no deadline", () => {
  const s = offered("alice", { acceptTimeout: null });
  assert.equal(s.acceptDeadline, null);
  assert.equal(timerOf(s, 600), null);
});

Deno.test("interaction - an offer in a new round forgets who missed it", () => {
  const d = run(queued({ excludedAgents: ["alice", "bruno"] }), {
    type: "offer",
    agentId: "alice",
    newRound: true,
  });
  assert.deepEqual(d.state.excludedAgents, []);
});

Deno.test("interaction - only a queued interaction can be offered", () => {
  for (const s of [offered(), active(), deferred(), closing(), completed()]) {
    assert.throws(
      () => run(s, { type: "offer", agentId: "bruno", newRound: false }),
      conflictCode("invalid_state"),
    );
  }
});

// ---------------------------------------------------------------- accept

Deno.test("interaction - accepting your own offer makes it active and assigns its messages", () => {
  const s = {
    ...offered(),
    excludedAgents: ["bruno"],
    preferredAgentId: "alice",
    target: { agentId: "alice", teamId: null },
  };
  const d = run(s, { type: "accept", agentId: "alice" }, { now: sec(20) });
  assert.equal(d.state.state, "active");
  assert.equal(d.state.agentId, "alice");
  assert.equal(d.state.acceptDeadline, null);
  assert.equal(d.state.acceptedAt, iso(sec(20)));
  assert.equal(d.state.lastActivityAt, iso(sec(20)));
  assert.deepEqual(d.state.excludedAgents, []);
  assert.equal(d.state.target, null);
  assert.equal(d.state.preferredAgentId, null);
  assert.deepEqual(d.effects, [
    { type: "agent", agentId: "alice", command: { type: "accepted" } },
    { type: "messages", to: "assigned" },
    { type: "event", agentId: "alice", event: "interaction.updated", data: {} },
    { type: "audit", action: "accepted" },
  ]);
});

Deno.test("interaction - accepting someone else's offer is refused", () => {
  assert.throws(() => run(offered("alice"), { type: "accept", agentId: "bruno" }), conflictCode("not_owner"));
});

Deno.test("interaction - accepting twice says it is already accepted", () => {
  assert.throws(
    () => run(active("alice"), { type: "accept", agentId: "alice" }),
    conflictCode("already_accepted"),
  );
});

Deno.test("interaction - accepting an offer that went to the queue or another agent says it is no longer offered", () => {
  assert.throws(() => run(queued(), { type: "accept", agentId: "alice" }), conflictCode("not_offered"));
  assert.throws(
    () => run(active("bruno"), { type: "accept", agentId: "alice" }),
    conflictCode("not_offered"),
  );
});

Deno.test("interaction - accepting a deferred, closing or completed interaction is refused", () => {
  for (const s of [deferred(), closing(), completed()]) {
    assert.throws(() => run(s, { type: "accept", agentId: "alice" }), conflictCode("invalid_state"));
  }
});

// ---------------------------------------------------------------- reply

Deno.test("interaction - the owner's first reply records the first response time once", () => {
  const a = active();
  const first = run(a, { type: "reply", agentId: "alice", text: "Let me check." }, { now: sec(50) });
  assert.equal(first.state.firstResponseAt, iso(sec(50)));
  assert.deepEqual(first.state.pendingMessageIds, []);
  assert.deepEqual(first.state.preview, { text: "Let me check.", at: iso(sec(50)), author: "agent" });
  assert.equal(first.state.lastActivityAt, iso(sec(50)));
  assert.deepEqual(first.effects, [
    { type: "messages", to: "replied" },
    // Measured from the accept (sec 20), not from the message.
    { type: "agent", agentId: "alice", command: { type: "first_response", ms: 30_000 } },
  ]);
  const second = run(first.state, { type: "reply", agentId: "alice", text: "Done." }, { now: sec(90) });
  assert.equal(second.state.firstResponseAt, iso(sec(50)));
  assert.deepEqual(second.effects, [{ type: "messages", to: "replied" }]);
});

Deno.test("interaction - a reply clears the idle prompt and keeps a short preview", () => {
  const s = { ...active(), idleNotified: true };
  const d = run(s, { type: "reply", agentId: "alice", text: "x".repeat(500) });
  assert.equal(d.state.idleNotified, false);
  assert.equal(d.state.preview.text.length, 140);
});

Deno.test("interaction - only the owner of an active interaction can reply", () => {
  assert.throws(
    () => run(active("alice"), { type: "reply", agentId: "bruno", text: "hi" }),
    conflictCode("not_owner"),
  );
  for (const s of [queued(), offered(), deferred(), closing(), completed()]) {
    assert.throws(
      () => run(s, { type: "reply", agentId: "alice", text: "hi" }),
      conflictCode("invalid_state"),
    );
  }
});

// ---------------------------------------------------------------- customer_message

const customerMessage = (
  messageId: string,
  patch: Partial<Extract<InteractionCommand, { type: "customer_message" }>> = {},
): InteractionCommand => ({
  type: "customer_message",
  messageId,
  text: "one more thing",
  ownerCanTake: true,
  quickReply: null,
  ...patch,
});

Deno.test("interaction - a customer message joins a queued, offered or active interaction as pending", () => {
  for (const s of [queued(), offered(), active()]) {
    const d = run({ ...s, idleNotified: true }, customerMessage("m2"), { now: sec(70) });
    assert.equal(d.state.state, s.state);
    assert.equal(d.state.agentId, s.agentId);
    assert.deepEqual(d.state.pendingMessageIds, ["m1", "m2"]);
    assert.deepEqual(d.state.preview, { text: "one more thing", at: iso(sec(70)), author: "customer" });
    assert.equal(d.state.lastActivityAt, iso(sec(70)));
    assert.equal(d.state.idleNotified, false);
    assert.deepEqual(d.effects, []);
  }
});

Deno.test("interaction - a customer message wakes a deferred interaction back to its owner when they can take it", () => {
  const d = run(deferred(), customerMessage("m2"), { now: sec(100) });
  assert.equal(d.state.state, "active");
  assert.equal(d.state.agentId, "alice");
  assert.equal(d.state.deferredUntil, null);
  assert.deepEqual(d.state.pendingMessageIds, ["m1", "m2"]);
  assert.deepEqual(d.effects, [
    { type: "agent", agentId: "alice", command: { type: "occupy", group: "realtime", now: sec(100) } },
    {
      type: "event",
      agentId: "alice",
      event: "interaction.updated",
      data: { reason: "returned_from_deferred" },
    },
    { type: "audit", action: "returned_from_deferred", details: { why: "customer_message" } },
  ]);
});

Deno.test("interaction - a customer message requeues a deferred interaction, preferring its owner, when they cannot take it", () => {
  const d = run(deferred(), customerMessage("m2", { ownerCanTake: false }), { now: sec(100) });
  assert.equal(d.state.state, "queued");
  assert.equal(d.state.agentId, null);
  assert.equal(d.state.preferredAgentId, "alice");
  assert.equal(d.state.deferredUntil, null);
  assert.equal(d.state.enqueuedAt, iso(sec(100)));
  assert.deepEqual(d.effects, [
    {
      type: "event",
      agentId: "alice",
      event: "interaction.updated",
      data: { reason: "requeued_from_deferred" },
    },
    { type: "audit", action: "requeued_from_deferred", details: { why: "customer_message" } },
    { type: "dispatch", group: "realtime" },
  ]);
});

Deno.test("interaction - answering Yes during smart closure reopens it for the owner and asks for details", () => {
  const d = run(closing(), customerMessage("m2", { quickReply: "yes" }), { now: sec(60) });
  assert.equal(d.state.state, "active");
  assert.equal(d.state.agentId, "alice");
  assert.equal(d.state.closing, null);
  assert.equal(d.state.completedAt, null);
  assert.deepEqual(d.effects, [
    { type: "agent", agentId: "alice", command: { type: "occupy", group: "realtime", now: sec(60) } },
    { type: "event", agentId: "alice", event: "interaction.updated", data: { reason: "closing_reopened" } },
    { type: "audit", action: "smart_closure_reopened", details: { answer: "yes" } },
    { type: "outbound", kind: "smart_closure_follow_up" },
  ]);
});

Deno.test("interaction - answering No during smart closure completes it", () => {
  const d = run(closing(), customerMessage("m2", { quickReply: "no" }), { now: sec(60) });
  assert.equal(d.state.state, "completed");
  assert.equal(d.state.completedBy, "smart_closure");
  assert.equal(d.state.completedAt, iso(sec(60)));
  assert.equal(d.state.closing, null);
  assert.deepEqual(d.state.pendingMessageIds, []);
  assert.deepEqual(d.effects, [
    { type: "messages", to: "ignored" },
    { type: "agent", agentId: "alice", command: { type: "completed", handleMs: 40_000 } },
    { type: "event", agentId: "alice", event: "interaction.updated", data: {} },
    {
      type: "audit",
      action: "completed",
      details: { by: "smart_closure", reason: "customer answered No", disposition: null },
    },
  ]);
  // The capacity was already released when closing started: no second release.
  assert.equal(ofType(d.effects, "agent").filter((e) => e.command.type === "release").length, 0);
});

Deno.test("interaction - free text during smart closure reopens it without a second automated message", () => {
  for (const waitForReply of [false, true]) {
    const d = run(closing(waitForReply), customerMessage("m2"), { now: sec(60) });
    assert.equal(d.state.state, "active");
    assert.equal(d.state.agentId, "alice");
    assert.equal(d.state.closing, null);
    assert.deepEqual(ofType(d.effects, "outbound"), []);
    assert.deepEqual(audits(d.effects), ["smart_closure_reopened"]);
    assert.deepEqual(ofType(d.effects, "audit")[0].details, { answer: "text" });
  }
});

Deno.test("interaction - a reply during smart closure is requeued for the owner when they cannot take it back", () => {
  for (const quickReply of [null, "yes"] as const) {
    const d = run(closing(), customerMessage("m2", { quickReply, ownerCanTake: false }), { now: sec(60) });
    assert.equal(d.state.state, "queued");
    assert.equal(d.state.agentId, null);
    assert.equal(d.state.preferredAgentId, "alice");
    assert.equal(d.state.closing, null);
    assert.equal(d.state.enqueuedAt, iso(sec(60)));
    assert.deepEqual(ofType(d.effects, "agent"), [], "nobody is occupied");
    assert.deepEqual(ofType(d.effects, "dispatch"), [{ type: "dispatch", group: "realtime" }]);
    // Yes still gets its follow-up question (C3), whoever ends up answering it.
    assert.deepEqual(
      ofType(d.effects, "outbound"),
      quickReply === "yes" ? [{ type: "outbound", kind: "smart_closure_follow_up" }] : [],
    );
  }
});

Deno.test("interaction - No completes a closing interaction even when its owner is away", () => {
  const d = run(closing(), customerMessage("m2", { quickReply: "no", ownerCanTake: false }));
  assert.equal(d.state.state, "completed");
});

Deno.test("interaction - a customer message cannot join a completed interaction", () => {
  assert.throws(() => run(completed(), customerMessage("m2")), conflictCode("invalid_state"));
});

Deno.test("interaction - the pending list is bounded to the newest 200 messages", () => {
  let s = queued();
  for (let i = 2; i <= 205; i++) s = addPending(s, `m${i}`);
  assert.equal(s.pendingMessageIds.length, 200);
  assert.equal(s.pendingMessageIds[0], "m6");
  assert.equal(s.pendingMessageIds.at(-1), "m205");
});

// ---------------------------------------------------------------- defer / resume

Deno.test("interaction - deferring frees the owner's capacity and dispatches the queue", () => {
  const d = run(active(), { type: "defer", agentId: "alice", until: sec(3600) }, { now: sec(30) });
  assert.equal(d.state.state, "deferred");
  assert.equal(d.state.agentId, "alice");
  assert.equal(d.state.deferredUntil, iso(sec(3600)));
  assert.deepEqual(d.effects, [
    { type: "agent", agentId: "alice", command: { type: "release", group: "realtime", now: sec(30) } },
    { type: "event", agentId: "alice", event: "interaction.updated", data: {} },
    { type: "audit", action: "deferred", details: { until: iso(sec(3600)) } },
    { type: "dispatch", group: "realtime" },
  ]);
});

Deno.test("interaction - a deferral must end in the future", () => {
  for (const until of [sec(30), sec(29)]) {
    assert.throws(
      () => run(active(), { type: "defer", agentId: "alice", until }, { now: sec(30) }),
      invalidAt("until"),
    );
  }
});

Deno.test("interaction - only the owner of an active interaction can defer it", () => {
  assert.throws(
    () => run(active(), { type: "defer", agentId: "bruno", until: sec(999) }),
    conflictCode("not_owner"),
  );
  for (const s of [queued(), offered(), deferred(), closing(), completed()]) {
    assert.throws(
      () => run(s, { type: "defer", agentId: "alice", until: sec(999) }),
      conflictCode("invalid_state"),
    );
  }
});

Deno.test("interaction - resuming a deferred interaction brings it back to the acting agent", () => {
  const d = run({ ...deferred(), idleNotified: true }, { type: "resume", agentId: "alice" }, {
    now: sec(200),
  });
  assert.equal(d.state.state, "active");
  assert.equal(d.state.agentId, "alice");
  assert.equal(d.state.deferredUntil, null);
  assert.equal(d.state.idleNotified, false);
  assert.equal(d.state.lastActivityAt, iso(sec(200)));
  assert.equal(d.state.acceptedAt, iso(sec(20)), "the original accept time is kept");
  assert.deepEqual(d.effects, [
    { type: "agent", agentId: "alice", command: { type: "occupy", group: "realtime", now: sec(200) } },
    { type: "event", agentId: "alice", event: "interaction.updated", data: {} },
    { type: "audit", action: "resumed", details: { from: "deferred" } },
  ]);
});

Deno.test("interaction - resuming a completed interaction reopens it and tells the previous owner when taken over", () => {
  const d = run(completed(), { type: "resume", agentId: "bruno" }, { now: sec(500) });
  assert.equal(d.state.state, "active");
  assert.equal(d.state.agentId, "bruno");
  assert.equal(d.state.completedAt, null);
  assert.equal(d.state.completedBy, null);
  assert.deepEqual(d.effects, [
    { type: "agent", agentId: "bruno", command: { type: "occupy", group: "realtime", now: sec(500) } },
    { type: "event", agentId: "bruno", event: "interaction.updated", data: {} },
    { type: "audit", action: "resumed", details: { from: "completed" } },
    { type: "event", agentId: "alice", event: "interaction.updated", data: { reason: "taken_over" } },
  ]);
});

Deno.test("interaction - resuming needs a deferred or completed interaction", () => {
  for (const s of [queued(), offered(), active(), closing()]) {
    assert.throws(() => run(s, { type: "resume", agentId: "alice" }), conflictCode("invalid_state"));
  }
});

// ---------------------------------------------------------------- transfer

type Transfer = Extract<InteractionCommand, { type: "transfer" }>;
const transfer = (target: Transfer["target"], patch: Partial<Transfer> = {}): Transfer => ({
  type: "transfer",
  agentId: "alice",
  target,
  comment: "over to you",
  force: false,
  ...patch,
});

Deno.test("interaction - a transfer to an agent releases the sender and requeues it for that agent only", () => {
  const d = run(active(), transfer({ agentId: "bruno" }), { now: sec(60) });
  assert.equal(d.state.state, "queued");
  assert.equal(d.state.agentId, null);
  assert.deepEqual(d.state.target, { agentId: "bruno", teamId: null });
  assert.deepEqual(d.state.transfer, {
    fromAgentId: "alice",
    comment: "over to you",
    at: iso(sec(60)),
    forced: false,
  });
  assert.equal(d.state.enqueuedAt, iso(sec(60)));
  assert.deepEqual(d.state.excludedAgents, []);
  assert.equal(d.state.preferredAgentId, null);
  assert.deepEqual(d.effects, [
    { type: "agent", agentId: "alice", command: { type: "release", group: "realtime", now: sec(60) } },
    { type: "agent", agentId: "alice", command: { type: "transferred_out" } },
    { type: "event", agentId: "alice", event: "interaction.updated", data: { reason: "transferred_out" } },
    {
      type: "audit",
      action: "transferred",
      details: { from: "alice", to: { agentId: "bruno" }, comment: "over to you", forced: false },
    },
    { type: "dispatch", group: "realtime" },
  ]);
});

Deno.test("interaction - a transfer to a team targets the team and keeps the requirements", () => {
  const d = run(active(), transfer({ teamId: "sales" }));
  assert.deepEqual(d.state.target, { agentId: null, teamId: "sales" });
  assert.deepEqual(d.state.categories, ["billing"]);
  assert.equal(d.state.language, "en");
});

Deno.test("interaction - a transfer to categories or a language changes what the next agent needs", () => {
  const byCategory = run(active(), transfer({ categories: ["orders", "technical"] })).state;
  assert.deepEqual(byCategory.categories, ["orders", "technical"]);
  assert.deepEqual(byCategory.target, { agentId: null, teamId: null });
  const byLanguage = run(active(), transfer({ language: "fr" })).state;
  assert.equal(byLanguage.language, "fr");
  assert.deepEqual(byLanguage.categories, ["billing"]);
});

Deno.test("interaction - a transfer needs a target", () => {
  for (const target of [{}, { categories: [] }, { language: "" }]) {
    assert.throws(() => run(active(), transfer(target)), invalidAt("agentId"));
  }
});

Deno.test("interaction - a forced transfer needs an agent", () => {
  assert.throws(() => run(active(), transfer({ teamId: "sales" }, { force: true })), invalidAt("agentId"));
});

Deno.test("interaction - a forced transfer makes it active for the target at once, past capacity", () => {
  const d = run(active(), transfer({ agentId: "bruno" }, { force: true, agentId: "sam" }), { now: sec(60) });
  assert.equal(d.state.state, "active");
  assert.equal(d.state.agentId, "bruno");
  assert.equal(d.state.priority, 1000);
  assert.equal(d.state.acceptedAt, iso(sec(60)));
  assert.equal(d.state.enqueuedAt, null);
  assert.equal(d.state.target, null);
  assert.deepEqual(d.state.transfer, {
    fromAgentId: "sam",
    comment: "over to you",
    at: iso(sec(60)),
    forced: true,
  });
  const agentCommands = ofType(d.effects, "agent").map((e) => [e.agentId, e.command]);
  assert.deepEqual(agentCommands, [
    ["alice", { type: "release", group: "realtime", now: sec(60) }],
    ["alice", { type: "transferred_out" }],
    ["bruno", { type: "occupy", group: "realtime", now: sec(60), force: true }],
  ]);
  assert.ok(
    d.effects.some((e) =>
      e.type === "event" && e.agentId === "bruno" && "reason" in e.data && e.data.reason === "transferred_in"
    ),
  );
  // The sender's freed capacity is offered to the queue (R4).
  assert.deepEqual(ofType(d.effects, "dispatch"), [{ type: "dispatch", group: "realtime" }]);
});

Deno.test("interaction - a forced transfer keeps a higher priority", () => {
  const d = run({ ...active(), priority: 2000 }, transfer({ agentId: "bruno" }, { force: true }));
  assert.equal(d.state.priority, 2000);
});

Deno.test("interaction - transferring an offer withdraws it from the agent it was offered to", () => {
  const d = run(offered("alice"), transfer({ teamId: "sales" }, { agentId: "sam" }), { now: sec(15) });
  assert.equal(d.state.state, "queued");
  assert.equal(d.state.acceptDeadline, null);
  assert.deepEqual(d.effects.slice(0, 3), [
    { type: "agent", agentId: "alice", command: { type: "release", group: "realtime", now: sec(15) } },
    { type: "agent", agentId: "alice", command: { type: "transferred_out" } },
    { type: "event", agentId: "alice", event: "interaction.withdrawn", data: { reason: "transferred" } },
  ]);
});

Deno.test("interaction - transferring a deferred interaction does not release capacity twice", () => {
  const d = run(deferred(), transfer({ teamId: "sales" }));
  assert.equal(d.state.state, "queued");
  assert.equal(d.state.deferredUntil, null);
  assert.deepEqual(ofType(d.effects, "agent").map((e) => e.command.type), ["transferred_out"]);
});

Deno.test("interaction - transferring a queued interaction only changes its target", () => {
  const d = run(queued({ enqueuedAt: iso(sec(0)) }), transfer({ teamId: "sales" }, { agentId: "sam" }), {
    now: sec(9),
  });
  assert.equal(d.state.state, "queued");
  assert.deepEqual(ofType(d.effects, "agent"), []);
  assert.deepEqual(ofType(d.effects, "event"), []);
  assert.deepEqual(d.state.target, { agentId: null, teamId: "sales" });
});

Deno.test("interaction - closing and completed interactions cannot be transferred", () => {
  for (const s of [closing(), completed()]) {
    assert.throws(() => run(s, transfer({ agentId: "bruno" })), conflictCode("invalid_state"));
  }
});

// ---------------------------------------------------------------- complete

const complete = (
  patch: Partial<Extract<InteractionCommand, { type: "complete" }>> = {},
): InteractionCommand => ({
  type: "complete",
  agentId: "alice",
  disposition: null,
  waitForReply: null,
  ...patch,
});

Deno.test("interaction - completing releases capacity, ignores unanswered messages and dispatches", () => {
  const d = run(active(), complete(), { now: sec(80) });
  assert.equal(d.state.state, "completed");
  assert.equal(d.state.completedBy, "agent");
  assert.equal(d.state.completedAt, iso(sec(80)));
  assert.deepEqual(d.state.pendingMessageIds, []);
  assert.deepEqual(d.effects, [
    { type: "agent", agentId: "alice", command: { type: "release", group: "realtime", now: sec(80) } },
    { type: "messages", to: "ignored" },
    { type: "agent", agentId: "alice", command: { type: "completed", handleMs: 60_000 } },
    { type: "event", agentId: "alice", event: "interaction.updated", data: {} },
    { type: "audit", action: "completed", details: { by: "agent", reason: null, disposition: null } },
    { type: "dispatch", group: "realtime" },
  ]);
});

Deno.test("interaction - a required disposition must be given and known", () => {
  assert.throws(
    () => run(active(), complete(), { dispositionRequired: true }),
    invalidAt("disposition", "disposition_required"),
  );
  assert.throws(
    () => run(active(), complete({ disposition: { categoryId: "nope" } }), { dispositionRequired: true }),
    invalidAt("disposition.categoryId"),
  );
  const d = run(active(), complete({ disposition: { categoryId: "solved", notes: "refunded" } }), {
    dispositionRequired: true,
  });
  assert.deepEqual(d.state.disposition, { categoryId: "solved", notes: "refunded" });
});

Deno.test("interaction - an optional disposition is still checked", () => {
  assert.throws(
    () => run(active(), complete({ disposition: { categoryId: "nope" } })),
    invalidAt("disposition.categoryId"),
  );
});

Deno.test("interaction - only the owner of an active interaction can complete it", () => {
  assert.throws(() => run(active(), complete({ agentId: "bruno" })), conflictCode("not_owner"));
  for (const s of [queued(), offered(), deferred(), closing(), completed()]) {
    assert.throws(() => run(s, complete()), conflictCode("invalid_state"));
  }
});

Deno.test("interaction - with smart closure, completing asks the question and waits", () => {
  const d = run(active(), complete({ disposition: { categoryId: "solved" } }), {
    now: sec(40),
    smartClosure: smart(false),
  });
  assert.equal(d.state.state, "closing");
  assert.equal(d.state.agentId, "alice");
  assert.deepEqual(d.state.closing, { phase: "asked", deadline: iso(sec(160)), waitForReply: false });
  assert.deepEqual(d.state.disposition, { categoryId: "solved" });
  assert.equal(d.state.completedAt, null);
  assert.deepEqual(d.effects, [
    { type: "agent", agentId: "alice", command: { type: "release", group: "realtime", now: sec(40) } },
    { type: "event", agentId: "alice", event: "interaction.updated", data: {} },
    {
      type: "audit",
      action: "smart_closure_started",
      details: { waitForReply: false, disposition: { categoryId: "solved" } },
    },
    { type: "dispatch", group: "realtime" },
    { type: "outbound", kind: "smart_closure_question" },
  ]);
  assert.equal(folderOf(d.state), "in_progress");
});

Deno.test("interaction - waiting for a reply first sends no question until the timer", () => {
  const fromSource = run(active(), complete(), { now: sec(40), smartClosure: smart(true) });
  assert.deepEqual(fromSource.state.closing, {
    phase: "waiting_reply",
    deadline: iso(sec(160)),
    waitForReply: true,
  });
  assert.deepEqual(ofType(fromSource.effects, "outbound"), []);
  // The agent's choice overrides the source's default, both ways.
  const fromAgent = run(active(), complete({ waitForReply: true }), {
    now: sec(40),
    smartClosure: smart(false),
  });
  assert.equal(fromAgent.state.closing?.phase, "waiting_reply");
  assert.deepEqual(ofType(fromAgent.effects, "outbound"), []);
  const overridden = run(active(), complete({ waitForReply: false }), {
    now: sec(40),
    smartClosure: smart(true),
  });
  assert.equal(overridden.state.closing?.phase, "asked");
  assert.equal(ofType(overridden.effects, "outbound").length, 1);
});

Deno.test("interaction - smart closure is skipped when disabled or when the customer already closed the chat", () => {
  const disabled = run(active(), complete(), {
    smartClosure: { enabled: false, timeout: 120, waitForReply: false },
  });
  assert.equal(disabled.state.state, "completed");
  const closed = run({ ...active(), conversationClosed: true }, complete(), { smartClosure: smart(false) });
  assert.equal(closed.state.state, "completed");
  assert.deepEqual(ofType(closed.effects, "outbound"), []);
});

// ---------------------------------------------------------------- timers

type Timer = Extract<InteractionCommand, { type: "timer" }>;
const timer = (kind: Timer["kind"], patch: Partial<Timer> = {}): Timer => ({
  type: "timer",
  kind,
  ownerCanTake: true,
  idleTimeout: 600,
  ...patch,
});

Deno.test("interaction - a missed offer goes back to the queue without the agent who missed it", () => {
  const s = { ...offered("alice"), excludedAgents: ["bruno"] };
  const d = run(s, timer("accept"), { now: sec(55), awayOnMiss: true });
  assert.equal(d.state.state, "queued");
  assert.equal(d.state.agentId, null);
  assert.equal(d.state.acceptDeadline, null);
  assert.deepEqual(d.state.excludedAgents, ["bruno", "alice"]);
  assert.equal(d.state.enqueuedAt, iso(sec(10)), "keeps its place from when it was offered");
  assert.deepEqual(d.effects, [
    {
      type: "agent",
      agentId: "alice",
      command: { type: "missed", group: "realtime", awayOnMiss: true, now: sec(55) },
    },
    { type: "event", agentId: "alice", event: "interaction.withdrawn", data: { reason: "accept_timeout" } },
    { type: "audit", action: "offer_missed", details: { agentId: "alice" } },
    { type: "dispatch", group: "realtime" },
  ]);
  const noAway = run(s, timer("accept"), { awayOnMiss: false });
  assert.deepEqual(ofType(noAway.effects, "agent")[0].command, {
    type: "missed",
    group: "realtime",
    awayOnMiss: false,
    now: sec(0),
  });
});

Deno.test("interaction - an offer withdrawn from a signed-out agent is requeued without a miss", () => {
  const s = offered("alice");
  const d = run(s, { type: "withdraw_offer", agentId: "alice" }, { now: sec(30) });
  assert.equal(d.state.state, "queued");
  assert.equal(d.state.agentId, null);
  assert.deepEqual(d.state.excludedAgents, ["alice"]);
  assert.equal(d.state.enqueuedAt, iso(sec(10)), "keeps its place from when it was offered");
  assert.deepEqual(d.effects, [
    { type: "agent", agentId: "alice", command: { type: "release", group: "realtime", now: sec(30) } },
    { type: "event", agentId: "alice", event: "interaction.withdrawn", data: { reason: "agent_signed_out" } },
    { type: "audit", action: "offer_withdrawn", details: { agentId: "alice" } },
    { type: "dispatch", group: "realtime" },
  ]);
  // Someone else's offer, or work already accepted, is left alone.
  assert.deepEqual(run(s, { type: "withdraw_offer", agentId: "bruno" }).effects, []);
  assert.deepEqual(run(active("alice"), { type: "withdraw_offer", agentId: "alice" }).effects, []);
});

Deno.test("interaction - an idle interaction prompts its owner once", () => {
  const a = active();
  const d = run(a, timer("idle"), { now: sec(620) });
  assert.equal(d.state.state, "active");
  assert.equal(d.state.idleNotified, true);
  assert.deepEqual(d.effects, [
    { type: "event", agentId: "alice", event: "interaction.idle", data: { lastActivityAt: iso(sec(20)) } },
    { type: "audit", action: "idle" },
  ]);
  const again = run(d.state, timer("idle"), { now: sec(1300) });
  assert.deepEqual(again.effects, []);
  assert.equal(again.state.state, "active");
  // No idle time limit configured: no prompt.
  assert.deepEqual(run(a, timer("idle", { idleTimeout: null })).effects, []);
});

Deno.test("interaction - the end of a deferral returns it to its owner, or requeues it for them", () => {
  const back = run(deferred(), timer("wake"), { now: sec(3600) });
  assert.equal(back.state.state, "active");
  assert.equal(back.state.agentId, "alice");
  assert.deepEqual(ofType(back.effects, "audit")[0].details, { why: "deferral_ended" });
  assert.equal(ofType(back.effects, "agent")[0].command.type, "occupy");
  const requeued = run(deferred(), timer("wake", { ownerCanTake: false }), { now: sec(3600) });
  assert.equal(requeued.state.state, "queued");
  assert.equal(requeued.state.preferredAgentId, "alice");
  assert.deepEqual(ofType(requeued.effects, "dispatch"), [{ type: "dispatch", group: "realtime" }]);
});

Deno.test("interaction - when the wait for a reply ends, the closure question is asked with a new deadline", () => {
  const d = run(closing(true), timer("closing"), { now: sec(160), smartClosure: smart(true) });
  assert.equal(d.state.state, "closing");
  assert.deepEqual(d.state.closing, { phase: "asked", deadline: iso(sec(280)), waitForReply: true });
  assert.deepEqual(d.effects, [
    { type: "outbound", kind: "smart_closure_question" },
    { type: "audit", action: "smart_closure_asked" },
  ]);
});

Deno.test("interaction - no answer to the closure question completes it automatically", () => {
  const s = { ...closing(false), disposition: { categoryId: "solved" } };
  const d = run(s, timer("closing"), { now: sec(160), smartClosure: smart(false) });
  assert.equal(d.state.state, "completed");
  assert.equal(d.state.completedBy, "smart_closure");
  assert.equal(d.state.closing, null);
  assert.deepEqual(ofType(d.effects, "audit")[0].details, {
    by: "smart_closure",
    reason: "no answer in time",
    disposition: { categoryId: "solved" },
  });
  assert.deepEqual(ofType(d.effects, "agent"), [
    { type: "agent", agentId: "alice", command: { type: "completed", handleMs: 140_000 } },
  ]);
});

Deno.test("interaction - a timer that does not match the current state does nothing", () => {
  const cases: [InteractionState, Timer][] = [
    [queued(), timer("accept")],
    [active(), timer("accept")],
    [offered(), timer("idle")],
    [active(), timer("wake")],
    [deferred(), timer("closing")],
    [completed(), timer("closing")],
    [completed(), timer("idle")],
  ];
  for (const [s, t] of cases) {
    const d = run(s, t);
    assert.deepEqual(d.effects, [], `${t.kind} on ${s.state}`);
    assert.equal(d.state.state, s.state);
    assert.equal(d.state.agentId, s.agentId);
  }
});

// ---------------------------------------------------------------- conversation_closed / set_requirements

Deno.test("interaction - the customer closing the conversation notifies the owner once", () => {
  const d = run(active(), { type: "conversation_closed" });
  assert.equal(d.state.conversationClosed, true);
  assert.deepEqual(d.effects, [
    { type: "event", agentId: "alice", event: "conversation.closed", data: {} },
    { type: "event", agentId: "alice", event: "interaction.updated", data: {} },
    { type: "audit", action: "conversation_closed" },
  ]);
  assert.deepEqual(run(d.state, { type: "conversation_closed" }).effects, []);
});

Deno.test("interaction - a closed conversation on a queued or completed interaction notifies nobody", () => {
  for (const s of [queued(), completed()]) {
    const d = run(s, { type: "conversation_closed" });
    assert.equal(d.state.conversationClosed, true);
    assert.deepEqual(d.effects, [{ type: "audit", action: "conversation_closed" }]);
  }
});

Deno.test("interaction - the customer closing the conversation during smart closure completes it at once", () => {
  const d = run(closing(), { type: "conversation_closed" }, { now: sec(70) });
  assert.equal(d.state.state, "completed");
  assert.equal(d.state.completedBy, "smart_closure");
  assert.equal(d.state.conversationClosed, true);
  assert.equal(d.state.closing, null);
  assert.deepEqual(audits(d.effects), ["conversation_closed", "completed"]);
  assert.ok(
    d.effects.some((e) => e.type === "event" && e.event === "conversation.closed" && e.agentId === "alice"),
  );
  assert.deepEqual(ofType(d.effects, "agent").map((e) => e.command.type), ["completed"], "no second release");
});

Deno.test("interaction - the customer writing again reopens a closed conversation", () => {
  const closed = run(active(), { type: "conversation_closed" }).state;
  assert.equal(run(closed, customerMessage("m2")).state.conversationClosed, false);
});

Deno.test("interaction - new requirements are kept, and a queued interaction is routed again", () => {
  const q = run(queued(), { type: "set_requirements", categories: ["orders"], language: "fr" });
  assert.deepEqual(q.state.categories, ["orders"]);
  assert.equal(q.state.language, "fr");
  assert.deepEqual(q.effects, [{ type: "dispatch", group: "realtime" }]);
  const a = run(active(), { type: "set_requirements", language: "fr" });
  assert.deepEqual(a.state.categories, ["billing"]);
  assert.equal(a.state.language, "fr");
  assert.deepEqual(a.effects, [{
    type: "event",
    agentId: "alice",
    event: "interaction.updated",
    data: {},
  }]);
});

// ---------------------------------------------------------------- epoch, timerOf, folderOf

Deno.test("interaction - every decision bumps the epoch, even one that changes nothing", () => {
  const cmds: [InteractionState, InteractionCommand][] = [
    [queued(), { type: "offer", agentId: "alice", newRound: false }],
    [active(), { type: "reply", agentId: "alice", text: "hi" }],
    [active(), customerMessage("m9")],
    [completed(), { type: "resume", agentId: "alice" }],
    [active(), timer("wake")],
    [{ ...active(), conversationClosed: true }, { type: "conversation_closed" }],
    [queued(), { type: "set_requirements" }],
  ];
  let epoch = 0;
  for (const [s, cmd] of cmds) {
    const d = run({ ...s, epoch }, cmd, { now: sec(epoch) });
    assert.equal(d.state.epoch, epoch + 1);
    epoch = d.state.epoch;
  }
  // A whole lifecycle: each step moves it by one.
  const q = queued();
  assert.equal(q.epoch, 0);
  assert.equal(offered().epoch, 1);
  assert.equal(active().epoch, 2);
  assert.equal(deferred().epoch, 3);
});

Deno.test("interaction - timerOf gives the one timer of each state", () => {
  assert.equal(timerOf(queued(), 600), null);
  assert.deepEqual(timerOf(offered(), 600), { kind: "accept", dueAt: sec(55) });
  assert.deepEqual(timerOf(active(), 600), { kind: "idle", dueAt: sec(620) });
  assert.equal(timerOf(active(), null), null);
  assert.equal(timerOf({ ...active(), idleNotified: true }, 600), null);
  assert.deepEqual(timerOf(deferred(), 600), { kind: "wake", dueAt: sec(3600) });
  assert.deepEqual(timerOf(closing(), 600), { kind: "closing", dueAt: sec(160) });
  assert.equal(timerOf(completed(), 600), null);
});

Deno.test("interaction - folderOf maps each state to its folder", () => {
  assert.equal(folderOf(queued()), "queue");
  assert.equal(folderOf(offered()), "in_progress");
  assert.equal(folderOf(active()), "in_progress");
  assert.equal(folderOf(closing()), "in_progress");
  assert.equal(folderOf(deferred()), "deferred");
  assert.equal(folderOf(completed()), "history");
});
