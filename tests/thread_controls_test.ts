// deno-lint-ignore-file no-explicit-any -- API responses are untyped JSON
/**
 * Thread controls (SPEC A4, A10–A13, R10) and the permission of every completion and thread
 * action, over real HTTP and KV.
 */
import assert from "node:assert/strict";
import { msg, startServer, testConfig, testSource } from "./harness.ts";
import {
  activeInteraction,
  assertError,
  assertUnchanged,
  auditOf,
  interactionOf,
  kvSnapshot,
} from "./flow_helpers.ts";

Deno.test("thread controls - lock closes the thread: its interaction completes and replies are refused until unlocked", async () => {
  const s = await startServer();
  try {
    const alice = await s.agent("alice", { available: true });
    const sup = await s.agent("sup");
    const { id, threadId } = await activeInteraction(s, alice, "lock1");
    const locked = await alice.req("POST", `/api/v1/threads/${threadId}/lock`);
    assert.equal(locked.status, 200);
    assert.equal(locked.body.thread.locked, true);
    // A13: locking closes the thread — the interaction is completed, in History, capacity freed.
    const after = (await interactionOf(alice, id)).interaction;
    assert.equal(after.state, "completed");
    assert.deepEqual((await alice.folder("history")).map((i) => i.id), [id]);
    assert.equal((await alice.req("GET", "/api/v1/me")).body.load.realtime, 0);

    const before = await kvSnapshot(s.kv);
    assertError(await alice.act(id, "reply", { body: "hello" }), 409);
    assertError(await sup.act(id, "reply", { body: "hello" }), 409);
    await assertUnchanged(s.kv, before, "replies on a locked thread");
    assert.equal((await interactionOf(alice, id)).thread.locked, true);
    // Resumed, it is still locked: no reply.
    assert.equal((await alice.act(id, "resume")).status, 200);
    assertError(await alice.act(id, "reply", { body: "hello" }), 409, "thread_locked");

    // Unlocking reopens nothing by itself.
    const unlocked = await sup.req("POST", `/api/v1/threads/${threadId}/unlock`);
    assert.equal(unlocked.body.thread.locked, false);
    assert.equal((await alice.act(id, "reply", { body: "hello" })).status, 201);
    const audit = await auditOf(alice, threadId);
    assert.equal(audit.find((e) => e.type === "thread.lock")?.summary, "Alice locked the thread");
    assert.equal(audit.find((e) => e.type === "thread.unlock")?.summary, "Sup unlocked the thread");
    assert.ok(
      audit.findIndex((e) => e.type === "interaction.completed") <
        audit.findIndex((e) => e.type === "thread.lock"),
    );
  } finally {
    await s.close();
  }
});

Deno.test("thread controls - lock asks for the disposition the source requires, and changes nothing without it", async () => {
  const s = await startServer({
    config: await testConfig({
      sources: [testSource("webchat", { dispositionRequired: true, smartClosure: { enabled: true } })],
    }),
  });
  try {
    const alice = await s.agent("alice", { available: true });
    const { id, threadId } = await activeInteraction(s, alice, "lock2");
    const before = await kvSnapshot(s.kv);
    assertError(await alice.req("POST", `/api/v1/threads/${threadId}/lock`), 400, "disposition_required");
    assertError(
      await alice.req("POST", `/api/v1/threads/${threadId}/lock`, { disposition: { categoryId: "nope" } }),
      400,
    );
    assertError(await alice.req("POST", `/api/v1/threads/${threadId}/lock`, { bogus: 1 }), 400);
    await assertUnchanged(s.kv, before, "a lock refused for want of a disposition");
    const ok = await alice.req("POST", `/api/v1/threads/${threadId}/lock`, {
      disposition: { categoryId: "solved", notes: "done" },
    });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const i = (await interactionOf(alice, id)).interaction;
    // Completed at once: no smart-closure question on a thread nobody may answer.
    assert.equal(i.state, "completed");
    assert.equal(i.disposition.categoryId, "solved");
  } finally {
    await s.close();
  }
});

