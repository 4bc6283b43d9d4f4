import assert from "node:assert/strict";
import { transact } from "../lib/server/actor.ts";
import { keys } from "../lib/server/keys.ts";
import { type AgentState, decideAgent, newAgent } from "../actors/agent.ts";
import { onAgentCommit, writeAgent } from "../desk/persist.ts";
import { accept, transfer } from "../desk/actions.ts";
import { getAgent, setPresence } from "../desk/agents.ts";
import { receiveMessage } from "../desk/inbound.ts";
import { startDesk } from "../desk/runtime.ts";
import { inboundMessageSchema } from "../lib/shared/wire/api.ts";
import { testConfig } from "./harness.ts";

type Published = { agent: AgentState; versionstamp: string };

/** Agent states published to commit listeners, by versionstamp. */
function publications(kv: Deno.Kv): Published[] {
  const seen: Published[] = [];
  onAgentCommit(kv, (agent, versionstamp) => seen.push({ agent, versionstamp }));
  return seen;
}

const profile = {
  id: "ann",
  name: "Ann",
  initials: "A",
  login: "ann",
  role: "agent",
  teams: ["support"],
  categories: [],
  languages: ["en"],
  capacity: {
    realtime: { capacity: 2, maxCapacity: 3 },
    async: { capacity: 2, maxCapacity: 3 },
  },
};

Deno.test("persist - an agent written several times in one commit is published once, as stored", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const seen = publications(kv);
    const first = newAgent(profile, 0);
    const middle = decideAgent(first, { type: "occupy", group: "realtime", now: 1 });
    const last = decideAgent(middle, { type: "release", group: "realtime", now: 2 });
    await transact(kv, (tx) => {
      writeAgent(tx, null, first);
      writeAgent(tx, first, middle);
      writeAgent(tx, middle, last);
      return Promise.resolve();
    });
    const stored = await kv.get<AgentState>(keys.agent("ann"));
    assert.deepEqual(seen, [{ agent: stored.value, versionstamp: stored.versionstamp }]);
  } finally {
    kv.close();
  }
});

Deno.test("persist - a forced transfer back to the owner publishes only the agent state it stored", async () => {
  const kv = await Deno.openKv(":memory:");
  const runtime = await startDesk({ kv, config: await testConfig(), tickMs: 3_600_000 });
  try {
    const desk = runtime.desk;
    await setPresence(desk, "alice", "available");
    const m = inboundMessageSchema.parse({
      id: "m1",
      thread: { id: "t1" },
      author: { id: "c1" },
      body: "hello",
      categories: ["billing"],
    });
    const { interactionId } = await receiveMessage(desk, "webchat", m);
    await accept(desk, (await getAgent(desk, "alice"))!, interactionId!);
    await desk.dispatcher.settle();

    const seen = publications(kv);
    // Releases alice, then occupies her again: the middle state has one less in load.
    await transfer(desk, (await getAgent(desk, "sup"))!, interactionId!, { agentId: "alice", force: true });
    const stored = await kv.get<AgentState>(keys.agent("alice"));
    const forAlice = seen.filter((p) => p.agent.id === "alice");
    assert.equal(forAlice.length, 1, `published ${forAlice.length} states of alice for one commit`);
    assert.deepEqual(forAlice[0], { agent: stored.value, versionstamp: stored.versionstamp });
    assert.equal(stored.value!.load.realtime, 1);
  } finally {
    await runtime.stop();
    kv.close();
  }
});
