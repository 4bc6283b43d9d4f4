/**
 * Sessions that end (issue 10 item 2, the stream's side): when every session of an agent is
 * revoked, the auth side emits `session.ended` to the agent's feed; each open stream of that
 * agent writes it and closes. A stream whose own session is still valid (signed in again after
 * the revocation) lets it pass and stays open.
 */
import assert from "node:assert/strict";
import { transact } from "../lib/server/actor.ts";
import { SESSION_ENDED } from "../desk/live.ts";
import { feedCursor } from "../desk/feed.ts";
import { eventually, startServer } from "./harness.ts";
import { config } from "./api_support.ts";

const endSessions = (kv: Deno.Kv, agentId: string) =>
  transact(kv, (tx) => {
    tx.emit(agentId, SESSION_ENDED, { interactionId: null, reason: "revoked" });
    return Promise.resolve();
  });

Deno.test("session end - every stream of a revoked agent gets session.ended, then closes", async () => {
  const s = await startServer({ config: await config() });
  try {
    const first = await s.agent("alice");
    const second = await s.agent("alice");
    const bob = await s.agent("bob");
    const streams = [first.events(), first.events(), second.events()];
    const bobs = bob.events();
    for (const e of [...streams, bobs]) await e.ready;
    // The auth side revokes every session, then tells the feed.
    for (const a of [first, second]) assert.equal((await a.req("DELETE", "/api/v1/session")).status, 204);
    const beforeEnd = await feedCursor(s.kv, "alice");
    await endSessions(s.kv, "alice");
    for (const e of streams) {
      const ended = await e.next(SESSION_ENDED);
      assert.deepEqual(ended.data, { interactionId: null, reason: "revoked" });
      await eventually(() => e.closed, 5_000, "the stream to close after session.ended");
    }
    assert.ok(!bobs.closed, "another agent's stream stays open");
    assert.deepEqual(bobs.events, []);
    // A stream opened again with a new session, resuming from before the event, is not ended by it.
    const again = await s.agent("alice");
    const resumed = again.events(beforeEnd);
    await resumed.ready;
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(!resumed.closed);
    assert.ok(!resumed.events.some((e) => e.event === SESSION_ENDED), "history for this session");
    // Later events still flow on it.
    await again.presence("available");
    await endSessions(s.kv, "bob");
    assert.ok(!resumed.closed);
  } finally {
    await s.close();
  }
});
