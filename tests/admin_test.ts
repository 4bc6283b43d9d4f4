import assert from "node:assert/strict";
import { msg, startServer, testConfig } from "./harness.ts";

const withAdmin = (agents = [
  { id: "alice", categories: ["billing"], languages: ["en"] },
  { id: "root", role: "admin", languages: ["en"] },
]) => testConfig({ roles: { agent: ["accept", "reply", "complete"], admin: ["admin"] } }, agents);

Deno.test("admin - reads the running configuration with secrets and passwords redacted", async () => {
  const s = await startServer({ config: await withAdmin() });
  try {
    const root = await s.agent("root");
    const r = await root.req("GET", "/api/v1/admin/config");
    assert.equal(r.status, 200);
    assert.equal(r.body.sources[0].secret, "********");
    assert.equal(r.body.agents[0].passwordHash, undefined);
    const alice = await s.agent("alice");
    assert.equal((await alice.req("GET", "/api/v1/admin/config")).status, 403);
  } finally {
    await s.close();
  }
});

Deno.test("admin - an invalid configuration is refused with every bad path and nothing changes", async () => {
  const s = await startServer({ config: await withAdmin() });
  try {
    const root = await s.agent("root");
    const current = (await root.req("GET", "/api/v1/admin/config")).body;
    const bad = {
      ...current,
      bogus: 1,
      agents: [{ ...current.agents[0], teams: ["nowhere"] }, current.agents[1]],
    };
    const r = await root.req("PUT", "/api/v1/admin/config", bad);
    assert.equal(r.status, 400);
    const paths = r.body.error.details.map((d: { path: string }) => d.path);
    assert.ok(paths.includes("bogus"), JSON.stringify(paths));
    assert.ok(paths.includes("agents.0.teams.0"), JSON.stringify(paths));
    assert.equal(s.desk.config.agents[0].teams[0], "support");
  } finally {
    await s.close();
  }
});

Deno.test("admin - a configuration change dispatches waiting work at once", async () => {
  const s = await startServer({ config: await withAdmin() });
  try {
    const root = await s.agent("root");
    const alice = await s.agent("alice", { available: true });
    // Alice does not speak French: the interaction waits.
    const r = await s.inbound("webchat", msg("fr-1", { language: "fr" }));
    await s.settle();
    assert.equal((await alice.folder("in_progress")).length, 0);
    const current = (await root.req("GET", "/api/v1/admin/config")).body;
    const next = {
      ...current,
      agents: current.agents.map((a: { id: string }) =>
        a.id === "alice" ? { ...a, languages: ["en", "fr"] } : a
      ),
    };
    const put = await root.req("PUT", "/api/v1/admin/config", next);
    assert.equal(put.status, 200, JSON.stringify(put.body));
    await s.settle();
    const items = await alice.folder("in_progress");
    assert.equal(items[0]?.id, r.body.interactionId);
    assert.equal(items[0]?.state, "offered");
    // Redacted secrets were kept: the webhook still verifies.
    assert.equal((await s.inbound("webchat", msg("fr-2"))).status, 202);
  } finally {
    await s.close();
  }
});
