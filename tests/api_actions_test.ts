/**
 * Interaction detail and actions over real HTTP and real KV (API.md "Agents", SPEC A1–A7):
 * accept, reply, defer, resume, transfer, complete — the happy path of each, and each bad input
 * (400 with paths, 403, 404, 409, 413), with a whole-store snapshot proving nothing changed.
 */
import assert from "node:assert/strict";
import { MAX_BODY_BYTES } from "../routes/http.ts";
import { type AgentClient, startServer, type TestServer } from "./harness.ts";
import {
  activeFor,
  AGENTS,
  assertError,
  assertUnchanged,
  config,
  fromNow,
  newInteraction,
  offeredTo,
  stateOf,
} from "./api_support.ts";

type Ctx = { s: TestServer; alice: AgentClient; bob: AgentClient; sup: AgentClient; reader: AgentClient };

/** alice available (the only one, so she gets everything); bob, sup and reader signed in, offline. */
async function withDesk(fn: (c: Ctx) => Promise<void>, patch: Record<string, unknown> = {}) {
  const s = await startServer({ config: await config(patch) });
  try {
    const alice = await s.agent("alice", { available: true });
    const [bob, sup, reader] = [await s.agent("bob"), await s.agent("sup"), await s.agent("reader")];
    await fn({ s, alice, bob, sup, reader });
  } finally {
    await s.close();
  }
}

const ACTIONS = ["accept", "reply", "defer", "resume", "transfer", "complete"] as const;
const validBody = (action: string): unknown =>
  action === "reply"
    ? { body: "Hello" }
    : action === "defer"
    ? { until: fromNow(3600_000) }
    : action === "transfer"
    ? { agentId: "bob" }
    : {};

Deno.test("actions - the detail shows the interaction, its thread and messages to its agent only (404 otherwise)", async () => {
  await withDesk(async ({ s, alice, bob, sup, reader }) => {
    const id = await activeFor(alice, "t-detail", { body: "First" });
    await alice.act(id, "reply", { body: "Hi there" });
    const d = await alice.req("GET", `/api/v1/interactions/${id}`);
    assert.equal(d.status, 200);
    assert.equal(d.body.interaction.id, id);
    assert.equal(d.body.interaction.agentId, "alice");
    assert.equal(d.body.thread.id, d.body.interaction.threadId);
    assert.deepEqual(d.body.messages.map((m: { body: string }) => m.body), ["First", "Hi there"]);
    assert.deepEqual(d.body.messages.map((m: { author: { type: string } }) => m.author.type), [
      "customer",
      "agent",
    ]);
    // A supervisor reads anyone's; another agent (even one with no permission) cannot see it.
    assert.equal((await sup.req("GET", `/api/v1/interactions/${id}`)).status, 200);
    await assertUnchanged(s, async () => {
      assertError(await bob.req("GET", `/api/v1/interactions/${id}`), 404, "unknown_interaction");
      assertError(await reader.req("GET", `/api/v1/interactions/${id}`), 404, "unknown_interaction");
      assertError(await alice.req("GET", "/api/v1/interactions/01NOPE"), 404, "unknown_interaction");
      assertError(await bob.req("GET", `/api/v1/threads/${d.body.thread.id}/audit`), 404);
    });
  });
});

Deno.test("actions - accept turns an offer active and its new messages assigned", async () => {
  await withDesk(async ({ s, alice }) => {
    const id = await newInteraction(s, "t-accept");
    await offeredTo(alice, id);
    const before = await alice.req("GET", `/api/v1/interactions/${id}`);
    assert.equal(before.body.messages[0].status, "new");
    const r = await alice.act(id, "accept");
    assert.equal(r.status, 200);
    assert.equal(r.body.interaction.state, "active");
    assert.equal(r.body.interaction.agentId, "alice");
    assert.equal(r.body.interaction.acceptDeadline, null);
    const after = await alice.req("GET", `/api/v1/interactions/${id}`);
    assert.equal(after.body.messages[0].status, "assigned");
    const folder = await alice.folder("in_progress");
    assert.deepEqual(folder.map((i) => [i.id, i.state]), [[id, "active"]]);
  });
});

