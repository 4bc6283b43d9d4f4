// deno-lint-ignore-file no-explicit-any -- API bodies in tests are untyped JSON; each test asserts the fields it reads.
/**
 * Configuration as versioned data in KV (SPEC M1, M1a; API.md "Configuration at run time"):
 * versions, ETag / If-Match, restore, the audit log, restarts, and a second server process on
 * the same KV file following a change.
 */
import assert from "node:assert/strict";
import { type AgentClient, msg, PASSWORD, startServer, testConfig, type TestServer } from "./harness.ts";
import { ServerProcess } from "./server_process.ts";
import { sign } from "../lib/server/crypto.ts";

const adminConfig = () =>
  testConfig({ roles: { agent: ["accept", "reply", "complete"], admin: ["admin"] } }, [
    { id: "alice", categories: ["billing"], languages: ["en"] },
    { id: "root", role: "admin", languages: ["en"] },
  ]);

/** Alice's realtime capacity set on the agent (the group's default is 2). */
const withAliceCapacity = (config: any, capacity: number) => ({
  ...config,
  agents: config.agents.map((a: any) =>
    a.id === "alice" ? { ...a, capacity: { realtime: { capacity, maxCapacity: 3 } } } : a
  ),
});

async function current(root: AgentClient) {
  const r = await root.req("GET", "/api/v1/admin/config");
  assert.equal(r.status, 200);
  return { config: r.body, etag: r.headers.get("etag") };
}

async function withServer(fn: (s: TestServer, root: AgentClient) => Promise<void>) {
  const s = await startServer({ config: await adminConfig() });
  try {
    await fn(s, await s.agent("root"));
  } finally {
    await s.close();
  }
}

Deno.test("admin config - every save is a numbered version with who, when and what changed", async () => {
  await withServer(async (s, root) => {
    const first = await current(root);
    assert.equal(first.etag, '"1"');
    const put = await root.req("PUT", "/api/v1/admin/config", withAliceCapacity(first.config, 3));
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.equal(put.headers.get("etag"), '"2"');
    assert.equal(put.body.agents[0].capacity.realtime.capacity, 3);
    assert.equal(s.desk.ctx.profileOf(s.desk.ctx.agentConfig("alice")!).capacity.realtime.capacity, 3);
    assert.equal((await current(root)).etag, '"2"');

    const list = await root.req("GET", "/api/v1/admin/config/versions");
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.items.map((v: any) => v.version), [2, 1]);
    const [v2, v1] = list.body.items;
    assert.deepEqual(v2.actor, { type: "agent", id: "root", name: "Root" });
    assert.equal(v2.summary, "realtime capacity of Alice 2 → 3");
    assert.ok(!Number.isNaN(Date.parse(v2.at)));
    assert.equal(v1.actor.type, "file");
    assert.equal(v1.summary, "initial configuration from the configuration file");

    // Paging, newest first.
    const p1 = await root.req("GET", "/api/v1/admin/config/versions?limit=1");
    assert.deepEqual(p1.body.items.map((v: any) => v.version), [2]);
    const p2 = await root.req("GET", `/api/v1/admin/config/versions?limit=1&cursor=${p1.body.cursor}`);
    assert.deepEqual(p2.body.items.map((v: any) => v.version), [1]);
    assert.equal((await root.req("GET", "/api/v1/admin/config/versions?cursor=forged")).status, 400);

    // Saving the same configuration again makes no version.
    const again = await root.req("PUT", "/api/v1/admin/config", put.body);
    assert.equal(again.status, 200);
    assert.equal(again.headers.get("etag"), '"2"');

    // One version, redacted.
    const one = await root.req("GET", "/api/v1/admin/config/versions/2");
    assert.equal(one.status, 200);
    assert.equal(one.body.version, 2);
    assert.equal(one.body.config.sources[0].secret, "********");
    assert.equal(one.body.config.agents[0].passwordHash, undefined);
    assert.equal((await root.req("GET", "/api/v1/admin/config/versions/99")).status, 404);
    assert.equal((await root.req("GET", "/api/v1/admin/config/versions/abc")).status, 400);
  });
});

