/**
 * Sessions that end (SPEC M1b) and sign-in throttling, over the real HTTP API and KV: disabling,
 * removing, a new password or a new role end the agent's sessions at once (next request 401,
 * `session.ended` on the stream, pending offers re-routed); throttles count every parallel guess
 * and hold across processes sharing one store.
 */
import assert from "node:assert/strict";
import { PASSWORD, startServer, testConfig, type TestServer } from "./harness.ts";
import { assertError, movableClock, newInteraction, offeredTo } from "./api_support.ts";
import type { StoredFeedEntry } from "../lib/server/actor.ts";
import { keys } from "../lib/server/keys.ts";
import type { Desk } from "../desk/desk.ts";
import { revokeAgentSessions, SIGN_IN_THROTTLE } from "../desk/sessions.ts";
import { hashPassword } from "../lib/server/crypto.ts";
import { stats } from "../lib/server/actor.ts";

/** Every entry of an agent's feed, oldest first (the test reads the store, not a stream). */
async function feedAfter(desk: Desk, agentId: string, _from: 0): Promise<StoredFeedEntry[]> {
  const out: StoredFeedEntry[] = [];
  for await (const e of desk.kv.list<StoredFeedEntry>({ prefix: keys.feed(agentId) })) out.push(e.value);
  return out;
}

const agents = [
  { id: "alice", categories: ["billing"], languages: ["en"] },
  { id: "bob", categories: ["billing"], languages: ["en"] },
  { id: "root", role: "admin", languages: ["en"] },
];
const withAdmin = () =>
  testConfig({
    roles: { agent: ["accept", "reply", "complete"], admin: ["admin"], lead: ["accept", "supervise"] },
    routing: { strategy: "round_robin" },
  }, agents);

/** Applies `change` to alice's entry of the running configuration, as an admin would. */
async function changeAlice(
  s: TestServer,
  change: (a: Record<string, unknown>) => Record<string, unknown> | null,
) {
  const root = await s.agent("root");
  const current = (await root.req("GET", "/api/v1/admin/config")).body;
  const next = {
    ...current,
    agents: current.agents.flatMap((a: Record<string, unknown>) => {
      if (a.id !== "alice") return [a];
      const changed = change(a);
      return changed ? [changed] : [];
    }),
  };
  const r = await root.req("PUT", "/api/v1/admin/config", next);
  assert.equal(r.status, 200, JSON.stringify(r.body));
}

/** Two servers on one KV file (two processes of one desk), closed and removed after `fn`. */
async function twoProcesses(
  fn: (a: TestServer, b: TestServer) => Promise<void>,
  options: { clock?: ReturnType<typeof movableClock> } = {},
): Promise<void> {
  const dir = await Deno.makeTempDir();
  const kvPath = `${dir}/shared.kv`;
  const config = await withAdmin();
  const a = await startServer({ config, kvPath, ...options });
  try {
    const b = await startServer({ config, kvPath, ...options });
    try {
      await fn(a, b);
    } finally {
      await b.close();
    }
  } finally {
    await a.close();
    await Deno.remove(dir, { recursive: true });
  }
}

const CHANGES: [string, (a: Record<string, unknown>) => Record<string, unknown> | null][] = [
  ["disabled", (a) => ({ ...a, disabled: true })],
  ["removed", () => null],
  ["password_changed", (a) => ({ ...a, password: "a-brand-new-password" })],
  ["role_changed", (a) => ({ ...a, role: "lead" })],
];