Deno.test("actions - accept is refused when already accepted, not yours, unknown or not permitted, and nothing changes", async () => {
  await withDesk(async ({ s, alice, bob, sup, reader }) => {
    const offered = await newInteraction(s, "t-acc-1");
    const active = await activeFor(alice, "t-acc-2");
    await assertUnchanged(s, async () => {
      assertError(await alice.act(active, "accept"), 409, "already_accepted");
      assertError(await bob.act(offered, "accept"), 409, "not_owner");
      assertError(await bob.act(active, "accept"), 409);
      assertError(await sup.act(offered, "accept"), 409, "not_owner");
      assertError(await alice.act("01UNKNOWN", "accept"), 404, "unknown_interaction");
      assertError(await reader.act(offered, "accept"), 403, "forbidden");
      assertError(
        await s.request("POST", `/api/v1/interactions/${offered}/accept`, { raw: "{", token: alice.token }),
        400,
        "invalid_json",
      );
    });
    assert.equal((await stateOf(alice, offered)).state, "offered");
  });
});

Deno.test("actions - a role without a permission is refused every action with 403, whatever the interaction", async () => {
  await withDesk(async ({ s, alice, reader }) => {
    const active = await activeFor(alice, "t-ro");
    await assertUnchanged(s, async () => {
      for (const action of ACTIONS) {
        assertError(await reader.act(active, action, validBody(action)), 403, "forbidden");
        assertError(await reader.act("01UNKNOWN", action, validBody(action)), 403, "forbidden");
      }
      assertError(await reader.act(active, "transfer", { agentId: "bob", force: true }), 403, "forbidden");
      assertError(await reader.act(active, "defer", { until: fromNow(-3600_000) }), 403, "forbidden");
    });
  });
});

Deno.test("actions - another agent's interaction answers 409 for every action and nothing changes", async () => {
  await withDesk(async ({ s, alice, bob }) => {
    const active = await activeFor(alice, "t-own-1");
    const deferred = await activeFor(alice, "t-own-2");
    assert.equal((await alice.act(deferred, "defer", { until: fromNow(3600_000) })).status, 200);
    const completed = await activeFor(alice, "t-own-3");
    assert.equal((await alice.act(completed, "complete")).status, 200);
    await assertUnchanged(s, async () => {
      for (const action of ACTIONS) assertError(await bob.act(active, action, validBody(action)), 409);
      assertError(await bob.act(active, "reply", { body: "Hi" }), 409, "not_owner");
      assertError(await bob.act(deferred, "resume"), 409, "not_owner");
      assertError(await bob.act(completed, "resume"), 409, "not_owner");
      assertError(await bob.act(deferred, "transfer", { agentId: "bob" }), 409, "not_owner");
    });
  });
});

Deno.test("actions - reply stores the agent's message (201) and marks the customer's messages replied", async () => {
  await withDesk(async ({ alice }) => {
    const id = await activeFor(alice, "t-reply");
    const r = await alice.act(id, "reply", { body: "How can I help?" });
    assert.equal(r.status, 201);
    assert.equal(r.body.message.body, "How can I help?");
    assert.equal(r.body.message.author.type, "agent");
    assert.equal(r.body.message.author.id, "alice");
    assert.equal(r.body.message.status, "replied");
    assert.equal(typeof r.body.message.createdAt, "string");
    const d = await alice.req("GET", `/api/v1/interactions/${id}`);
    assert.deepEqual(d.body.messages.map((m: { status: string }) => m.status), ["replied", "replied"]);
    // HTML replies are sanitised.
    const html = await alice.act(id, "reply", {
      body: '<p onclick="x()">Hi<script>alert(1)</script></p>',
      format: "html",
    });
    assert.equal(html.status, 201);
    assert.equal(html.body.message.body, "<p>Hi</p>");
  });
});

Deno.test("actions - bad replies are refused (400 with paths, 409 locked or not active, 413) and nothing is stored", async () => {
  await withDesk(async ({ s, alice }) => {
    const id = await activeFor(alice, "t-bad-reply");
    const offered = await newInteraction(s, "t-offered-reply");
    await assertUnchanged(s, async () => {
      assertError(await alice.act(id, "reply", {}), 400, "invalid_input", ["body"]);
      assertError(await alice.act(id, "reply", { body: "  \n " }), 400, "invalid_input", ["body"]);
      assertError(await alice.act(id, "reply", { body: 42 }), 400, "invalid_input", ["body"]);
      assertError(await alice.act(id, "reply", { body: "x".repeat(20_001) }), 400, "invalid_input", ["body"]);
      assertError(await alice.act(id, "reply", { body: "Hi", urgent: true }), 400, "invalid_input", [
        "urgent",
      ]);
      assertError(await alice.act(id, "reply", { body: "Hi", format: "pdf" }), 400, "invalid_input", [
        "format",
      ]);
      assertError(
        await s.request("POST", `/api/v1/interactions/${id}/reply`, {
          raw: '{"body": "Hi"',
          token: alice.token,
        }),
        400,
        "invalid_json",
      );
      assertError(
        await alice.act(id, "reply", { body: "x".repeat(MAX_BODY_BYTES + 1) }),
        413,
        "payload_too_large",
      );
      assertError(await alice.act(offered, "reply", { body: "Hi" }), 409, "invalid_state");
      assertError(await alice.act("01UNKNOWN", "reply", { body: "Hi" }), 404, "unknown_interaction");
    });
    const thread = (await alice.req("GET", `/api/v1/interactions/${id}`)).body.thread.id;
    assert.equal((await alice.req("POST", `/api/v1/threads/${thread}/lock`)).status, 200);
    await assertUnchanged(s, async () => {
      assertError(await alice.act(id, "reply", { body: "Hi" }), 409, "thread_locked");
    });
    assert.equal((await alice.req("POST", `/api/v1/threads/${thread}/unlock`)).status, 200);
    // Lock completed the interaction (A13): resumed, it takes replies again.
    assert.equal((await alice.act(id, "resume")).status, 200);
    assert.equal((await alice.act(id, "reply", { body: "Hi" })).status, 201);
  });
});