Deno.test("thread controls - an ignored thread stores later messages as ignored and opens no interaction until unignored", async () => {
  const s = await startServer();
  try {
    const alice = await s.agent("alice", { available: true });
    const { id, threadId } = await activeInteraction(s, alice, "ign1");
    const r = await alice.req("POST", `/api/v1/threads/${threadId}/ignore`);
    assert.equal(r.status, 200);
    assert.equal(r.body.thread.ignored, true);
    assert.equal((await alice.act(id, "complete")).status, 200);

    const later = await s.inbound("webchat", msg("ign1", { body: "spam spam" }));
    assert.equal(later.status, 202);
    assert.equal(later.body.interactionId, null);
    assert.equal(later.body.duplicate, false);
    await s.settle();
    assert.equal((await alice.folder("in_progress")).length, 0);
    const queue = [];
    for await (const e of s.kv.list({ prefix: ["queue"] })) queue.push(e.key);
    assert.deepEqual(queue, []);
    const detail = await interactionOf(alice, id);
    const stored = detail.messages.find((m: any) => m.id === later.body.messageId);
    assert.equal(stored.status, "ignored");
    assert.equal(stored.interactionId, null);
    assert.equal(detail.thread.openInteractionId, null);

    // While the thread is ignored, even a message during an open interaction does not join it.
    assert.equal((await alice.act(id, "resume")).status, 200);
    const during = await s.inbound("webchat", msg("ign1", { body: "more" }));
    assert.equal(during.body.interactionId, null);

    assert.equal(
      (await alice.req("POST", `/api/v1/threads/${threadId}/unignore`)).body.thread.ignored,
      false,
    );
    const after = await s.inbound("webchat", msg("ign1", { body: "real question" }));
    assert.equal(after.body.interactionId, id);
    const summary = (await auditOf(alice, threadId)).find((e) => e.type === "thread.ignore")?.summary;
    assert.equal(summary, "Alice ignored the thread: future messages are ignored");
  } finally {
    await s.close();
  }
});

Deno.test("thread controls - mute is per agent: message.created carries muted for the agent who muted the thread", async () => {
  const s = await startServer();
  try {
    const alice = await s.agent("alice", { available: true });
    const events = alice.events();
    await events.ready;
    const { id, threadId } = await activeInteraction(s, alice, "mute1");
    const muted = await alice.req("POST", `/api/v1/threads/${threadId}/mute`);
    assert.deepEqual(muted.body.thread.mutedBy, ["alice"]);
    const m1 = await s.inbound("webchat", msg("mute1"));
    assert.equal(
      (await events.next("message.created", (d) => d.messageId === m1.body.messageId)).data.muted,
      true,
    );

    assert.deepEqual((await alice.req("POST", `/api/v1/threads/${threadId}/unmute`)).body.thread.mutedBy, []);
    const m2 = await s.inbound("webchat", msg("mute1"));
    assert.equal(
      (await events.next("message.created", (d) => d.messageId === m2.body.messageId)).data.muted,
      false,
    );

    // Muted by alice, then handed to bob: bob hears it.
    await alice.req("POST", `/api/v1/threads/${threadId}/mute`);
    const bob = await s.agent("bob", { available: true });
    const bobEvents = bob.events();
    await bobEvents.ready;
    assert.equal((await alice.act(id, "transfer", { agentId: "bob" })).status, 200);
    await bobEvents.next("interaction.offered", (d) => d.interactionId === id);
    assert.equal((await bob.act(id, "accept")).status, 200);
    const m3 = await s.inbound("webchat", msg("mute1"));
    assert.equal(
      (await bobEvents.next("message.created", (d) => d.messageId === m3.body.messageId)).data.muted,
      false,
    );
  } finally {
    await s.close();
  }
});

