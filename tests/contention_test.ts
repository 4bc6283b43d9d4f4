/**
 * No lost actions under contention (issue 10 item 1), at a small size: sixteen sessions acting
 * at once for each of two agents — accept, reply, complete, each session its own share of the
 * agent's offers — while the dispatcher offers the waiting interactions as capacity frees up.
 * Every action succeeds; none answers 409 `contention` (before the keyed lock, this size lost
 * about five accepts a run). `deno task bench --only=contention` runs the same load at the
 * bench's size.
 */
import assert from "node:assert/strict";
import { contentionLoad } from "../scripts/bench/contention.ts";
import { stats } from "../lib/server/actor.ts";
import { msg, PASSWORD, startServer } from "./harness.ts";
import { config } from "./api_support.ts";

const capacity = { realtime: { capacity: 16, maxCapacity: 16 } };

Deno.test("contention - 16 clients per agent complete every action, none lost to contention", async () => {
  const s = await startServer({
    config: await config({}, [{ id: "alice", capacity }, { id: "bob", capacity }]),
  });
  try {
    for (const id of ["alice", "bob"]) await (await s.agent(id)).presence("available");
    const conflictsBefore = stats.conflicts;
    const r = await contentionLoad({
      url: s.url,
      inbound: async (thread) => (await s.inbound("webchat", msg(thread))).body.interactionId,
      signIn: async (login) =>
        (await s.request("POST", "/api/v1/session", { body: { login, password: PASSWORD } })).body.token,
    }, { agents: ["alice", "bob"], clients: 16, perAgent: 32, timeoutMs: 60_000 });
    assert.deepEqual(r.failures, {}, "every action succeeded");
    assert.equal(r.contentionFailures, 0);
    assert.equal(r.completed, 64, "every interaction completed");
    assert.equal(r.actions, 64 * 3, "accept, reply and complete once each: no action retried by the client");
    console.log(
      `contention: ${r.actions} actions in ${r.seconds.toFixed(2)} s, ` +
        `${stats.conflicts - conflictsBefore} optimistic retries inside the server`,
    );
  } finally {
    await s.close();
  }
});