Deno.test("admin config - a stale If-Match answers 412 with the current version and changes nothing", async () => {
  await withServer(async (s, root) => {
    const { config } = await current(root);
    const ok = await root.req("PUT", "/api/v1/admin/config", withAliceCapacity(config, 3));
    assert.equal(ok.status, 200);
    // A second admin still holding version 1 saves.
    const stale = await s.request("PUT", "/api/v1/admin/config", {
      body: withAliceCapacity(config, 1),
      token: root.token,
      headers: { "if-match": '"1"' },
    });
    assert.equal(stale.status, 412);
    assert.equal(stale.body.error.code, "version_conflict");
    // The stale admin is shown what the other one changed.
    assert.deepEqual(stale.body.error.details, {
      version: 2,
      expected: 1,
      changes: ["realtime capacity of Alice 2 → 3"],
    });
    const after = await current(root);
    assert.equal(after.etag, '"2"');
    assert.equal(after.config.agents[0].capacity.realtime.capacity, 3);
    const versions = await root.req("GET", "/api/v1/admin/config/versions");
    assert.equal(versions.body.items.length, 2);
    // Stale and invalid at once: the stale version is what the admin must hear about.
    const both = await s.request("PUT", "/api/v1/admin/config", {
      body: { ...config, bogus: true },
      token: root.token,
      headers: { "if-match": '"1"' },
    });
    assert.equal(both.status, 412);
    // A garbled If-Match names no version: refused the same way.
    const garbled = await s.request("PUT", "/api/v1/admin/config", {
      body: config,
      token: root.token,
      headers: { "if-match": "yesterday" },
    });
    assert.equal(garbled.status, 412);
    // The current version (or *) is accepted.
    const fresh = await s.request("PUT", "/api/v1/admin/config", {
      body: withAliceCapacity(after.config, 1),
      token: root.token,
      headers: { "if-match": after.etag! },
    });
    assert.equal(fresh.status, 200, JSON.stringify(fresh.body));
    assert.equal(fresh.headers.get("etag"), '"3"');
  });
});

Deno.test("admin config - restore makes a new version equal to an old one", async () => {
  await withServer(async (s, root) => {
    const { config } = await current(root);
    await root.req("PUT", "/api/v1/admin/config", withAliceCapacity(config, 3));
    const r = await root.req("POST", "/api/v1/admin/config/versions/1/restore");
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.headers.get("etag"), '"3"');
    assert.deepEqual(r.body.agents[0].capacity, {});
    assert.equal(s.desk.ctx.profileOf(s.desk.ctx.agentConfig("alice")!).capacity.realtime.capacity, 2);
    const v3 = (await root.req("GET", "/api/v1/admin/config/versions/3")).body;
    assert.equal(v3.restoredFrom, 1);
    assert.equal(v3.summary, "restored version 1: realtime capacity of Alice 3 → 2");
    assert.equal((await root.req("POST", "/api/v1/admin/config/versions/9/restore")).status, 404);
    const stale = await s.request("POST", "/api/v1/admin/config/versions/2/restore", {
      token: root.token,
      headers: { "if-match": '"2"' },
    });
    assert.equal(stale.status, 412);
    assert.equal((await current(root)).etag, '"3"');
  });
});