Deno.test("thread controls - categorize and change language are validated and re-route a queued interaction", async () => {
  const s = await startServer();
  try {
    const alice = await s.agent("alice", { available: true }); // billing; en, fr
    const bob = await s.agent("bob", { available: true }); // billing, tech; en
    const sup = await s.agent("sup"); // offline supervisor
    // tech + fr: nobody eligible.
    const r = await s.inbound("webchat", msg("cat1", { categories: ["tech"], language: "fr" }));
    const id = r.body.interactionId;
    const threadId = r.body.threadId;
    await s.settle();
    assert.equal((await interactionOf(sup, id)).interaction.state, "queued");

    const before = await kvSnapshot(s.kv);
    const unknownCat = await sup.req("POST", `/api/v1/threads/${threadId}/categorize`, {
      categories: ["tech", "nope"],
    });
    assertError(unknownCat, 400);
    assert.equal(unknownCat.body.error.details[0].path, "categories.1");
    assertError(await sup.req("POST", `/api/v1/threads/${threadId}/language`, { language: "" }), 400);
    assertError(await sup.req("POST", `/api/v1/threads/${threadId}/language`, {}), 400);
    const unknownLang = await sup.req("POST", `/api/v1/threads/${threadId}/language`, { language: "de" });
    assertError(unknownLang, 400);
    assert.equal(unknownLang.body.error.details[0].path, "language");
    // Not visible to agents while queued, unknown thread for everyone.
    assertError(await alice.req("POST", `/api/v1/threads/${threadId}/categorize`, { categories: [] }), 404);
    assertError(await bob.req("POST", `/api/v1/threads/${threadId}/lock`), 404);
    assertError(await bob.req("GET", `/api/v1/threads/${threadId}/audit`), 404);
    assertError(await sup.req("POST", `/api/v1/threads/nope/lock`), 404);
    assertError(await sup.req("POST", `/api/v1/threads/${threadId}/explode`), 404);
    await assertUnchanged(s.kv, before, "thread changes");

    // Language en: bob (tech, en) becomes eligible and gets the offer.
    const lang = await sup.req("POST", `/api/v1/threads/${threadId}/language`, { language: "en" });
    assert.equal(lang.status, 200);
    assert.equal(lang.body.thread.language, "en");
    await s.settle();
    const offered = (await interactionOf(sup, id)).interaction;
    assert.equal(offered.state, "offered");
    assert.equal(offered.agentId, "bob");
    assert.equal(offered.language, "en");

    // Bob categorizes his thread: the categories change on the thread and the interaction.
    assert.equal((await bob.act(id, "accept")).status, 200);
    const cat = await bob.req("POST", `/api/v1/threads/${threadId}/categorize`, {
      categories: ["billing", "billing"],
    });
    assert.deepEqual(cat.body.thread.categories, ["billing"]);
    assert.deepEqual((await interactionOf(bob, id)).interaction.categories, ["billing"]);
    const audit = await auditOf(bob, threadId);
    assert.equal(
      audit.find((e) => e.type === "thread.categorized")?.summary,
      "Bob set the thread's categories: Billing",
    );
    assert.equal(
      audit.find((e) => e.type === "thread.language_changed")?.summary,
      "Sup changed the thread's language to English (en)",
    );
  } finally {
    await s.close();
  }
});

Deno.test("thread controls - categorizing a queued thread routes it to the agent who now qualifies", async () => {
  const s = await startServer();
  try {
    const alice = await s.agent("alice", { available: true }); // billing; en, fr
    const sup = await s.agent("sup");
    const r = await s.inbound("webchat", msg("cat2", { categories: ["tech"], language: "fr" }));
    await s.settle();
    assert.equal((await interactionOf(sup, r.body.interactionId)).interaction.state, "queued");
    const cat = await sup.req("POST", `/api/v1/threads/${r.body.threadId}/categorize`, {
      categories: ["billing"],
    });
    assert.equal(cat.status, 200);
    await s.settle();
    const now = (await interactionOf(sup, r.body.interactionId)).interaction;
    assert.equal(now.state, "offered");
    assert.equal(now.agentId, "alice");
    assert.deepEqual(now.categories, ["billing"]);
    assert.equal((await alice.folder("in_progress"))[0]?.id, r.body.interactionId);
  } finally {
    await s.close();
  }
});

