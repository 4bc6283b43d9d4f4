/**
 * Acceptance audit of the public contract (shared/API.md), over real HTTP on loopback and real
 * KV: each test drives one documented interface exactly as a connector or an agent's client
 * would, for the places where the app and the text once disagreed, plus a check that every
 * endpoint the app serves is in the served OpenAPI document (and nothing stale is).
 */
import assert from "node:assert/strict";
import { createApp } from "../app.ts";
import { msg, startServer, type TestServer } from "./harness.ts";
import {
  activeFor,
  AGENTS,
  assertError,
  assertUnchanged,
  config,
  newInteraction,
  postSigned,
  sourceSignature,
} from "./api_support.ts";

async function withServer(fn: (s: TestServer) => Promise<void>): Promise<void> {
  const s = await startServer({ config: await config() });
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}

/** `GET path` as `token`'s agent, asserting 200; the page body. */
async function page(s: TestServer, token: string, path: string) {
  const r = await s.request("GET", path, { token });
  assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
  return r.body as { items: { id: string }[]; cursor: string | null };
}

Deno.test("conformance - every route the app serves is in /api/v1/openapi.json, and every entry is served", async () => {
  await withServer(async (s) => {
    const r = await s.request("GET", "/api/v1/openapi.json");
    assert.equal(r.status, 200);
    const documented = new Set<string>();
    for (const [path, ops] of Object.entries(r.body.paths as Record<string, Record<string, unknown>>)) {
      for (const [method, op] of Object.entries(ops)) {
        documented.add(`${method.toUpperCase()} ${path}`);
        const o = op as { summary?: string; responses?: Record<string, unknown> };
        assert.ok(o.summary, `${method} ${path} has no summary`);
        assert.ok(
          Object.keys(o.responses ?? {}).some((c) => /^[23]/.test(c)),
          `${method} ${path}: no success`,
        );
        // Every path parameter is declared.
        for (const [, name] of path.matchAll(/\{(\w+)\}/g)) {
          const params = (op as { parameters?: { name: string; in: string }[] }).parameters ?? [];
          assert.ok(params.some((p) => p.in === "path" && p.name === name), `${method} ${path}: {${name}}`);
        }
      }
    }
    // Hono lists every handler and middleware it registered. Middleware mounted with `use` on a
    // subtree shows as method ALL on a path ending in `*`: it serves nothing by itself.
    const served = new Set<string>();
    for (const route of createApp(s.desk).routes) {
      if (route.method === "ALL" && route.path.endsWith("*")) continue;
      served.add(`${route.method} ${route.path.replace(/:(\w+)/g, "{$1}")}`);
    }
    const undocumented = [...served].filter((x) => !documented.has(x)).sort();
    const stale = [...documented].filter((x) => !served.has(x)).sort();
    assert.deepEqual({ undocumented, stale }, { undocumented: [], stale: [] });
    // The contract's own endpoints, spelled exactly as API.md writes them.
    for (
      const x of [
        "POST /api/v1/sources/{sourceId}/messages",
        "POST /api/v1/sources/{sourceId}/events",
        "POST /api/v1/session",
        "GET /api/v1/me",
        "PUT /api/v1/me/presence",
        "GET /api/v1/me/folders/{folder}",
        "GET /api/v1/interactions/{id}",
        ...["accept", "reply", "defer", "resume", "transfer", "complete"].map((a) =>
          `POST /api/v1/interactions/{id}/${a}`
        ),
        ...["categorize", "language", "ignore", "mute", "unmute", "lock", "unlock"].map((a) =>
          `POST /api/v1/threads/{id}/${a}`
        ),
        "GET /api/v1/threads/{id}/audit",
        "GET /api/v1/me/events",
      ]
    ) assert.ok(documented.has(x) && served.has(x), `${x} must be served and documented`);
  });
});

