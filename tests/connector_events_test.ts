/**
 * Idempotent connector events (API.md "Supervisors", last paragraph): a repeated event `id`
 * answers `duplicate: true` and changes nothing, and a `conversation.closed` older than the
 * thread's latest customer message closes nothing — so replaying a signed close after the
 * customer wrote again cannot close their new conversation.
 */
import assert from "node:assert/strict";
import { msg, startServer } from "./harness.ts";
import {
  activeFor,
  AGENTS,
  assertUnchanged,
  config,
  kvSnapshot,
  postSigned,
  sourceSignature,
} from "./api_support.ts";

const EVENTS = "/api/v1/sources/webchat/events";

Deno.test("connector events - replaying a signed close after the customer wrote again answers duplicate and closes nothing", async () => {
  const s = await startServer({ config: await config({}, [AGENTS[0]]) });
  try {
    const alice = await s.agent("alice", { available: true });
    const first = await activeFor(alice, "t-replay");
    const raw = JSON.stringify({ id: "ev-1", type: "conversation.closed", thread: { id: "t-replay" } });
    const signature = await sourceSignature(s, "webchat", raw);
    const closed = await postSigned(s, EVENTS, raw, signature);
    assert.equal(closed.status, 202);
    assert.deepEqual(closed.body, {
      threadId: closed.body.threadId,
      interactionId: first,
      closed: true,
      duplicate: false,
    });
    // The customer writes again (the conversation reopens), then the same bytes are replayed.
    await s.inbound("webchat", msg("t-replay"));
    await assertUnchanged(s, async () => {
      const replay = await postSigned(s, EVENTS, raw, signature);
      assert.equal(replay.status, 202);
      assert.deepEqual(replay.body, { ...closed.body, duplicate: true });
    });
    const d = await alice.req("GET", `/api/v1/interactions/${first}`);
    assert.equal(d.body.thread.conversationClosed, false, "the reopened conversation stays open");
  } finally {
    await s.close();
  }
});

Deno.test("connector events - a close that happened before the latest customer message closes nothing; a later one closes", async () => {
  const s = await startServer({ config: await config({}, [AGENTS[0]]) });
  try {
    const alice = await s.agent("alice", { available: true });
    const id = await activeFor(alice, "t-late", { createdAt: "2030-05-01T10:00:00Z" });
    const close = (occurredAt: string, eventId: string) =>
      s.event("webchat", { id: eventId, type: "conversation.closed", thread: { id: "t-late" }, occurredAt });
    await s.settle();
    const before = await kvSnapshot(s.kv);
    const late = await close("2030-05-01T09:59:59Z", "ev-old");
    assert.equal(late.status, 202);
    assert.equal(late.body.closed, false);
    await s.settle();
    const after = await kvSnapshot(s.kv);
    const changed = [...new Set([...before.keys(), ...after.keys()])].filter((k) =>
      before.get(k) !== after.get(k)
    );
    // Only the event id is recorded (so a retry answers duplicate); nothing else changes.
    assert.deepEqual(changed, ['["inbound_event","webchat","ev-old"]']);
    assert.equal(
      (await alice.req("GET", `/api/v1/interactions/${id}`)).body.interaction.conversationClosed,
      false,
    );
    assert.equal((await close("2030-05-01T09:59:59Z", "ev-old")).body.duplicate, true);
    const later = await close("2030-05-01T10:00:01Z", "ev-new");
    assert.equal(later.body.closed, true);
    assert.equal(
      (await alice.req("GET", `/api/v1/interactions/${id}`)).body.interaction.conversationClosed,
      true,
    );
  } finally {
    await s.close();
  }
});

Deno.test("connector events - id and occurredAt are validated (400 with their paths)", async () => {
  const s = await startServer({ config: await config({}, [AGENTS[0]]) });
  try {
    await assertUnchanged(s, async () => {
      const r = await s.event("webchat", {
        id: "",
        type: "conversation.closed",
        thread: { id: "t" },
        occurredAt: "yesterday",
      });
      assert.equal(r.status, 400);
      const paths = r.body.error.details.map((d: { path: string }) => d.path).sort();
      assert.deepEqual(paths, ["id", "occurredAt"]);
    });
  } finally {
    await s.close();
  }
});
