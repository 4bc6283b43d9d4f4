// deno-lint-ignore-file no-explicit-any -- API responses are untyped JSON
/** The audit log (SPEC A9): every message and activity of a thread, across interactions, readable. */
import assert from "node:assert/strict";
import { msg, startServer, testConfig } from "./harness.ts";
import { activeInteraction, assertError, auditOf, webchat } from "./flow_helpers.ts";

Deno.test("audit - lists every message and activity of a thread across interactions and folders, oldest first, readable", async () => {
  const config = await testConfig({
    dispositions: [{ id: "solved", name: "Solved" }],
    sources: [webchat({ dispositionRequired: true })],
  }, [
    { id: "alice", categories: ["billing"], languages: ["en", "fr"] },
    { id: "bob", categories: ["billing"], languages: ["en", "fr"] },
  ]);
  const s = await startServer({ config });
  try {
    const alice = await s.agent("alice", { available: true });
    const { id, threadId } = await activeInteraction(s, alice, "aud1", "webchat", {
      body: "My invoice is wrong",
    });
    assert.equal((await alice.act(id, "reply", { body: "Let me check." })).status, 201);
    await alice.req("POST", `/api/v1/threads/${threadId}/categorize`, { categories: ["billing"] });
    await alice.req("POST", `/api/v1/threads/${threadId}/language`, { language: "fr" });
    const until = new Date(Date.now() + 3600_000).toISOString();
    assert.equal((await alice.act(id, "defer", { until })).status, 200);
    assert.equal((await alice.act(id, "resume")).status, 200);
    assert.equal(
      (await alice.act(id, "complete", { disposition: { categoryId: "solved", notes: "refunded" } })).status,
      200,
    );
    // A second interaction on the same thread, handled by bob (alice is away).
    const bob = await s.agent("bob", { available: true });
    await alice.presence("away");
    const again = await s.inbound("webchat", msg("aud1", { body: "Thanks, one more question" }));
    assert.notEqual(again.body.interactionId, id);
    const second = again.body.interactionId;
    assert.equal((await bob.act(second, "accept")).status, 200);

    const items = await auditOf(bob, threadId);
    const lines = items.map((e) => `${e.actor.type}|${e.type}|${e.summary}`);
    const expected = [
      "customer|message.customer|Customer aud1 wrote: “My invoice is wrong”",
      "system|offered|Offered to Alice",
      "agent|accepted|Alice accepted the interaction",
      "agent|message.agent|Alice replied: “Let me check.”",
      "agent|thread.categorized|Alice set the thread's categories: Billing",
      "agent|thread.language_changed|Alice changed the thread's language to French (fr)",
      `agent|deferred|Alice deferred the interaction until ${until.slice(0, 10)} ${until.slice(11, 16)} UTC`,
      "agent|resumed|Alice resumed the interaction from Deferred",
      "agent|completed|Alice completed the interaction (disposition: Solved)",
      "customer|message.customer|Customer aud1 wrote: “Thanks, one more question”",
      "system|offered|Offered to Bob",
      "agent|accepted|Bob accepted the interaction",
    ];
    // Order: each expected line appears, in this order (other entries may sit in between).
    let at = -1;
    for (const line of expected) {
      const i = lines.findIndex((l, j) =>
        j > at && l.includes(line.split("|").slice(0, 2).join("|")) && l.endsWith(line.split("|")[2])
      );
      assert.ok(i > at, `missing or out of order: ${line}\n${lines.join("\n")}`);
      at = i;
    }
    for (let i = 1; i < items.length; i++) assert.ok(items[i - 1].at <= items[i].at, "oldest first");
    assert.deepEqual(new Set(items.map((e) => e.interactionId)), new Set([id, second]));
    const completed = items.find((e) => e.type === "completed")!;
    assert.deepEqual(completed.details.disposition, { categoryId: "solved", notes: "refunded" });
    assert.equal(completed.actor.id, "alice");
    assert.equal(completed.actor.name, "Alice");
    for (const e of items) {
      assert.equal(typeof e.at, "string");
      assert.equal(typeof e.summary, "string");
      assert.ok(e.summary.length > 0);
      assert.equal(typeof e.details, "object");
    }

    // The same entries page by page.
    const paged: any[] = [];
    let cursor: string | null = null;
    do {
      const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
      const r = await bob.req("GET", `/api/v1/threads/${threadId}/audit?limit=3${q}`);
      assert.equal(r.status, 200);
      assert.ok(r.body.items.length <= 3);
      paged.push(...r.body.items);
      cursor = r.body.cursor;
    } while (cursor);
    assert.deepEqual(paged.map((e) => e.id), items.map((e) => e.id));

    // French summaries on request.
    const fr = await auditOf(bob, threadId, "&lang=fr");
    assert.equal(
      fr.find((e) => e.type === "completed")?.summary,
      "Alice a terminé l'interaction (qualification : Solved)",
    );
    assert.equal(fr.find((e) => e.type === "accepted")?.summary, "Alice a accepté l'interaction");
  } finally {
    await s.close();
  }
});

Deno.test("audit - bad paging input and threads the agent cannot see are refused with the error body", async () => {
  const s = await startServer();
  try {
    const alice = await s.agent("alice", { available: true });
    const bob = await s.agent("bob");
    const { threadId } = await activeInteraction(s, alice, "aud2");
    assertError(await alice.req("GET", `/api/v1/threads/${threadId}/audit?limit=0`), 400);
    assertError(await alice.req("GET", `/api/v1/threads/${threadId}/audit?limit=abc`), 400);
    assertError(await alice.req("GET", `/api/v1/threads/${threadId}/audit?lang=de`), 400);
    assertError(await alice.req("GET", `/api/v1/threads/${threadId}/audit?cursor=garbage`), 400);
    assertError(await bob.req("GET", `/api/v1/threads/${threadId}/audit`), 404, "unknown_thread");
    assertError(await alice.req("GET", `/api/v1/threads/nope/audit`), 404, "unknown_thread");
    assertError(await s.request("GET", `/api/v1/threads/${threadId}/audit`), 401);
    // A supervisor sees every thread.
    const sup = await s.agent("sup");
    assert.equal((await sup.req("GET", `/api/v1/threads/${threadId}/audit`)).status, 200);
  } finally {
    await s.close();
  }
});