for (const [reason, change] of CHANGES) {
  Deno.test(`sessions - ${reason.replace("_", " ")}: the agent's next request answers 401 and its stream hears session.ended`, async () => {
    const s = await startServer({ config: await withAdmin() });
    try {
      const alice = await s.agent("alice", { available: true });
      const stream = alice.events();
      await stream.ready;
      assert.equal((await alice.req("GET", "/api/v1/me")).status, 200);
      await changeAlice(s, change);
      assertError(await alice.req("GET", "/api/v1/me"), 401, "bad_token");
      assertError(await alice.req("PUT", "/api/v1/me/presence", { presence: "available" }), 401);
      const ended = await stream.next("session.ended");
      assert.deepEqual(ended.data, { interactionId: null, reason });
      const login = (password: string) =>
        s.request("POST", "/api/v1/session", { body: { login: "alice", password } });
      if (reason === "password_changed") {
        assertError(await login(PASSWORD), 401, "bad_credentials");
        assert.equal((await login("a-brand-new-password")).status, 200);
      } else if (reason === "role_changed") {
        assert.equal((await login(PASSWORD)).status, 200, "a new role only needs a new sign-in");
      } else {
        assertError(await login(PASSWORD), 401, "bad_credentials");
      }
    } finally {
      await s.close();
    }
  });
}

Deno.test("sessions - a disabled agent's pending offer is withdrawn and re-routed, and nobody can make them available", async () => {
  const s = await startServer({ config: await withAdmin() });
  try {
    const alice = await s.agent("alice", { available: true });
    const id = await newInteraction(s, "t-revoke");
    await s.settle();
    await offeredTo(alice, id);
    const bob = await s.agent("bob", { available: true });
    await changeAlice(s, (a) => ({ ...a, disabled: true }));
    await s.settle();
    await offeredTo(bob, id);
    const agent = (await s.kv.get<{ presence: string; load: { realtime: number } }>(["agent", "alice"]))
      .value!;
    assert.equal(agent.presence, "offline");
    assert.equal(agent.load.realtime, 0, "the withdrawn offer no longer counts against alice");
    const feed = (await feedAfter(s.desk, "alice", 0)).map((e) => [e.event, e.data.reason ?? null]);
    // Signed out first (nothing new is offered to them), then the pending offer is taken back.
    assert.deepEqual(feed.slice(-2), [["session.ended", "disabled"], [
      "interaction.withdrawn",
      "agent_signed_out",
    ]]);
    const { setPresence } = await import("../desk/agents.ts");
    await assert.rejects(setPresence(s.desk, "alice", "available"), /disabled/);
  } finally {
    await s.close();
  }
});

Deno.test("sessions - a configuration saved unchanged ends nobody's session", async () => {
  const s = await startServer({ config: await withAdmin() });
  try {
    const alice = await s.agent("alice");
    await changeAlice(s, (a) => a);
    assert.equal((await alice.req("GET", "/api/v1/me")).status, 200);
    await changeAlice(s, (a) => ({ ...a, name: "Alice Renamed" }));
    assert.equal((await alice.req("GET", "/api/v1/me")).body.name, "Alice Renamed");
  } finally {
    await s.close();
  }
});

Deno.test("sessions - a session ended in one process is ended in another on the same store", () =>
  twoProcesses(async (a, b) => {
    const alice = await a.agent("alice");
    assert.equal((await b.request("GET", "/api/v1/me", { token: alice.token })).status, 200);
    await changeAlice(a, (x) => ({ ...x, disabled: true }));
    assertError(await b.request("GET", "/api/v1/me", { token: alice.token }), 401, "bad_token");
  }));

Deno.test("sessions - a token another process knows (its session read there before) is refused there once signed out here", () =>
  // Each process remembers which agent a token's session names, to read the session, the
  // credential and the agent in one trip: the session itself must still be read every time.
  twoProcesses(async (a, b) => {
    const alice = await a.agent("alice");
    const bob = await a.agent("bob");
    for (let i = 0; i < 2; i++) {
      assert.equal((await b.request("GET", "/api/v1/me", { token: alice.token })).status, 200);
      assert.equal((await b.request("GET", "/api/v1/me", { token: bob.token })).body.id, "bob");
    }
    assert.equal((await alice.req("DELETE", "/api/v1/session")).status, 204);
    assertError(await b.request("GET", "/api/v1/me", { token: alice.token }), 401, "bad_token");
    // Bob's session, known to b the same way, is untouched; a new password ends it there too.
    assert.equal((await b.request("GET", "/api/v1/me", { token: bob.token })).status, 200);
    await revokeAgentSessions(a.desk, "bob", "password_changed");
    assertError(await b.request("GET", "/api/v1/me", { token: bob.token }), 401, "bad_token");
  }));

