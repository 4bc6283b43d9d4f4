/**
 * The agent API over real HTTP and real KV (API.md "Agents"): sign-in and sessions, `/me`,
 * presence, folders with cursor paging and their counts, and the OpenAPI document. Every refused request is
 * checked against the API.md error body and a whole-store snapshot.
 */
import assert from "node:assert/strict";
import { keys } from "../lib/server/keys.ts";
import { type AgentClient, msg, PASSWORD, startServer } from "./harness.ts";
import {
  activeFor,
  AGENTS,
  assertError,
  assertUnchanged,
  config,
  fromNow,
  movableClock,
} from "./api_support.ts";

Deno.test("agents - signing in answers a token, a CSRF token and the agent, and sets an HttpOnly cookie", async () => {
  const s = await startServer({ config: await config() });
  try {
    const r = await s.request("POST", "/api/v1/session", { body: { login: "Alice", password: PASSWORD } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(typeof r.body.token, "string");
    assert.equal(typeof r.body.csrfToken, "string");
    assert.ok(Date.parse(r.body.expiresAt) > Date.now());
    assert.equal(r.body.agent.id, "alice");
    assert.equal(r.body.agent.presence, "offline");
    assert.equal(JSON.stringify(r.body).includes("pbkdf2"), false);
    const cookie = r.headers.get("set-cookie") ?? "";
    assert.match(cookie, /rd_session=/);
    assert.match(cookie, /HttpOnly/i);
  } finally {
    await s.close();
  }
});

Deno.test("agents - bad sign-in input is refused with 400 listing each path", async () => {
  const s = await startServer({ config: await config() });
  try {
    await assertUnchanged(s, async () => {
      assertError(
        await s.request("POST", "/api/v1/session", {
          raw: "{",
          headers: { "content-type": "application/json" },
        }),
        400,
        "invalid_json",
      );
      assertError(await s.request("POST", "/api/v1/session", { body: {} }), 400, "invalid_input", [
        "login",
        "password",
      ]);
      assertError(
        await s.request("POST", "/api/v1/session", { body: { login: 1, password: "" } }),
        400,
        "invalid_input",
        ["login", "password"],
      );
      assertError(
        await s.request("POST", "/api/v1/session", {
          body: { login: "alice", password: PASSWORD, admin: true },
        }),
        400,
        "invalid_input",
        ["admin"],
      );
    });
  } finally {
    await s.close();
  }
});

Deno.test("agents - wrong credentials answer 401 without telling which part was wrong", async () => {
  const s = await startServer({ config: await config() });
  try {
    await assertUnchanged(s, async () => {
      const wrongPassword = await s.request("POST", "/api/v1/session", {
        body: { login: "bob", password: "not-the-password" },
      });
      const unknownLogin = await s.request("POST", "/api/v1/session", {
        body: { login: "nobody", password: PASSWORD },
      });
      assertError(wrongPassword, 401, "bad_credentials");
      assertError(unknownLogin, 401, "bad_credentials");
      assert.equal(wrongPassword.body.error.message, unknownLogin.body.error.message);
      assert.equal(wrongPassword.headers.get("set-cookie"), null);
    });
  } finally {
    await s.close();
  }
});

Deno.test("agents - failed sign-ins make the next attempt wait, with the right password too, growing with each failure", async () => {
  const clock = movableClock();
  const s = await startServer({ config: await config({}, [...AGENTS, { id: "mallory" }]), clock });
  try {
    const attempt = (password: string, login = "mallory") =>
      s.request("POST", "/api/v1/session", { body: { login, password } });
    await assertUnchanged(s, async () => {
      for (let i = 0; i < 5; i++) assertError(await attempt("wrong-password"), 401, "bad_credentials");
      const refused = await attempt("wrong-password");
      assertError(refused, 429, "rate_limited");
      assert.equal(refused.headers.get("retry-after"), "1");
      assert.equal(refused.body.error.details.retryAfter, 1);
      assertError(await attempt(PASSWORD), 429, "rate_limited");
      // Logins are not case sensitive, nor is the counter.
      assertError(await attempt(PASSWORD, "MALLORY"), 429, "rate_limited");
    });
    // Another login is not affected.
    assert.equal((await attempt(PASSWORD, "bob")).status, 200);
    // After the delay one more guess is allowed; failing it doubles the wait.
    clock.advance(1000);
    assertError(await attempt("wrong-password"), 401, "bad_credentials");
    assert.equal((await attempt(PASSWORD)).headers.get("retry-after"), "2");
    clock.advance(2000);
    assert.equal((await attempt(PASSWORD)).status, 200, "the real agent signs in once the delay has passed");
    // Success forgets the login's failures.
    assertError(await attempt("wrong-password"), 401, "bad_credentials");
    assertError(await attempt("wrong-password"), 401, "bad_credentials");
  } finally {
    await s.close();
  }
});

Deno.test("agents - /me shows the agent with presence, load, capacity, folder counts and stats", async () => {
  const s = await startServer({ config: await config() });
  try {
    const alice = await s.agent("alice");
    const me = await alice.req("GET", "/api/v1/me");
    assert.equal(me.status, 200);
    assert.equal(me.body.id, "alice");
    assert.equal(me.body.presence, "offline");
    assert.deepEqual(me.body.load, { realtime: 0, async: 0 });
    assert.deepEqual(me.body.capacity.realtime, { capacity: 2, maxCapacity: 3 });
    assert.deepEqual(me.body.folders, { in_progress: 0, deferred: 0, history: 0 });
    assert.equal(me.body.stats.missed, 0);
    await alice.presence("available");
    await activeFor(alice, "t-me");
    const after = (await alice.req("GET", "/api/v1/me")).body;
    assert.equal(after.presence, "available");
    assert.equal(after.load.realtime, 1);
    assert.equal(after.folders.in_progress, 1);
    assert.equal(after.stats.offered, 1);
    assert.equal(after.stats.accepted, 1);
  } finally {
    await s.close();
  }
});

type Counts = { in_progress: number; deferred: number; history: number };

/** `/me` folder counts equal `expected`, and so do the folder listings. */
async function assertCounts(client: AgentClient, expected: Counts, when: string): Promise<void> {
  const me = await client.req("GET", "/api/v1/me");
  assert.equal(me.status, 200);
  assert.deepEqual(me.body.folders, expected, `${client.id}'s counts ${when}`);
  for (const f of ["in_progress", "deferred", "history"] as const) {
    assert.equal((await client.folder(f)).length, expected[f], `${client.id}'s ${f} listing ${when}`);
  }
}

Deno.test("agents - /me folder counts follow every move into and out of In progress, Deferred and History", async () => {
  const s = await startServer({ config: await config({}, [AGENTS[0], AGENTS[1]]) });
  try {
    const alice = await s.agent("alice", { available: true });
    const bob = await s.agent("bob");
    await assertCounts(alice, { in_progress: 0, deferred: 0, history: 0 }, "at first");
    const a = await activeFor(alice, "t-count-a");
    const b = await activeFor(alice, "t-count-b");
    await assertCounts(alice, { in_progress: 2, deferred: 0, history: 0 }, "with two active");
    assert.equal((await alice.act(a, "defer", { until: fromNow(3600_000) })).status, 200);
    await assertCounts(alice, { in_progress: 1, deferred: 1, history: 0 }, "after a deferral");
    assert.equal((await alice.act(b, "complete")).status, 200);
    await assertCounts(alice, { in_progress: 0, deferred: 1, history: 1 }, "after a completion");
    const c = await activeFor(alice, "t-count-c");
    assert.equal((await alice.act(c, "complete")).status, 200);
    await assertCounts(alice, { in_progress: 0, deferred: 1, history: 2 }, "after two completions");
    assert.equal((await alice.act(a, "resume")).status, 200);
    await assertCounts(alice, { in_progress: 1, deferred: 0, history: 2 }, "after resuming the deferred one");
    assert.equal((await alice.act(b, "resume")).status, 200);
    await assertCounts(alice, { in_progress: 2, deferred: 0, history: 1 }, "after resuming a completed one");
    // A transfer leaves the sender's folder; the offer counts in the receiver's In progress.
    await bob.presence("available");
    assert.equal((await alice.act(b, "transfer", { agentId: "bob" })).status, 200);
    await s.settle();
    await assertCounts(alice, { in_progress: 1, deferred: 0, history: 1 }, "after a transfer out");
    await assertCounts(bob, { in_progress: 1, deferred: 0, history: 0 }, "with the transferred offer");
    // Refused actions move nothing.
    assertError(await alice.act(c, "complete"), 409);
    await assertCounts(alice, { in_progress: 1, deferred: 0, history: 1 }, "after a refused action");
  } finally {
    await s.close();
  }
});

Deno.test("agents - a store written before the folder counters gets them counted at start", async () => {
  const dir = await Deno.makeTempDir({ prefix: "folder_counts_" });
  const kvPath = `${dir}/routing.kv`;
  try {
    const first = await startServer({ config: await config({}, [AGENTS[0]]), kvPath });
    try {
      const alice = await first.agent("alice", { available: true });
      const done = await activeFor(alice, "t-old-1");
      assert.equal((await alice.act(done, "complete")).status, 200);
      await activeFor(alice, "t-old-2");
    } finally {
      await first.close();
    }
    // What an older version left: folders, but no counters.
    const kv = await Deno.openKv(kvPath);
    const old = kv.atomic().delete(keys.folderCountsReady());
    for await (const e of kv.list({ prefix: keys.folderCounts() })) old.delete(e.key);
    assert.ok((await old.commit()).ok);
    kv.close();

    const second = await startServer({ config: await config({}, [AGENTS[0]]), kvPath });
    try {
      const alice = await second.agent("alice");
      await assertCounts(alice, { in_progress: 1, deferred: 0, history: 1 }, "after the restart");
    } finally {
      await second.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("agents - requests without a valid session answer 401", async () => {
  const s = await startServer({ config: await config() });
  try {
    const alice = await s.agent("alice");
    await assertUnchanged(s, async () => {
      assertError(await s.request("GET", "/api/v1/me"), 401);
      assertError(await s.request("GET", "/api/v1/me", { token: "forged-token" }), 401, "bad_token");
      assertError(
        await s.request("GET", "/api/v1/me", { headers: { authorization: "Basic YWxpY2U6eA==" } }),
        401,
      );
      assertError(await s.request("PUT", "/api/v1/me/presence", { body: { presence: "available" } }), 401);
      assertError(await s.request("GET", "/api/v1/me/folders/in_progress"), 401);
      assertError(await s.request("GET", "/api/v1/me/events"), 401);
      assertError(await s.request("GET", "/api/v1/interactions/whatever"), 401);
      assertError(await s.request("POST", "/api/v1/interactions/whatever/accept"), 401);
    });
    // Signing out ends the session.
    assert.equal((await alice.req("DELETE", "/api/v1/session")).status, 204);
    assertError(await alice.req("GET", "/api/v1/me"), 401, "bad_token");
  } finally {
    await s.close();
  }
});

Deno.test("agents - the session cookie works for reads, and state changes need the CSRF token", async () => {
  const s = await startServer({ config: await config() });
  try {
    const r = await s.request("POST", "/api/v1/session", { body: { login: "alice", password: PASSWORD } });
    const cookie = `rd_session=${r.body.token}`;
    const me = await s.request("GET", "/api/v1/me", { headers: { cookie } });
    assert.equal(me.status, 200);
    await assertUnchanged(s, async () => {
      assertError(
        await s.request("PUT", "/api/v1/me/presence", {
          body: { presence: "available" },
          headers: { cookie },
        }),
        403,
        "csrf",
      );
      assertError(
        await s.request("PUT", "/api/v1/me/presence", {
          body: { presence: "available" },
          headers: { cookie, "x-csrf-token": "guess" },
        }),
        403,
        "csrf",
      );
    });
    const ok = await s.request("PUT", "/api/v1/me/presence", {
      body: { presence: "available" },
      headers: { cookie, "x-csrf-token": r.body.csrfToken },
    });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.presence, "available");
  } finally {
    await s.close();
  }
});

Deno.test("agents - presence changes, and bad presence input is refused with 400", async () => {
  const s = await startServer({ config: await config() });
  try {
    const bob = await s.agent("bob");
    for (const p of ["available", "away", "offline", "available"] as const) {
      const r = await bob.req("PUT", "/api/v1/me/presence", { presence: p });
      assert.equal(r.status, 200);
      assert.equal(r.body.presence, p);
      assert.equal((await bob.req("GET", "/api/v1/me")).body.presence, p);
    }
    await assertUnchanged(s, async () => {
      assertError(await bob.req("PUT", "/api/v1/me/presence", { presence: "busy" }), 400, "invalid_input", [
        "presence",
      ]);
      assertError(await bob.req("PUT", "/api/v1/me/presence", {}), 400, "invalid_input", ["presence"]);
      assertError(
        await bob.req("PUT", "/api/v1/me/presence", { presence: "away", mood: "happy" }),
        400,
        "invalid_input",
        ["mood"],
      );
      assertError(
        await s.request("PUT", "/api/v1/me/presence", { raw: "{presence", token: bob.token }),
        400,
        "invalid_json",
      );
    });
    assert.equal((await bob.req("GET", "/api/v1/me")).body.presence, "available");
  } finally {
    await s.close();
  }
});

Deno.test("agents - folders page with a cursor, newest first, each item once", async () => {
  const s = await startServer({ config: await config({}, [AGENTS[0], AGENTS[1]]) });
  try {
    const alice = await s.agent("alice", { available: true });
    const done: string[] = [];
    for (let i = 0; i < 5; i++) {
      const id = await activeFor(alice, `t-page-${i}`);
      assert.equal((await alice.act(id, "complete")).status, 200);
      done.push(id);
    }
    const open = [await activeFor(alice, "t-open-1"), await activeFor(alice, "t-open-2")];
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
      const r = await alice.req("GET", `/api/v1/me/folders/history?limit=2${q}`);
      assert.equal(r.status, 200);
      assert.ok(r.body.items.length <= 2);
      for (const i of r.body.items) assert.equal(i.state, "completed");
      seen.push(...r.body.items.map((i: { id: string }) => i.id));
      cursor = r.body.cursor;
      pages++;
    } while (cursor && pages < 10);
    assert.deepEqual(seen, [...done].reverse(), "newest completed first, each once");
    const inProgress = await alice.req("GET", "/api/v1/me/folders/in_progress");
    assert.deepEqual(inProgress.body.items.map((i: { id: string }) => i.id).sort(), open.sort());
    assert.equal(inProgress.body.cursor, null);
    const deferred = await alice.req("GET", "/api/v1/me/folders/deferred?limit=5");
    assert.deepEqual(deferred.body, { items: [], cursor: null });
    // Folders are per agent (bob stayed offline, so got nothing).
    const bob = await s.agent("bob");
    assert.deepEqual((await bob.req("GET", "/api/v1/me/folders/history")).body, { items: [], cursor: null });
    assert.deepEqual((await bob.req("GET", "/api/v1/me/folders/in_progress")).body, {
      items: [],
      cursor: null,
    });
  } finally {
    await s.close();
  }
});

Deno.test("agents - folder entries hold records; a page shows current views and leaves out what left the folder", async () => {
  const s = await startServer({ config: await config({}, [AGENTS[0]]) });
  try {
    const alice = await s.agent("alice", { available: true });
    const gone = await activeFor(alice, "t-rec-3");
    assert.equal((await alice.act(gone, "complete")).status, 200);
    const open = [await activeFor(alice, "t-rec-1"), await activeFor(alice, "t-rec-2")];
    // A later message changes the preview: the folder entry is a record, the page shows it anyway.
    assert.equal((await s.inbound("webchat", msg("t-rec-1", { body: "Second words" }))).status, 202);
    for await (
      const e of s.kv.list<Record<string, unknown>>({ prefix: keys.folder("alice", "in_progress") })
    ) {
      assert.deepEqual(Object.keys(e.value).sort(), [
        "agentId",
        "categories",
        "id",
        "language",
        "sourceId",
        "state",
      ]);
    }
    // An entry listed before its interaction left the folder (written here as a leftover).
    await s.kv.set(keys.folderEntry("alice", "in_progress", 0, gone), { id: gone, state: "active" });
    const seen: { id: string; preview: { text: string } | null }[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
      const r = await alice.req("GET", `/api/v1/me/folders/in_progress?limit=1${q}`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.ok(r.body.items.length <= 1);
      seen.push(...r.body.items);
      cursor = r.body.cursor;
      pages++;
    } while (cursor && pages < 10);
    assert.deepEqual(
      seen.map((i) => i.id).sort(),
      [...open].sort(),
      "each open interaction once, the leftover left out",
    );
    assert.equal(seen.find((i) => i.id === open[0])?.preview?.text, "Second words");
    assert.ok(pages >= 3, "the leftover's page came back empty, with a cursor to go on");
  } finally {
    await s.close();
  }
});

Deno.test("agents - bad folder requests: unknown folder 404, bad limit or cursor 400", async () => {
  const s = await startServer({ config: await config() });
  try {
    const alice = await s.agent("alice");
    await assertUnchanged(s, async () => {
      assertError(await alice.req("GET", "/api/v1/me/folders/archive"), 404, "unknown_folder");
      assertError(await alice.req("GET", "/api/v1/me/folders/history?limit=0"), 400, "invalid_input", [
        "limit",
      ]);
      assertError(await alice.req("GET", "/api/v1/me/folders/history?limit=201"), 400, "invalid_input", [
        "limit",
      ]);
      assertError(await alice.req("GET", "/api/v1/me/folders/history?limit=ten"), 400, "invalid_input", [
        "limit",
      ]);
      assertError(await alice.req("GET", "/api/v1/me/folders/history?cursor=!!!"), 400, "invalid_input", [
        "cursor",
      ]);
    });
  } finally {
    await s.close();
  }
});

Deno.test("agents - the OpenAPI document lists every endpoint of the contract", async () => {
  const s = await startServer({ config: await config() });
  try {
    const r = await s.request("GET", "/api/v1/openapi.json");
    assert.equal(r.status, 200);
    assert.match(r.headers.get("content-type") ?? "", /application\/json/);
    assert.match(r.body.openapi, /^3\./);
    const expected: [string, string][] = [
      ["post", "/api/v1/sources/{sourceId}/messages"],
      ["post", "/api/v1/sources/{sourceId}/events"],
      ["post", "/api/v1/session"],
      ["get", "/api/v1/me"],
      ["put", "/api/v1/me/presence"],
      ["get", "/api/v1/me/folders/{folder}"],
      ["get", "/api/v1/me/events"],
      ["get", "/api/v1/interactions/{id}"],
      ["post", "/api/v1/interactions/{id}/accept"],
      ["post", "/api/v1/interactions/{id}/reply"],
      ["post", "/api/v1/interactions/{id}/defer"],
      ["post", "/api/v1/interactions/{id}/resume"],
      ["post", "/api/v1/interactions/{id}/transfer"],
      ["post", "/api/v1/interactions/{id}/complete"],
      ["post", "/api/v1/threads/{id}/categorize"],
      ["post", "/api/v1/threads/{id}/language"],
      ["get", "/api/v1/threads/{id}/audit"],
    ];
    for (const [method, path] of expected) {
      const op = r.body.paths?.[path]?.[method];
      assert.ok(op, `${method.toUpperCase()} ${path} missing from the OpenAPI document`);
      assert.equal(typeof op.summary, "string");
      assert.ok(op.responses, `${method} ${path} has no responses`);
    }
    // Thread controls are documented (one templated path or one per control).
    const paths = Object.keys(r.body.paths);
    assert.ok(paths.some((p) => /^\/api\/v1\/threads\/\{id\}\/(\{\w+\}|lock)$/.test(p)), paths.join(", "));
    // Bodies are described with the schemas the server validates with.
    const transfer =
      r.body.paths["/api/v1/interactions/{id}/transfer"].post.requestBody.content["application/json"].schema;
    assert.deepEqual(Object.keys(transfer.properties).sort(), [
      "agentId",
      "categories",
      "comment",
      "force",
      "language",
      "teamId",
    ]);
    assert.ok(r.body.paths["/api/v1/interactions/{id}/reply"].post.responses["201"]);
  } finally {
    await s.close();
  }
});