Deno.test("admin config - every change is in the administration audit log; non-admins get 403", async () => {
  await withServer(async (s, root) => {
    const { config } = await current(root);
    await root.req("PUT", "/api/v1/admin/config", withAliceCapacity(config, 3));
    await root.req("POST", "/api/v1/admin/config/versions/1/restore");
    const audit = await root.req("GET", "/api/v1/admin/audit");
    assert.equal(audit.status, 200);
    assert.deepEqual(
      audit.body.items.map((e: any) => [e.action, e.version, e.actor.id]),
      [["config.restore", 3, "root"], ["config.put", 2, "root"], ["config.import", 1, null]],
    );
    assert.equal(audit.body.items[1].summary, "realtime capacity of Alice 2 → 3");
    // Summaries are worded in the reader's language (U7).
    const fr = await root.req("GET", "/api/v1/admin/audit?lang=fr");
    assert.equal(fr.body.items[1].summary, "capacité realtime de Alice 2 → 3");
    assert.equal(fr.body.items[0].summary, "version 1 restaurée : capacité realtime de Alice 3 → 2");
    const versionsFr = await root.req("GET", "/api/v1/admin/config/versions?lang=fr&limit=1");
    assert.deepEqual(versionsFr.body.items[0].changes, ["capacité realtime de Alice 3 → 2"]);
    const oneFr = await root.req("GET", "/api/v1/admin/config/versions/1?lang=fr");
    assert.equal(oneFr.body.summary, "configuration initiale depuis le fichier de configuration");
    assert.equal((await root.req("GET", "/api/v1/admin/audit?lang=de")).status, 400);
    const alice = await s.agent("alice");
    for (
      const [method, path] of [
        ["GET", "/api/v1/admin/audit"],
        ["GET", "/api/v1/admin/config/versions"],
        ["GET", "/api/v1/admin/config/versions/1"],
        ["POST", "/api/v1/admin/config/versions/1/restore"],
        ["PUT", "/api/v1/admin/config"],
      ]
    ) {
      assert.equal((await alice.req(method, path, method === "PUT" ? config : undefined)).status, 403, path);
    }
    assert.equal((await root.req("GET", "/api/v1/admin/config/versions")).body.items.length, 3);
  });
});