Deno.test("sign-in throttle - 20 parallel wrong guesses all count: 5 are checked, the rest wait with Retry-After", async () => {
  const clock = movableClock();
  const s = await startServer({ config: await withAdmin(), clock });
  try {
    const guess = (password: string) =>
      s.request("POST", "/api/v1/session", { body: { login: "alice", password } });
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => guess(`wrong-${i}-password`)));
    const statuses = answers.map((r) => r.status).sort();
    assert.deepEqual(statuses, [...Array(5).fill(401), ...Array(15).fill(429)], JSON.stringify(statuses));
    for (const r of answers.filter((r) => r.status === 429)) {
      assert.ok(Number(r.headers.get("retry-after")) >= 1, "every 429 says when to come back");
    }
    const right = await guess(PASSWORD);
    assertError(right, 429, "rate_limited");
    clock.advance(Number(right.headers.get("retry-after")) * 1000);
    assert.equal((await guess(PASSWORD)).status, 200, "the real agent signs in after the delay");
  } finally {
    await s.close();
  }
});

Deno.test("sign-in throttle - one client guessing many logins is slowed down for every login", async () => {
  const clock = movableClock();
  const s = await startServer({ config: await withAdmin(), clock });
  try {
    for (let i = 0; i < SIGN_IN_THROTTLE.address.free; i++) {
      const r = await s.request("POST", "/api/v1/session", {
        body: { login: `nobody-${i}`, password: "guess-guess" },
      });
      assertError(r, 401, "bad_credentials");
    }
    const r = await s.request("POST", "/api/v1/session", { body: { login: "bob", password: PASSWORD } });
    assertError(r, 429, "rate_limited");
    clock.advance(1000);
    assert.equal(
      (await s.request("POST", "/api/v1/session", { body: { login: "bob", password: PASSWORD } })).status,
      200,
    );
  } finally {
    await s.close();
  }
});

Deno.test("sign-in throttle - a shift of 200 agents signs in at once through one address, while 20 parallel wrong guesses all count", async () => {
  const clock = movableClock();
  // A cheap hash keeps 220 verifications quick: the throttle, not PBKDF2, is under test.
  const cheap = await hashPassword(PASSWORD, 1000);
  const shift = Array.from({ length: 200 }, (_, i) => ({ id: `agent${i}` }));
  const base = await testConfig({}, [...shift, { id: "target" }]);
  const config = { ...base, agents: base.agents.map((a) => ({ ...a, passwordHash: cheap })) };
  const s = await startServer({ config, clock });
  try {
    const signIn = (login: string, password: string) =>
      s.request("POST", "/api/v1/session", { body: { login, password } });
    // Every request of the test comes from 127.0.0.1: one address, as behind a contact centre's NAT.
    const conflictsBefore = stats.conflicts;
    const shiftAnswers = await Promise.all(shift.map((a) => signIn(a.id, PASSWORD)));
    assert.deepEqual(
      shiftAnswers.map((r) => r.status).filter((st) => st !== 200),
      [],
      "no 409 and no 429 for a shift signing in",
    );
    assert.equal(stats.conflicts - conflictsBefore, 0, "the address throttle is not a hot key");

    // Guesses against one login, all at once: the login's checked count holds 5, the rest wait.
    const guesses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => signIn("target", `wrong-${i}-guess`)),
    );
    const statuses = guesses.map((r) => r.status).sort();
    assert.deepEqual(statuses, [...Array(5).fill(401), ...Array(15).fill(429)], JSON.stringify(statuses));
    // Guesses spread over many logins all count at the address: the 100th failure starts its delays.
    clock.advance(10 * 60_000);
    const spread = await Promise.all(
      Array.from({ length: 20 }, (_, i) => signIn(`agent${i}`, `wrong-${i}-guess`)),
    );
    assert.deepEqual(spread.map((r) => r.status), Array(20).fill(401));
    const failures = async () => {
      let n = 0;
      for await (const e of s.kv.list<Deno.KvU64>({ prefix: ["throttle", "sign_in_address", "127.0.0.1"] })) {
        if (e.key[3] === "failures") n += Number(e.value.value);
      }
      return n;
    };
    assert.equal(await failures(), 25, "5 checked guesses on one login + 20 spread over logins");
    const more = SIGN_IN_THROTTLE.address.free - 25;
    for (let i = 0; i < more; i++) {
      assertError(await signIn(`nobody-${i}`, "guess-guess"), 401, "bad_credentials");
    }
    const refused = await signIn("agent150", PASSWORD);
    assertError(refused, 429, "rate_limited");
    assert.ok(Number(refused.headers.get("retry-after")) >= 1);
    clock.advance(Number(refused.headers.get("retry-after")) * 1000);
    assert.equal((await signIn("agent150", PASSWORD)).status, 200, "a delay, never a lock");
  } finally {
    await s.close();
  }
});

