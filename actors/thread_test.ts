import assert from "node:assert/strict";
import { Conflict } from "../lib/shared/errors.ts";
import { iso } from "../lib/shared/time.ts";
import {
  arrivalStatus,
  decideThread,
  newThread,
  stickyAgent,
  type ThreadCommand,
  type ThreadState,
} from "./thread.ts";

const T0 = Date.parse("2025-03-01T10:00:00.000Z");

const thread = (patch: Partial<ThreadState> = {}): ThreadState => ({
  ...newThread({
    id: "t1",
    sourceId: "webchat",
    externalId: "ext-1",
    title: null,
    identity: { id: "c1", name: "Carol" },
    now: T0,
  }),
  ...patch,
});

/** Runs a command and checks the decision is pure (input untouched). */
function run(t: ThreadState, cmd: ThreadCommand) {
  const before = structuredClone(t);
  const d = decideThread(t, cmd);
  assert.deepEqual(t, before, "the input state must not be mutated");
  return d;
}

Deno.test("thread - lock, ignore and mute set their flag and audit it; unlock, unignore and unmute clear it", () => {
  const locked = run(thread(), { type: "control", control: "lock", agentId: "alice" });
  assert.equal(locked.state.locked, true);
  assert.deepEqual(locked.effects, [{ type: "audit", action: "thread.lock" }]);
  assert.equal(
    run(locked.state, { type: "control", control: "unlock", agentId: "alice" }).state.locked,
    false,
  );

  const ignored = run(thread(), { type: "control", control: "ignore", agentId: "alice" }).state;
  assert.equal(ignored.ignored, true);
  assert.equal(run(ignored, { type: "control", control: "unignore", agentId: "bob" }).state.ignored, false);
});

Deno.test("thread - mute is per agent and idempotent", () => {
  const once = run(thread(), { type: "control", control: "mute", agentId: "alice" }).state;
  const twice = run(once, { type: "control", control: "mute", agentId: "alice" }).state;
  const both = run(twice, { type: "control", control: "mute", agentId: "bob" }).state;
  assert.deepEqual(twice.mutedBy, ["alice"]);
  assert.deepEqual(both.mutedBy, ["alice", "bob"]);
  const unmuted = run(both, { type: "control", control: "unmute", agentId: "alice" });
  assert.deepEqual(unmuted.state.mutedBy, ["bob"]);
  assert.deepEqual(unmuted.effects, [{ type: "audit", action: "thread.unmute" }]);
});

Deno.test("thread - categories (deduplicated) and language change the open interaction's requirements", () => {
  const cat = run(thread(), { type: "set_requirements", categories: ["billing", "orders", "billing"] });
  assert.deepEqual(cat.state.categories, ["billing", "orders"]);
  assert.deepEqual(cat.effects, [
    { type: "audit", action: "thread.categorized", details: { categories: ["billing", "orders"] } },
    { type: "requirements", categories: ["billing", "orders"] },
  ]);
  const lang = run(thread(), { type: "set_requirements", language: "fr" });
  assert.equal(lang.state.language, "fr");
  assert.deepEqual(lang.effects, [
    { type: "audit", action: "thread.language_changed", details: { language: "fr" } },
    { type: "requirements", language: "fr" },
  ]);
});

Deno.test("thread - a customer message adds categories, takes a configured language and the new name, reopens the conversation", () => {
  const t = thread({ categories: ["billing"], language: "en", conversationClosed: true });
  const d = run(t, {
    type: "customer_message",
    author: { id: "c1", name: "Carol Smith" },
    categories: ["orders", "billing"],
    language: "fr",
  });
  assert.deepEqual(d.state.categories, ["billing", "orders"]);
  assert.equal(d.state.language, "fr");
  assert.deepEqual(d.state.identity, { id: "c1", name: "Carol Smith" });
  assert.equal(d.state.conversationClosed, false);
  assert.deepEqual(d.effects, []);
  // No name and no (configured) language: the thread keeps what it had.
  const kept =
    run(t, { type: "customer_message", author: { id: "c1" }, categories: [], language: null }).state;
  assert.deepEqual(kept.identity, { id: "c1", name: "Carol" });
  assert.equal(kept.language, "en");
});

Deno.test("thread - the conversation closes; one open interaction at a time, closing it remembers its agent", () => {
  assert.equal(run(thread(), { type: "conversation_closed" }).state.conversationClosed, true);
  const opened = run(thread(), { type: "interaction_opened", interactionId: "i1" }).state;
  assert.equal(opened.openInteractionId, "i1");
  assert.equal(
    run(opened, { type: "interaction_opened", interactionId: "i1" }).state.openInteractionId,
    "i1",
  );
  assert.throws(
    () => run(opened, { type: "interaction_opened", interactionId: "i2" }),
    (e) => e instanceof Conflict && e.code === "thread_has_open_interaction",
  );
  const completedAt = iso(T0 + 60_000);
  const closed = run(opened, {
    type: "interaction_closed",
    interaction: { id: "i1", agentId: "alice", completedAt },
  }).state;
  assert.equal(closed.openInteractionId, null);
  assert.equal(closed.lastInteractionId, "i1");
  assert.equal(closed.lastAgentId, "alice");
  assert.equal(closed.lastCompletedAt, completedAt);
  // Another interaction closing leaves the open one in place.
  const other = run(opened, {
    type: "interaction_closed",
    interaction: { id: "i0", agentId: "bob", completedAt },
  });
  assert.equal(other.state.openInteractionId, "i1");
});

Deno.test("thread - sticky routing prefers the last agent only within the window", () => {
  const t = thread({ lastAgentId: "alice", lastCompletedAt: iso(T0) });
  assert.equal(stickyAgent(t, T0 + 60_000, 60), "alice");
  assert.equal(stickyAgent(t, T0 + 60_001, 60), null);
  assert.equal(stickyAgent(thread(), T0, 86400), null);
});

Deno.test("thread - an arriving message's status follows the thread and the interaction it joined", () => {
  assert.equal(arrivalStatus({ ignored: true }, null), "ignored");
  assert.equal(arrivalStatus({ ignored: false }, { state: "active" }), "assigned");
  assert.equal(arrivalStatus({ ignored: false }, { state: "completed" }), "ignored");
  assert.equal(arrivalStatus({ ignored: false }, { state: "queued" }), "new");
  assert.equal(arrivalStatus({ ignored: false }, null), "new");
});
