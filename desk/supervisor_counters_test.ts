import assert from "node:assert/strict";
import { transact } from "../lib/server/actor.ts";
import { keys } from "../lib/server/keys.ts";
import type { AgentState } from "../actors/agent.ts";
import { stageAgentSupervision } from "./supervisor_counters.ts";

/** The fields a move log reads (the rest of an agent plays no part here). */
const agent = (id: string) =>
  ({ id, presence: "away", presenceSince: new Date(0).toISOString() }) as Partial<AgentState> as AgentState;

Deno.test("supervision - a commit moving agents several times writes one move-log entry and bumps the head once", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    // As a dispatch commit of two offers: each agent moves twice (figures, then load).
    await transact(kv, (tx) => {
      for (const id of ["alice", "bob", "alice", "bob"]) stageAgentSupervision(tx, agent(id), agent(id));
      return Promise.resolve();
    });
    const entries = await Array.fromAsync(kv.list<string[]>({ prefix: keys.supervisionAgentLogs() }));
    assert.equal(entries.length, 1);
    assert.deepEqual(entries[0].value, ["alice", "bob"]);
    assert.equal((await kv.get<Deno.KvU64>(keys.supervisionAgentsHead())).value?.value, 1n);
    // The next commit: an entry of its own, the head moves by one more.
    await transact(kv, (tx) => {
      stageAgentSupervision(tx, agent("carol"), agent("carol"));
      return Promise.resolve();
    });
    const all = await Array.fromAsync(kv.list<string[]>({ prefix: keys.supervisionAgentLogs() }));
    assert.deepEqual(all.map((e) => e.value), [["alice", "bob"], ["carol"]]);
    assert.equal((await kv.get<Deno.KvU64>(keys.supervisionAgentsHead())).value?.value, 2n);
  } finally {
    kv.close();
  }
});
