import assert from "node:assert/strict";
import { testConfig } from "../lib/testing/fixtures.ts";
import { setPresence } from "./agents.ts";
import { startDesk } from "./runtime.ts";
import { builtOverview, overviewStats } from "./supervisor_overview.ts";

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