Deno.test("thread controls - every completion and thread action is refused with 403 for a role without its permission", async () => {
  const config = await testConfig({}, [
    { id: "alice", categories: ["billing"], languages: ["en", "fr"] },
    { id: "ro", role: "readonly", categories: ["billing"], languages: ["en", "fr"] },
  ]);
  const s = await startServer({ config });
  try {
    const alice = await s.agent("alice", { available: true });
    const ro = await s.agent("ro");
    const { id, threadId } = await activeInteraction(s, alice, "perm1");
    const before = await kvSnapshot(s.kv);
    const attempts: [string, string, unknown?][] = [
      ["POST", `/api/v1/interactions/${id}/complete`, {}],
      ["POST", `/api/v1/interactions/${id}/complete`, { disposition: { categoryId: "solved" } }],
      ["POST", `/api/v1/interactions/${id}/resume`, {}],
      ["POST", `/api/v1/interactions/${id}/defer`, { until: new Date(Date.now() + 3600_000).toISOString() }],
      ["POST", `/api/v1/threads/${threadId}/categorize`, { categories: ["billing"] }],
      ["POST", `/api/v1/threads/${threadId}/language`, { language: "fr" }],
      ["GET", `/api/v1/threads/${threadId}/audit`],
      ...["ignore", "unignore", "mute", "unmute", "lock", "unlock"].map((c) =>
        ["POST", `/api/v1/threads/${threadId}/${c}`, {}] as [string, string, unknown]
      ),
    ];
    for (const [method, path, body] of attempts) {
      const r = await ro.req(method, path, body);
      assertError(r, 403, "forbidden");
    }
    await assertUnchanged(s.kv, before, "forbidden actions");
  } finally {
    await s.close();
  }
});

Deno.test("thread controls - the OpenAPI document lists every completion, thread and audit endpoint", async () => {
  const s = await startServer();
  try {
    const doc = (await s.request("GET", "/api/v1/openapi.json")).body;
    const expect: [string, string][] = [
      ["/api/v1/interactions/{id}/complete", "post"],
      ["/api/v1/interactions/{id}/resume", "post"],
      ["/api/v1/threads/{id}/categorize", "post"],
      ["/api/v1/threads/{id}/language", "post"],
      ...["ignore", "unignore", "mute", "unmute", "lock", "unlock"].map((c) =>
        [`/api/v1/threads/{id}/${c}`, "post"] as [string, string]
      ),
      ["/api/v1/threads/{id}/audit", "get"],
      ["/api/v1/sources/{sourceId}/events", "post"],
    ];
    for (const [path, method] of expect) {
      const op = doc.paths[path]?.[method];
      assert.ok(op, `${method.toUpperCase()} ${path} is documented`);
      assert.ok(op.responses["200"] || op.responses["202"], `${path} documents its success`);
      assert.ok(op.responses["403"] && op.responses["404"], `${path} documents its errors`);
    }
    const complete =
      doc.paths["/api/v1/interactions/{id}/complete"].post.requestBody.content["application/json"].schema;
    assert.ok(complete.properties.disposition && complete.properties.waitForReply);
    const audit = doc.paths["/api/v1/threads/{id}/audit"].get;
    assert.deepEqual(audit.parameters.map((p: any) => p.name).sort(), ["cursor", "id", "lang", "limit"]);
    const item = audit.responses["200"].content["application/json"].schema.properties.items.items;
    assert.ok(item.properties.summary && item.properties.actor && item.properties.details);
  } finally {
    await s.close();
  }
});