Deno.test("admin config - a restart keeps the latest version; a changed file is imported as a new version", async () => {
  const dir = await Deno.makeTempDir({ prefix: "admin_config_" });
  const kvPath = `${dir}/routing.kv`;
  try {
    const file = await adminConfig();
    let s = await startServer({ config: file, kvPath });
    let root = await s.agent("root");
    await root.req("PUT", "/api/v1/admin/config", withAliceCapacity((await current(root)).config, 3));
    await s.close();

    s = await startServer({ config: file, kvPath });
    root = await s.agent("root");
    let now = await current(root);
    assert.equal(now.etag, '"2"');
    assert.equal(now.config.agents[0].capacity.realtime.capacity, 3);
    await s.close();

    // The file changed: its content becomes a new version by the file.
    const edited = { ...file, routing: { ...file.routing, strategy: "round_robin" as const } };
    s = await startServer({ config: edited, kvPath });
    root = await s.agent("root");
    now = await current(root);
    assert.equal(now.etag, '"3"');
    assert.equal(now.config.routing.strategy, "round_robin");
    const v3 = (await root.req("GET", "/api/v1/admin/config/versions?limit=1")).body.items[0];
    assert.equal(v3.actor.type, "file");
    assert.match(
      v3.summary,
      /^imported from the configuration file: .*routing strategy least_occupied → round_robin/,
    );
    await s.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "admin config - a second server process on the same KV file applies a change within 2 s",
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "admin_config_multi_" });
    const kvPath = `${dir}/routing.kv`;
    const configPath = `${dir}/config.json`;
    const config = await adminConfig();
    await Deno.writeTextFile(configPath, JSON.stringify(config));
    const s = await startServer({ config, kvPath });
    let child: ServerProcess | null = null;
    try {
      child = await ServerProcess.start({ KV_PATH: kvPath, ROUTING_CONFIG: configPath });
      const signIn = await child.request("POST", "/api/v1/session", {
        body: { login: "root", password: PASSWORD },
      });
      assert.equal(signIn.status, 200);
      const token = signIn.body.token;
      const childVersion = async () => {
        const r = await fetch(`${child!.url}/api/v1/admin/config`, {
          headers: { authorization: `Bearer ${token}` },
        });
        await r.body?.cancel();
        return r.headers.get("etag");
      };
      assert.equal(await childVersion(), '"1"', child.output);

      // A change saved on this process is running in the child within 2 s.
      const root = await s.agent("root");
      const put = await root.req(
        "PUT",
        "/api/v1/admin/config",
        withAliceCapacity((await current(root)).config, 3),
      );
      assert.equal(put.status, 200);
      const savedAt = Date.now();
      while ((await childVersion()) !== '"2"') {
        assert.ok(Date.now() - savedAt < 2000, "the child did not apply version 2 within 2 s");
        await new Promise((r) => setTimeout(r, 50));
      }
      const applied = await child.request("GET", "/api/v1/admin/config", { token });
      assert.equal(applied.body.agents[0].capacity.realtime.capacity, 3);

      // And the other way round: saved on the child, running here within 2 s.
      const restore = await child.request("POST", "/api/v1/admin/config/versions/1/restore", { token });
      assert.equal(restore.status, 200);
      const restoredAt = Date.now();
      while (s.desk.ctx.configVersion !== 3) {
        assert.ok(Date.now() - restoredAt < 2000, "this process did not apply version 3 within 2 s");
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.deepEqual(s.desk.ctx.agentConfig("alice")!.capacity, {});
    } finally {
      await child?.crash();
      await s.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("admin config - a rotated source secret keeps verifying during the grace period, then only the new one", async () => {
  let now = Date.parse("2026-12-01T10:00:00Z");
  const clock = { now: () => now };
  const s = await startServer({ config: await adminConfig(), clock });
  try {
    const root = await s.agent("root");
    const oldSecret = s.desk.config.sources[0].secret;
    const newSecret = "rotated-secret-0123456789";
    const { config } = await current(root);
    const put = await root.req("PUT", "/api/v1/admin/config", {
      ...config,
      secretGracePeriod: 3600,
      sources: config.sources.map((x: any) => x.id === "webchat" ? { ...x, secret: newSecret } : x),
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.equal(put.body.sources[0].secret, "********", "a secret is never returned");
    const v = (await root.req("GET", "/api/v1/admin/config/versions?limit=1")).body.items[0];
    assert.match(v.summary, /secret of source Web chat rotated/);
    assert.ok(!JSON.stringify(v).includes(newSecret) && !JSON.stringify(v).includes(oldSecret));

    // During the grace period both secrets verify.
    assert.equal((await s.inbound("webchat", msg("t-old-1"), oldSecret)).status, 202);
    assert.equal((await s.inbound("webchat", msg("t-new-1"), newSecret)).status, 202);
    assert.equal((await s.inbound("webchat", msg("t-bad"), "some-other-secret-000")).status, 401);
    // One second after it, only the new one.
    now += 3601_000;
    const late = await s.inbound("webchat", msg("t-old-2"), oldSecret);
    assert.equal(late.status, 401);
    assert.equal(late.body.error.code, "bad_signature");
    assert.equal((await s.inbound("webchat", msg("t-new-2"), newSecret)).status, 202);
  } finally {
    await s.close();
  }
});

Deno.test("admin config - a rotated expert secret verifies answers during the grace period, then not", async () => {
  let now = Date.parse("2026-12-01T10:00:00Z");
  const oldSecret = "expert-old-secret-0123456789";
  const config = await testConfig({
    roles: { agent: ["accept", "reply", "complete"], admin: ["admin"] },
    experts: [{ id: "bob", name: "Bob Expert", webhookUrl: "http://127.0.0.1:9/expert", secret: oldSecret }],
  }, [{ id: "root", role: "admin", languages: ["en"] }]);
  const s = await startServer({ config, clock: { now: () => now } });
  try {
    const root = await s.agent("root");
    const { config: before } = await current(root);
    assert.equal(before.experts[0].secret, "********");
    const newSecret = "expert-new-secret-0123456789";
    const put = await root.req("PUT", "/api/v1/admin/config", {
      ...before,
      experts: [{ ...before.experts[0], secret: newSecret }],
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    // The signature is checked before the answer is even read: an unknown question is a 404
    // when signed with a valid secret, a 401 otherwise.
    const answer = async (secret: string) => {
      const raw = JSON.stringify({ id: `a-${secret}`, questionId: "q-unknown", body: "hello" });
      return await s.request("POST", "/api/v1/experts/bob/answers", {
        raw,
        headers: { "x-signature": await sign(secret, raw) },
      });
    };
    assert.equal((await answer(oldSecret)).status, 404);
    assert.equal((await answer(newSecret)).status, 404);
    now += 86_400_001;
    assert.equal((await answer(oldSecret)).status, 401);
    assert.equal((await answer(newSecret)).status, 404);
  } finally {
    await s.close();
  }
});

Deno.test("admin config - a password is set or reset, never shown; the old one stops working", async () => {
  await withServer(async (s, root) => {
    const { config } = await current(root);
    assert.ok(config.agents.every((a: any) => a.password === undefined && a.passwordHash === undefined));
    const put = await root.req("PUT", "/api/v1/admin/config", {
      ...config,
      agents: config.agents.map((a: any) => a.id === "alice" ? { ...a, password: "brand-new-password" } : a),
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.equal(put.body.agents[0].password, undefined);
    const v = (await root.req("GET", "/api/v1/admin/config/versions?limit=1")).body.items[0];
    assert.equal(v.summary, "password of Alice reset");
    const signIn = (password: string) =>
      s.request("POST", "/api/v1/session", { body: { login: "alice", password } });
    assert.equal((await signIn("brand-new-password")).status, 200);
    assert.equal((await signIn(PASSWORD)).status, 401);
    // The stored version holds a hash, never the password.
    const kv = s.kv;
    const raw = JSON.stringify(
      [...(await Array.fromAsync(kv.list({ prefix: ["config_chunk"] })))].map((e) => e.value),
    );
    assert.ok(!raw.includes("brand-new-password"));
  });
});

Deno.test("admin config - malformed configurations answer 400 with paths, never 500, and change nothing", async () => {
  await withServer(async (s, root) => {
    const { config } = await current(root);
    const bodies: unknown[] = [
      null,
      [],
      5,
      "config",
      {},
      { ...config, agents: "x" },
      { ...config, sources: [null, 7] },
      { ...config, experts: [{ id: 1, secret: "********" }] },
      { ...config, agents: [{ ...config.agents[0], id: "new", login: "new" }] }, // a new agent needs a password
      { ...config, channelGroups: { realtime: { capacity: 9, maxCapacity: 1 } } },
      { ...config, sources: [{ ...config.sources[0], callbackUrl: "javascript:alert(1)" }] },
      { ...config, sources: [config.sources[0], config.sources[0]] },
      { ...config, actionLayout: { agent: { icons: ["lock", "lock"] } } },
      { ...config, secretGracePeriod: -1 },
    ];
    for (const body of bodies) {
      const r = await root.req("PUT", "/api/v1/admin/config", body);
      assert.equal(
        r.status,
        400,
        `${JSON.stringify(body).slice(0, 80)}: ${r.status} ${JSON.stringify(r.body)}`,
      );
      assert.ok(Array.isArray(r.body.error.details), JSON.stringify(r.body));
    }
    const raw = await s.request("PUT", "/api/v1/admin/config", {
      raw: "{not json",
      token: root.token,
      headers: { "content-type": "application/json" },
    });
    assert.equal(raw.status, 400);
    assert.equal((await current(root)).etag, '"1"');
    assert.equal((await root.req("GET", "/api/v1/admin/config/versions")).body.items.length, 1);
    assert.equal((await root.req("GET", "/api/v1/admin/audit")).body.items.length, 1);
  });
});