Deno.test("actions - defer moves an interaction to Deferred until a future date and frees capacity", async () => {
  await withDesk(async ({ alice }) => {
    const id = await activeFor(alice, "t-defer");
    const until = fromNow(3600_000);
    const r = await alice.act(id, "defer", { until });
    assert.equal(r.status, 200);
    assert.equal(r.body.interaction.state, "deferred");
    assert.equal(r.body.interaction.deferredUntil, new Date(until).toISOString());
    assert.deepEqual((await alice.folder("deferred")).map((i) => i.id), [id]);
    assert.deepEqual(await alice.folder("in_progress"), []);
    assert.equal((await alice.req("GET", "/api/v1/me")).body.load.realtime, 0);
    // An offset date is fine too.
    const id2 = await activeFor(alice, "t-defer-2");
    const offset = new Date(Date.now() + 5 * 3600_000).toISOString().replace("Z", "+02:00"); // 3 hours from now
    assert.equal((await alice.act(id2, "defer", { until: offset })).status, 200);
  });
});

Deno.test("actions - bad deferrals are refused (past date, bad date, wrong state) and nothing changes", async () => {
  await withDesk(async ({ s, alice }) => {
    const id = await activeFor(alice, "t-bad-defer");
    const offered = await newInteraction(s, "t-offered-defer");
    await assertUnchanged(s, async () => {
      assertError(await alice.act(id, "defer", { until: fromNow(-60_000) }), 400, "invalid_input", ["until"]);
      assertError(await alice.act(id, "defer", { until: "2001-01-01T00:00:00Z" }), 400, "invalid_input", [
        "until",
      ]);
      assertError(await alice.act(id, "defer", { until: "tomorrow" }), 400, "invalid_input", ["until"]);
      assertError(await alice.act(id, "defer", { until: 1893456000000 }), 400, "invalid_input", ["until"]);
      assertError(await alice.act(id, "defer", {}), 400, "invalid_input", ["until"]);
      assertError(
        await alice.act(id, "defer", { until: fromNow(60_000), reason: "x" }),
        400,
        "invalid_input",
        ["reason"],
      );
      assertError(await alice.act(offered, "defer", { until: fromNow(60_000) }), 409, "invalid_state");
      assertError(
        await alice.act("01UNKNOWN", "defer", { until: fromNow(60_000) }),
        404,
        "unknown_interaction",
      );
    });
    assert.equal((await alice.act(id, "defer", { until: fromNow(60_000) })).status, 200);
    await assertUnchanged(s, async () => {
      assertError(await alice.act(id, "defer", { until: fromNow(120_000) }), 409, "invalid_state");
    });
  });
});