Deno.test("sign-in throttle - failures in one process count in another on the same store", () =>
  twoProcesses(async (a, b) => {
    const guess = (s: TestServer, password: string) =>
      s.request("POST", "/api/v1/session", { body: { login: "alice", password } });
    for (const s of [a, b, a, b, a]) assertError(await guess(s, "wrong-password"), 401, "bad_credentials");
    assertError(await guess(b, PASSWORD), 429, "rate_limited");
  }, { clock: movableClock() }));

Deno.test("sessions - a second process starting on the store with plain passwords ends nobody's session", async () => {
  const dir = await Deno.makeTempDir();
  const kvPath = `${dir}/shared.kv`;
  const config = await withAdmin();
  // Plain passwords are hashed at start with a fresh salt: the hash differs, the password does not.
  const plain = {
    ...config,
    agents: config.agents.map(({ passwordHash: _h, ...a }) => ({ ...a, password: PASSWORD })),
  };
  const a = await startServer({ config: plain, kvPath });
  let b: TestServer | null = null;
  try {
    const alice = await a.agent("alice");
    b = await startServer({ config: plain, kvPath });
    assert.equal((await alice.req("GET", "/api/v1/me")).status, 200);
    assert.equal((await b.request("GET", "/api/v1/me", { token: alice.token })).status, 200);
    assert.deepEqual((await feedAfter(a.desk, "alice", 0)).filter((e) => e.event === "session.ended"), []);
  } finally {
    await a.close();
    await b?.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sessions - revokeAgentSessions ends every session of one agent, who may sign in again at once", async () => {
  const s = await startServer({ config: await withAdmin() });
  try {
    const [first, second] = [await s.agent("alice"), await s.agent("alice")];
    const bob = await s.agent("bob");
    await revokeAgentSessions(s.desk, "alice", "signed_out_everywhere");
    for (const c of [first, second]) assertError(await c.req("GET", "/api/v1/me"), 401, "bad_token");
    assert.equal((await bob.req("GET", "/api/v1/me")).status, 200, "other agents keep theirs");
    const ended = (await feedAfter(s.desk, "alice", 0)).filter((e) => e.event === "session.ended");
    assert.deepEqual(ended.map((e) => e.data), [{ interactionId: null, reason: "signed_out_everywhere" }]);
    const again = await s.agent("alice");
    assert.equal((await again.req("GET", "/api/v1/me")).status, 200);
  } finally {
    await s.close();
  }
});