Deno.test("conformance - a forged, tampered or foreign folder cursor is refused with 400 on `cursor` and changes nothing", async () => {
  const s = await startServer({ config: await config({}, [AGENTS[0], AGENTS[1]]) });
  try {
    const alice = await s.agent("alice", { available: true });
    const bob = await s.agent("bob");
    // Before any cursor was handed out (no signing key yet): refused, and no key is created.
    await assertUnchanged(s, async () => {
      assertError(await alice.req("GET", "/api/v1/me/folders/in_progress?cursor=AAAA"), 400, undefined, [
        "cursor",
      ]);
    });
    // E-mail (async group, capacity 5), so the three are active at once.
    for (let i = 0; i < 3; i++) await activeFor(alice, `t-cursor-${i}`, {}, "mail");
    const first = await page(s, alice.token, "/api/v1/me/folders/in_progress?limit=1");
    assert.equal(first.items.length, 1);
    assert.ok(first.cursor);
    const c = first.cursor!;
    const flip = (x: string, i: number) => x.slice(0, i) + (x[i] === "A" ? "B" : "A") + x.slice(i + 1);
    const forged = [
      "AAAA",
      "zzzzzzzz",
      "AmZvbwA",
      btoa(JSON.stringify(["folder", "alice", "in_progress", 0, "x"])),
      flip(c, 0), // the KV position changed
      flip(c, c.length - 1), // the seal changed
      c.split(".")[0], // the seal removed
      `${c}x`,
    ];
    await assertUnchanged(s, async () => {
      for (const f of forged) {
        const r = await alice.req(
          "GET",
          `/api/v1/me/folders/in_progress?limit=1&cursor=${encodeURIComponent(f)}`,
        );
        assertError(r, 400, "invalid_input", ["cursor"]);
      }
      // A genuine cursor of another listing: another folder, another agent.
      const q = `?limit=1&cursor=${encodeURIComponent(c)}`;
      assertError(await alice.req("GET", `/api/v1/me/folders/history${q}`), 400, "invalid_input", ["cursor"]);
      assertError(await bob.req("GET", `/api/v1/me/folders/in_progress${q}`), 400, "invalid_input", [
        "cursor",
      ]);
    });
    // The genuine cursor still pages through, each interaction once.
    const seen = [...first.items.map((i) => i.id)];
    let cursor: string | null = c;
    while (cursor) {
      const p = await page(
        s,
        alice.token,
        `/api/v1/me/folders/in_progress?limit=1&cursor=${encodeURIComponent(cursor)}`,
      );
      seen.push(...p.items.map((i) => i.id));
      cursor = p.cursor;
    }
    assert.equal(seen.length, 3);
    assert.equal(new Set(seen).size, 3);
  } finally {
    await s.close();
  }
});

Deno.test("conformance - an audit cursor of another thread is refused with 400 on `cursor`", async () => {
  await withServer(async (s) => {
    const alice = await s.agent("alice", { available: true });
    const a = await activeFor(alice, "t-audit-a");
    const b = await activeFor(alice, "t-audit-b");
    const threadOf = async (id: string) =>
      (await alice.req("GET", `/api/v1/interactions/${id}`)).body.thread.id;
    const [ta, tb] = [await threadOf(a), await threadOf(b)];
    const p = await page(s, alice.token, `/api/v1/threads/${ta}/audit?limit=1`);
    assert.ok(p.cursor);
    await assertUnchanged(s, async () => {
      const r = await alice.req(
        "GET",
        `/api/v1/threads/${tb}/audit?limit=1&cursor=${encodeURIComponent(p.cursor!)}`,
      );
      assertError(r, 400, "invalid_input", ["cursor"]);
    });
    const next = await page(
      s,
      alice.token,
      `/api/v1/threads/${ta}/audit?limit=1&cursor=${encodeURIComponent(p.cursor!)}`,
    );
    assert.equal(next.items.length, 1);
    assert.notEqual(next.items[0].id, p.items[0].id);
  });
});

Deno.test("conformance - empty `limit=` and `cursor=` parameters read as absent (a first page)", async () => {
  await withServer(async (s) => {
    const alice = await s.agent("alice", { available: true });
    const id = await activeFor(alice, "t-empty-params");
    const p = await page(s, alice.token, "/api/v1/me/folders/in_progress?limit=&cursor=");
    assert.deepEqual(p.items.map((i) => i.id), [id]);
    assert.equal(p.cursor, null);
    const thread = (await alice.req("GET", `/api/v1/interactions/${id}`)).body.thread.id;
    const audit = await page(s, alice.token, `/api/v1/threads/${thread}/audit?cursor=`);
    assert.ok(audit.items.length > 0);
  });
});

