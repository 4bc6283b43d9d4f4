import assert from "node:assert/strict";
import { msg, startServer } from "./harness.ts";

Deno.test("routing - an inbound message is offered live to an available agent who accepts and replies", async () => {
  const s = await startServer();
  try {
    const alice = await s.agent("alice", { available: true });
    const events = alice.events();
    await events.ready;
    const r = await s.inbound("webchat", msg("t1", { categories: ["billing"] }));
    assert.equal(r.status, 202);
    const offered = await events.next("interaction.offered");
    assert.equal(offered.data.interactionId, r.body.interactionId);
    const acc = await alice.act(r.body.interactionId, "accept");
    assert.equal(acc.status, 200);
    assert.equal(acc.body.interaction.state, "active");
    const rep = await alice.act(r.body.interactionId, "reply", { body: "Hi!" });
    assert.equal(rep.status, 201);
    events.close();
  } finally {
    await s.close();
  }
});