Deno.test("actions - resume brings a deferred or completed interaction back to In progress as active", async () => {
  await withDesk(async ({ s, alice }) => {
    const id = await activeFor(alice, "t-resume");
    await alice.act(id, "defer", { until: fromNow(3600_000) });
    const r = await alice.act(id, "resume");
    assert.equal(r.status, 200);
    assert.equal(r.body.interaction.state, "active");
    assert.equal(r.body.interaction.deferredUntil, null);
    assert.deepEqual((await alice.folder("in_progress")).map((i) => i.id), [id]);
    assert.deepEqual(await alice.folder("deferred"), []);
    assert.equal((await alice.act(id, "complete")).status, 200);
    assert.deepEqual((await alice.folder("history")).map((i) => i.id), [id]);
    const again = await alice.act(id, "resume");
    assert.equal(again.status, 200);
    assert.equal(again.body.interaction.state, "active");
    assert.deepEqual(await alice.folder("history"), []);
    assert.equal((await alice.act(id, "reply", { body: "Back again" })).status, 201);
    const audit = await alice.req("GET", `/api/v1/threads/${r.body.interaction.threadId}/audit?limit=200`);
    const resumed = audit.body.items.filter((e: { type: string }) => e.type === "resumed").map((
      e: { details: { from: string } },
    ) => e.details.from);
    assert.deepEqual(resumed, ["deferred", "completed"]);
    await assertUnchanged(s, async () => {
      assertError(await alice.act(id, "resume"), 409, "invalid_state");
      assertError(await alice.act("01UNKNOWN", "resume"), 404, "unknown_interaction");
      assertError(
        await s.request("POST", `/api/v1/interactions/${id}/resume`, { raw: "[", token: alice.token }),
        400,
        "invalid_json",
      );
    });
  });
});

Deno.test("actions - complete moves to History and frees capacity; a bad disposition is refused", async () => {
  await withDesk(async ({ s, alice }) => {
    const id = await activeFor(alice, "t-complete");
    await assertUnchanged(s, async () => {
      assertError(
        await alice.act(id, "complete", { disposition: { categoryId: "nope" } }),
        400,
        "invalid_input",
        ["disposition.categoryId"],
      );
      assertError(await alice.act(id, "complete", { disposition: {} }), 400, "invalid_input", [
        "disposition.categoryId",
      ]);
      assertError(await alice.act(id, "complete", { waitForReply: "yes" }), 400, "invalid_input", [
        "waitForReply",
      ]);
      assertError(await alice.act(id, "complete", { done: true }), 400, "invalid_input", ["done"]);
    });
    const r = await alice.act(id, "complete", { disposition: { categoryId: "solved", notes: "ok" } });
    assert.equal(r.status, 200);
    assert.equal(r.body.interaction.state, "completed");
    assert.deepEqual(r.body.interaction.disposition, { categoryId: "solved", notes: "ok" });
    assert.deepEqual((await alice.folder("history")).map((i) => i.id), [id]);
    assert.equal((await alice.req("GET", "/api/v1/me")).body.load.realtime, 0);
    assert.equal((await alice.req("GET", "/api/v1/me")).body.stats.completed, 1);
    await assertUnchanged(s, async () => {
      assertError(await alice.act(id, "complete"), 409, "invalid_state");
      assertError(await alice.act(id, "reply", { body: "late" }), 409, "invalid_state");
    });
  });
});

Deno.test("actions - bad transfers are refused (no target, unknown target, force without permission) and nothing changes", async () => {
  await withDesk(async ({ s, alice, sup }) => {
    const id = await activeFor(alice, "t-bad-transfer");
    await assertUnchanged(s, async () => {
      assertError(await alice.act(id, "transfer", {}), 400, "invalid_input", ["agentId"]);
      assertError(await alice.act(id, "transfer", { comment: "please help" }), 400, "invalid_input", [
        "agentId",
      ]);
      assertError(await alice.act(id, "transfer", { categories: [] }), 400, "invalid_input", ["agentId"]);
      assertError(await alice.act(id, "transfer", { agentId: "ghost" }), 400, "invalid_input", ["agentId"]);
      assertError(await alice.act(id, "transfer", { teamId: "ghosts" }), 400, "invalid_input", ["teamId"]);
      assertError(await alice.act(id, "transfer", { categories: ["tech", "nope"] }), 400, "invalid_input", [
        "categories.1",
      ]);
      assertError(await alice.act(id, "transfer", { language: "de" }), 400, "invalid_input", ["language"]);
      assertError(await alice.act(id, "transfer", { agentId: "alice" }), 400, "invalid_input", ["agentId"]);
      assertError(await alice.act(id, "transfer", { agentId: "bob", force: "yes" }), 400, "invalid_input", [
        "force",
      ]);
      assertError(await alice.act(id, "transfer", { agentId: "bob", priority: 9 }), 400, "invalid_input", [
        "priority",
      ]);
      assertError(await alice.act(id, "transfer", { agentId: "bob", force: true }), 403, "forbidden");
      assertError(await sup.act(id, "transfer", { teamId: "sales", force: true }), 400, "invalid_input", [
        "agentId",
      ]);
      assertError(await alice.act("01UNKNOWN", "transfer", { agentId: "bob" }), 404, "unknown_interaction");
    });
    assert.equal((await stateOf(alice, id)).state, "active");
  });
});