Deno.test("conformance - thread actions answer 200 with {interaction} (API.md: actions answer the interaction)", async () => {
  await withServer(async (s) => {
    const alice = await s.agent("alice", { available: true });
    const id = await activeFor(alice, "t-thread-actions");
    const thread = (await alice.req("GET", `/api/v1/interactions/${id}`)).body.thread.id;
    const calls: [string, unknown][] = [
      ["categorize", { categories: ["billing"] }],
      ["language", { language: "fr" }],
      ["mute", undefined],
      ["unmute", undefined],
      ["ignore", undefined],
    ];
    for (const [action, body] of calls) {
      const r = await alice.req("POST", `/api/v1/threads/${thread}/${action}`, body);
      assert.equal(r.status, 200, `${action}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.interaction?.id, id, `${action} answers the interaction`);
      assert.equal(r.body.interaction.threadId, thread);
      assert.equal(r.body.thread.id, thread);
    }
    const last = await alice.req("POST", `/api/v1/threads/${thread}/language`, { language: "en" });
    assert.equal(last.body.interaction.language, "en", "the answer shows the interaction after the change");
    assert.deepEqual(last.body.interaction.categories, ["billing"]);
    // Lock closes the thread (A13): it answers the interaction it completed; unlock reopens nothing.
    for (const action of ["lock", "unlock"]) {
      const r = await alice.req("POST", `/api/v1/threads/${thread}/${action}`);
      assert.equal(r.status, 200, `${action}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.interaction?.id, id, `${action} answers the interaction`);
      assert.equal(r.body.interaction.state, "completed");
      assert.equal(r.body.thread.locked, action === "lock");
    }
    // An unknown control is no endpoint at all (404 with the error body), not a thread action.
    assertError(await alice.req("POST", `/api/v1/threads/${thread}/explode`), 404);
  });
});

