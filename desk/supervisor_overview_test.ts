import assert from "node:assert/strict";
import { testConfig } from "../lib/testing/fixtures.ts";
import { setPresence } from "./agents.ts";
import { startDesk } from "./runtime.ts";
import { builtOverview, overviewStats } from "./supervisor_overview.ts";
import { readAgents, supervisionHeads } from "./supervisor_snapshot.ts";

const SCOPE = { all: true, teams: new Set<string>(), sources: new Set<string>() };

Deno.test("overview: after one agent's change the body equals a fresh read's, re-serialising one row", async () => {
  const agents = Array.from({ length: 150 }, (_, i) => ({
    id: `a${String(i).padStart(3, "0")}`,
    categories: ["billing"],
    languages: ["en"],
  }));
  const config = await testConfig({}, agents);
  const kv = await Deno.openKv(":memory:");
  const a = await startDesk({ kv, config, tickMs: 600_000 });
  try {
    const first = await builtOverview(a.desk, SCOPE);
    assert.equal(JSON.parse(new TextDecoder().decode(first.body)).agents.length, 150);
    const serialised = overviewStats.agentRowsSerialised;
    // An agent in the middle block moves: its row alone is serialised again.
    await setPresence(a.desk, "a075", "available");
    const followed = await builtOverview(a.desk, SCOPE);
    assert.equal(overviewStats.agentRowsSerialised, serialised + 1);
    assert.equal(followed.agents.blocks.filter((b, i) => b !== first.agents.blocks[i]).length, 1);
    const b = await startDesk({ kv, config, tickMs: 600_000 });
    try {
      const fresh = await builtOverview(b.desk, SCOPE);
      const body = (x: Uint8Array) => {
        const o = JSON.parse(new TextDecoder().decode(x));
        return JSON.stringify({ ...o, at: null });
      };
      assert.equal(body(followed.body), body(fresh.body));
      assert.equal(
        JSON.parse(new TextDecoder().decode(followed.body)).agents.find((r: { id: string }) =>
          r.id === "a075"
        )
          .presence,
        "available",
      );
    } finally {
      await b.stop();
    }
  } finally {
    await a.stop();
    kv.close();
  }
});

Deno.test("overview: a whole read that a commit overtakes still follows the log afterwards", async () => {
  const agents = Array.from(
    { length: 5 },
    (_, i) => ({ id: `b${i}`, categories: ["billing"], languages: ["en"] }),
  );
  const kv = await Deno.openKv(":memory:");
  const a = await startDesk({ kv, config: await testConfig({}, agents), tickMs: 600_000 });
  const now = () => a.desk.ctx.now();
  try {
    // The head is read, then an agent commit lands before the agents are listed (a busy desk).
    const head = (await supervisionHeads(a.desk)).agents;
    await setPresence(a.desk, "b1", "available");
    const whole = await readAgents(a.desk, now(), null, head);
    assert.equal(whole.whole, true);
    assert.equal(whole.agents.get("b1")?.state.presence, "available");
    // The next change is followed from the log: the overtaking commit is not counted as missing.
    await setPresence(a.desk, "b2", "available");
    const next = await readAgents(a.desk, now(), whole, (await supervisionHeads(a.desk)).agents);
    assert.equal(next.whole, false);
    assert.equal(next.agentsRead, 1);
    assert.equal(next.agents.get("b2")?.state.presence, "available");
    assert.equal(next.agents.get("b0"), whole.agents.get("b0"), "an agent that did not move keeps its entry");
    // A missing entry (expired) does not add up: every agent is read again.
    await setPresence(a.desk, "b3", "available");
    for await (const e of kv.list({ prefix: ["supervision_agent_log"] })) await kv.delete(e.key);
    const relisted = await readAgents(a.desk, now(), next, (await supervisionHeads(a.desk)).agents);
    assert.equal(relisted.whole, true);
    assert.equal(relisted.agents.get("b3")?.state.presence, "available");
  } finally {
    await a.stop();
    kv.close();
  }
});