Deno.test("actions - a transfer to an agent leaves the sender and is offered to that agent with the comment", async () => {
  await withDesk(async ({ s, alice, bob }) => {
    const id = await activeFor(alice, "t-transfer-agent");
    const r = await alice.act(id, "transfer", { agentId: "bob", comment: "Billing question for you" });
    assert.equal(r.status, 200);
    assert.equal(r.body.interaction.state, "queued");
    assert.deepEqual(await alice.folder("in_progress"), []);
    assert.equal((await alice.req("GET", "/api/v1/me")).body.load.realtime, 0);
    assert.equal((await alice.req("GET", "/api/v1/me")).body.stats.transferredOut, 1);
    // Bob is away: it waits for him (alice, available, never gets it back).
    await s.settle();
    assert.equal((await stateOf(alice, id)).state, "queued");
    await bob.presence("available");
    await offeredTo(bob, id);
    const taken = await bob.act(id, "accept");
    assert.equal(taken.status, 200);
    assert.equal(taken.body.interaction.transfer.fromAgentId, "alice");
    assert.equal(taken.body.interaction.transfer.comment, "Billing question for you");
    // The sender now gets 409 on actions.
    assertError(await alice.act(id, "reply", { body: "still mine?" }), 409, "not_owner");
  });
});

Deno.test("actions - a transfer to a team, to categories or to a language reaches an agent who matches", async () => {
  await withDesk(async ({ s, alice, bob, sup }) => {
    const carol = await s.agent("carol");
    const toTeam = await activeFor(alice, "t-tr-team");
    const toCategory = await activeFor(alice, "t-tr-cat");
    assert.equal((await alice.act(toTeam, "transfer", { teamId: "sales" })).status, 200);
    assert.equal((await alice.act(toCategory, "transfer", { categories: ["tech"] })).status, 200);
    await s.settle();
    // Nobody eligible yet: alice is not in sales and lacks "tech"; they wait.
    assert.equal((await stateOf(sup, toTeam)).state, "queued");
    assert.equal((await stateOf(sup, toCategory)).state, "queued");
    // Carol (sales) takes the team transfer, though webchat is not a sales source; she is not
    // in support, so the category transfer still waits for a support agent with "tech".
    await carol.presence("available");
    await offeredTo(carol, toTeam);
    assert.equal((await stateOf(sup, toCategory)).state, "queued");
    await bob.presence("available");
    await offeredTo(bob, toCategory);
    assert.deepEqual((await stateOf(sup, toCategory)).categories, ["tech"]);
    assert.equal((await bob.act(toCategory, "accept")).status, 200);

    // To a language: from bob (English only) to a French speaker, alice.
    await alice.presence("away");
    const fr = await activeFor(bob, "t-tr-lang");
    assert.equal((await bob.act(fr, "transfer", { language: "fr" })).status, 200);
    await s.settle();
    assert.equal((await stateOf(sup, fr)).state, "queued", "bob does not speak French");
    await alice.presence("available");
    await offeredTo(alice, fr);
    assert.equal((await stateOf(sup, fr)).language, "fr");
  });
});

Deno.test("actions - a supervisor's forced transfer makes it active with the agent at once, beyond hard capacity", async () => {
  const one = { realtime: { capacity: 1, maxCapacity: 1 } };
  const s = await startServer({
    config: await config({}, [AGENTS[0], { ...AGENTS[1], capacity: one }, AGENTS[2]]),
  });
  try {
    const [alice, bob, sup] = [
      await s.agent("alice"),
      await s.agent("bob", { available: true }),
      await s.agent("sup"),
    ];
    const bobs = await activeFor(bob, "t-bob-full");
    await bob.presence("away");
    await alice.presence("available");
    const id = await activeFor(alice, "t-force");
    const r = await sup.act(id, "transfer", { agentId: "bob", force: true, comment: "urgent" });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.interaction.state, "active");
    assert.equal(r.body.interaction.agentId, "bob");
    assert.equal(r.body.interaction.transfer.forced, true);
    assert.equal(r.body.interaction.transfer.comment, "urgent");
    assert.ok(r.body.interaction.priority >= 1000);
    assert.deepEqual((await bob.folder("in_progress")).map((i) => i.id).sort(), [bobs, id].sort());
    assert.deepEqual(await alice.folder("in_progress"), []);
    assert.equal((await bob.req("GET", "/api/v1/me")).body.load.realtime, 2);
    assert.equal((await alice.req("GET", "/api/v1/me")).body.load.realtime, 0);
    assert.equal((await bob.act(id, "reply", { body: "On it" })).status, 201);
  } finally {
    await s.close();
  }
});