Deno.test("conformance - defer takes an ISO 8601 date or date-time in each common form; impossible dates are 400", async () => {
  await withServer(async (s) => {
    const alice = await s.agent("alice", { available: true });
    const forms: [string, string][] = [
      ["2099-01-02T10:00Z", "2099-01-02T10:00:00.000Z"],
      ["2099-01-02T12:00:00+02:00", "2099-01-02T10:00:00.000Z"],
      ["2099-01-02T05:00:00.000-0500", "2099-01-02T10:00:00.000Z"],
      ["2099-01-02", "2099-01-02T00:00:00.000Z"],
    ];
    for (const [i, [until, stored]] of forms.entries()) {
      const id = await activeFor(alice, `t-defer-form-${i}`);
      const r = await alice.act(id, "defer", { until });
      assert.equal(r.status, 200, `${until}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.interaction.state, "deferred");
      assert.equal(r.body.interaction.deferredUntil, stored);
    }
    const id = await activeFor(alice, "t-defer-bad");
    await assertUnchanged(s, async () => {
      for (
        const until of ["2099-02-30T10:00:00Z", "2099-01-02T25:00Z", "tomorrow", "2099-01-02T10:00:00+99:00"]
      ) {
        assertError(await alice.act(id, "defer", { until }), 400, "invalid_input", ["until"]);
      }
    });
  });
});

Deno.test("conformance - optional fields of transfer and complete accept null as absent", async () => {
  await withServer(async (s) => {
    const alice = await s.agent("alice", { available: true });
    const a = await activeFor(alice, "t-null-transfer");
    const t = await alice.act(a, "transfer", {
      agentId: "bob",
      teamId: null,
      categories: null,
      language: null,
      comment: null,
      force: null,
    });
    assert.equal(t.status, 200, JSON.stringify(t.body));
    assert.notEqual(t.body.interaction.agentId, "alice", "the transfer left the sender");
    const b = await activeFor(alice, "t-null-complete", {}, "mail");
    const c = await alice.act(b, "complete", { disposition: null, waitForReply: null });
    assert.equal(c.status, 200, JSON.stringify(c.body));
    assert.equal(c.body.interaction.state, "completed");
    // A null target is still no target.
    const d = await activeFor(alice, "t-null-none");
    await assertUnchanged(s, async () => {
      assertError(await alice.act(d, "transfer", { agentId: null }), 400, "invalid_input");
    });
  });
});

Deno.test("conformance - inbound: an attachment needs only its url, and createdAt is any ISO 8601 date-time", async () => {
  await withServer(async (s) => {
    // Only id, thread.id, author.id and body or attachments are required.
    const r = await s.inbound("webchat", {
      id: "ext-att-only",
      thread: { id: "ext-thread-att" },
      author: { id: "cust-att" },
      attachments: [{ url: "https://files.example/photos/receipt.png" }],
    });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    assert.deepEqual(Object.keys(r.body).sort(), ["duplicate", "interactionId", "messageId", "threadId"]);
    assert.equal(r.body.duplicate, false);
    const sup = await s.agent("sup");
    const d = await sup.req("GET", `/api/v1/interactions/${r.body.interactionId}`);
    assert.deepEqual(d.body.messages[0].attachments[0], {
      url: "https://files.example/photos/receipt.png",
      name: "receipt.png",
      contentType: "image/png",
    });
    await assertUnchanged(s, async () => {
      assertError(
        await s.inbound("webchat", msg("t-date", { createdAt: "2026-02-30T10:00:00Z" })),
        400,
        "invalid_input",
        ["createdAt"],
      );
    });
    const at = await s.inbound("webchat", msg("t-date-ok", { createdAt: "2026-11-23T10:00Z" }));
    assert.equal(at.status, 202);
    assert.equal(
      (await sup.req("GET", `/api/v1/interactions/${at.body.interactionId}`)).body.messages[0].createdAt,
      "2026-11-23T10:00:00.000Z",
    );
  });
});

Deno.test("conformance - the documented shapes: session, me, folders, detail, actions, audit, errors", async () => {
  await withServer(async (s) => {
    // Sign-in: 200 {token, agent} and a session cookie.
    const signIn = await s.request("POST", "/api/v1/session", {
      body: { login: "alice", password: "test-password" },
    });
    assert.equal(signIn.status, 200);
    assert.equal(typeof signIn.body.token, "string");
    assert.equal(signIn.body.agent.id, "alice");
    assert.match(signIn.headers.get("set-cookie") ?? "", /=/);
    const token = signIn.body.token as string;
    const me = await s.request("GET", "/api/v1/me", { token });
    assert.equal(me.body.presence, "offline", "agents start offline");
    assert.equal(typeof me.body.load, "object");
    const p = await s.request("PUT", "/api/v1/me/presence", { token, body: { presence: "available" } });
    assert.equal(p.status, 200);
    await s.settle();
    // Inbound → an offered interaction in In progress.
    const id = await newInteraction(s, "t-shapes", { language: "en", categories: ["billing"] });
    await s.settle();
    const folder = await page(s, token, "/api/v1/me/folders/in_progress");
    assert.deepEqual(Object.keys(folder).sort(), ["cursor", "items"]);
    const item = folder.items[0] as Record<string, unknown>;
    for (
      const k of [
        "id",
        "threadId",
        "sourceId",
        "state",
        "agentId",
        "categories",
        "language",
        "priority",
        "createdAt",
        "updatedAt",
        "acceptDeadline",
        "deferredUntil",
        "disposition",
        "conversationClosed",
      ]
    ) assert.ok(k in item, `Interaction.${k}`);
    assert.equal(item.state, "offered");
    const accept = await s.request("POST", `/api/v1/interactions/${id}/accept`, { token });
    assert.equal(accept.status, 200);
    assert.equal(accept.body.interaction.state, "active");
    const reply = await s.request("POST", `/api/v1/interactions/${id}/reply`, {
      token,
      body: { body: "Hi" },
    });
    assert.equal(reply.status, 201);
    const m = reply.body.message;
    for (const k of ["id", "threadId", "author", "body", "status", "createdAt"]) {
      assert.ok(k in m, `Message.${k}`);
    }
    assert.deepEqual(Object.keys(m.author).sort(), ["id", "name", "type"]);
    assert.equal(m.author.type, "agent");
    const detail = await s.request("GET", `/api/v1/interactions/${id}`, { token });
    assert.deepEqual(Object.keys(detail.body).sort(), ["interaction", "messages", "thread"]);
    const audit = await s.request("GET", `/api/v1/threads/${detail.body.thread.id}/audit`, { token });
    assert.ok(audit.body.items.length >= 2);
    for (const e of audit.body.items) {
      for (const k of ["at", "actor", "type", "details"]) assert.ok(k in e, k);
    }
    // Errors: one JSON body shape for every status.
    const errors = [
      await s.request("POST", `/api/v1/interactions/${id}/defer`, { token, body: { until: "soon" } }), // 400
      await s.request("GET", "/api/v1/me"), // 401
      await s.request("POST", `/api/v1/interactions/${id}/accept`, { token }), // 409 already accepted
      await s.request("GET", "/api/v1/interactions/nope", { token }), // 404
      await s.request("GET", "/api/v1/no/such/endpoint", { token }), // 404
      await postSigned(s, "/api/v1/sources/webchat/messages", "{}", "00"), // 401 bad signature
      await postSigned(
        s,
        "/api/v1/sources/webchat/messages",
        "x".repeat(256 * 1024 + 1),
        await sourceSignature(s, "webchat", "x"),
      ), // 413
    ];
    assert.deepEqual(errors.map((r) => r.status), [400, 401, 409, 404, 404, 401, 413]);
    for (const r of errors) {
      assert.match(r.headers.get("content-type") ?? "", /application\/json/);
      assert.deepEqual(Object.keys(r.body), ["error"]);
      assert.match(r.body.error.code, /^[a-z][a-z0-9_]*$/);
      assert.equal(typeof r.body.error.message, "string");
    }
    assert.deepEqual(errors[0].body.error.details.map((d: { path: string }) => d.path), ["until"]);
  });
});
