// deno-lint-ignore-file no-explicit-any -- API bodies in tests are untyped JSON; each test asserts the fields it reads.
/**
 * Configuration changes take effect safely (SPEC M1, R4): capacity changes reach waiting work at
 * once, removing a category or a language leaves waiting interactions routable, and a disabled
 * or removed agent goes offline and gets no more work.
 */
import assert from "node:assert/strict";
import { type AgentClient, msg, startServer, testConfig, type TestServer } from "./harness.ts";

const config = () =>
  testConfig({ roles: { agent: ["accept", "reply", "complete"], admin: ["admin"] } }, [
    { id: "alice", categories: ["billing"], languages: ["en"] },
    { id: "root", role: "admin", categories: ["billing"], languages: ["en"] },
  ]);

async function withDesk(fn: (s: TestServer, root: AgentClient, alice: AgentClient) => Promise<void>) {
  const s = await startServer({ config: await config() });
  try {
    await fn(s, await s.agent("root"), await s.agent("alice", { available: true }));
  } finally {
    await s.close();
  }
}

async function save(root: AgentClient, edit: (c: any) => any) {
  const now = (await root.req("GET", "/api/v1/admin/config")).body;
  const r = await root.req("PUT", "/api/v1/admin/config", edit(now));
  assert.equal(r.status, 200, JSON.stringify(r.body));
  await root.server.settle();
  return r;
}

const offeredIds = async (a: AgentClient) =>
  (await a.folder("in_progress")).filter((i) => i.state === "offered").map((i) => i.id);

Deno.test("config effects - raising an agent's capacity offers waiting work at once", async () => {
  await withDesk(async (s, root, alice) => {
    await save(root, (c) => ({
      ...c,
      agents: c.agents.map((a: any) =>
        a.id === "alice" ? { ...a, capacity: { realtime: { capacity: 1, maxCapacity: 1 } } } : a
      ),
    }));
    const first = (await s.inbound("webchat", msg("cap-1"))).body.interactionId;
    const second = (await s.inbound("webchat", msg("cap-2"))).body.interactionId;
    await s.settle();
    assert.deepEqual(await offeredIds(alice), [first]);
    await save(root, (c) => ({
      ...c,
      agents: c.agents.map((a: any) =>
        a.id === "alice" ? { ...a, capacity: { realtime: { capacity: 2, maxCapacity: 2 } } } : a
      ),
    }));
    assert.deepEqual((await offeredIds(alice)).sort(), [first, second].sort());
  });
});

Deno.test("config effects - removing a category or a language keeps waiting interactions routable", async () => {
  await withDesk(async (s, root, alice) => {
    // Nobody holds "tech", and nobody speaks French: both wait.
    const tech = (await s.inbound("webchat", msg("cat-1", { categories: ["tech"] }))).body.interactionId;
    const french = (await s.inbound("webchat", msg("lang-1", { language: "fr" }))).body.interactionId;
    await s.settle();
    assert.deepEqual(await offeredIds(alice), []);
    await save(root, (c) => ({ ...c, categories: c.categories.filter((x: any) => x.id !== "tech") }));
    assert.deepEqual(await offeredIds(alice), [tech]);
    await save(root, (c) => ({ ...c, languages: ["en"] }));
    assert.deepEqual((await offeredIds(alice)).sort(), [tech, french].sort());
    // The interactions keep what they were given.
    const i = (await alice.req("GET", `/api/v1/interactions/${tech}`)).body.interaction;
    assert.deepEqual(i.categories, ["tech"]);
  });
});

Deno.test("config effects - a disabled agent goes offline and is offered nothing; a removed one too", async () => {
  await withDesk(async (s, root, alice) => {
    assert.equal((await alice.req("GET", "/api/v1/me")).body.presence, "available");
    await save(root, (c) => ({
      ...c,
      agents: c.agents.map((a: any) => a.id === "alice" ? { ...a, disabled: true } : a),
    }));
    const agent = await s.kv.get<any>(["agent", "alice"]);
    assert.equal(agent.value.presence, "offline");
    // Whatever its sessions still allow, it cannot become available.
    const refused = await alice.req("PUT", "/api/v1/me/presence", { presence: "available" });
    assert.ok([401, 409].includes(refused.status), JSON.stringify(refused.body));
    assert.equal((await s.kv.get<any>(["agent", "alice"])).value.presence, "offline");
    const waiting = (await s.inbound("webchat", msg("dis-1"))).body.interactionId;
    await s.settle();
    const queued = await s.kv.get<any>(["interaction", waiting]);
    assert.equal(queued.value.state, "queued");

    // Enabled again and available: the waiting work is offered.
    await save(root, (c) => ({
      ...c,
      agents: c.agents.map((a: any) => a.id === "alice" ? { ...a, disabled: false } : a),
    }));
    const again = await s.agent("alice", { available: true });
    assert.deepEqual(await offeredIds(again), [waiting]);

    // Removed: offline as well (its open work stays visible to supervisors).
    await save(root, (c) => ({ ...c, agents: c.agents.filter((a: any) => a.id !== "alice") }));
    assert.equal((await s.kv.get<any>(["agent", "alice"])).value.presence, "offline");
  });
});
