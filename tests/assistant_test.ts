/**
 * Reply assistant (SPEC K1–K4) over real HTTP and real KV: knowledge-base entries and their
 * shortcuts, similar past questions (French and English stemming), the index kept current as
 * replies are sent and rebuilt from KV at start-up.
 */
import assert from "node:assert/strict";
import { startServer, type TestServer } from "./harness.ts";
import { activeInteraction, assertError, assertUnchanged, kvSnapshot } from "./flow_helpers.ts";
import { assistConfig } from "./assist_support.ts";

async function withServer(fn: (s: TestServer) => Promise<void>, kvPath?: string) {
  const s = await startServer({ config: await assistConfig(), kvPath });
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}

const search = (path: string) => `/api/v1/assistant/search?${path}`;

Deno.test("assistant - a reply to a customer question becomes a similar question found with French stemming", async () => {
  await withServer(async (s) => {
    const alice = await s.agent("alice", { available: true });
    const a = await activeInteraction(s, alice, "fr-1", "webchat", {
      body: "Bonjour, ma facture de mars est incorrecte",
      language: "fr",
      categories: ["billing"],
    });
    const rep = await alice.act(a.id, "reply", { body: "Nous corrigeons votre facture sous 48 heures." });
    assert.equal(rep.status, 201);
    await alice.act(a.id, "complete");

    const b = await activeInteraction(s, alice, "fr-2", "webchat", { body: "Question", language: "fr" });
    // "factures" and "facturation" stem like "facture"; "incorrectes" like "incorrecte".
    for (const q of ["factures incorrectes", "facturation ", "FACTURÉ"]) {
      const r = await alice.req("GET", search(`q=${encodeURIComponent(q)}&threadId=${b.threadId}`));
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.scope.language, "fr");
      assert.equal(r.body.similar.length, 1, `query ${q}: ${JSON.stringify(r.body.similar)}`);
      assert.equal(r.body.similar[0].question, "Bonjour, ma facture de mars est incorrecte");
      assert.equal(r.body.similar[0].answer, "Nous corrigeons votre facture sous 48 heures.");
      assert.equal(r.body.similar[0].id, rep.body.message.id);
    }
    const none = await alice.req("GET", search(`q=livraison&threadId=${b.threadId}`));
    assert.deepEqual(none.body.similar, []);
  });
});

Deno.test("assistant - English stemming, prefix search as you type, and the thread's language first", async () => {
  await withServer(async (s) => {
    const alice = await s.agent("alice", { available: true });
    const en = await activeInteraction(s, alice, "en-1", "webchat", {
      body: "My invoices were charged twice",
      language: "en",
    });
    await alice.act(en.id, "reply", { body: "We refunded the duplicate charge." });
    const fr = await activeInteraction(s, alice, "fr-1", "webchat", {
      body: "Mes invoices sont en double",
      language: "fr",
    });
    await alice.act(fr.id, "reply", { body: "Nous avons remboursé." });

    const r = await alice.req("GET", search(`q=invoice%20charging&threadId=${en.threadId}`));
    assert.equal(r.status, 200);
    assert.equal(r.body.similar[0].question, "My invoices were charged twice");
    assert.ok(
      r.body.similar.every((h: { language: string }) => h.language === "en"),
      "only the thread's language when it matches",
    );

    // The last word is a prefix while typing ("refu" → "refunded"); not once followed by a space.
    const typing = await alice.req("GET", search(`q=refu&language=en`));
    assert.equal(typing.body.similar[0]?.answer, "We refunded the duplicate charge.");
    const done = await alice.req("GET", search(`q=${encodeURIComponent("refu ")}&language=en`));
    assert.deepEqual(done.body.similar, []);
  });
});

Deno.test("assistant - categories rank first and a reply answering nothing new makes no pair", async () => {
  await withServer(async (s) => {
    const alice = await s.agent("alice", { available: true });
    const billing = await activeInteraction(s, alice, "c-1", "webchat", {
      body: "Where is my parcel",
      language: "en",
      categories: ["billing"],
    });
    await alice.act(billing.id, "reply", { body: "Your parcel ships tomorrow (billing)." });
    const other = await activeInteraction(s, alice, "c-2", "webchat", {
      body: "Where is my parcel now",
      language: "en",
    });
    await alice.act(other.id, "reply", { body: "Your parcel ships tomorrow (general)." });
    // A second reply answers nothing new: no pair.
    await alice.act(other.id, "reply", { body: "Anything else about the parcel?" });

    const q = encodeURIComponent("where is my parcel now");
    const r = await alice.req("GET", search(`q=${q}&threadId=${billing.threadId}`));
    assert.deepEqual(r.body.similar.map((h: { answer: string }) => h.answer), [
      "Your parcel ships tomorrow (billing).",
      "Your parcel ships tomorrow (general).",
    ]);
    const t = await alice.req("GET", search(`q=${q}&threadId=${other.threadId}`));
    assert.equal(t.body.similar[0].answer, "Your parcel ships tomorrow (general).");
    assert.equal(t.body.similar.length, 2);
  });
});

Deno.test("assistant - knowledge-base entries by keyword and in groups, in the thread's language", async () => {
  await withServer(async (s) => {
    const alice = await s.agent("alice", { available: true });
    const fr = await activeInteraction(s, alice, "kb-fr", "webchat", {
      body: "Bonjour",
      language: "fr",
      categories: ["billing"],
    });
    const r = await alice.req("GET", search(`q=facture&threadId=${fr.threadId}`));
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.entries.map((e: { id: string }) => e.id), ["facture"]);
    const greet = await alice.req("GET", search(`q=greet&language=en`));
    assert.equal(greet.body.entries[0].id, "hello");
    assert.equal(greet.body.entries[0].groupName, "General");

    const all = await alice.req("GET", `/api/v1/assistant/entries?threadId=${fr.threadId}`);
    assert.equal(all.status, 200);
    assert.deepEqual(all.body.groups.map((g: { id: string }) => g.id), ["general", "billing"]);
    // French and language-neutral entries come before English ones within a group.
    assert.deepEqual(all.body.groups[0].entries.map((e: { id: string }) => e.id), [
      "bonjour",
      "bye",
      "hello",
    ]);
  });
});

Deno.test("assistant - a shortcut keyword expands to the entry in the thread's language", async () => {
  await withServer(async (s) => {
    const alice = await s.agent("alice", { available: true });
    const fr = await activeInteraction(s, alice, "sc-fr", "webchat", { body: "Salut", language: "fr" });
    const en = await activeInteraction(s, alice, "sc-en", "webchat", { body: "Hi", language: "en" });
    const f = await alice.req("GET", `/api/v1/assistant/shortcuts/hello?threadId=${fr.threadId}`);
    assert.equal(f.status, 200);
    assert.equal(f.body.entry.body, "Bonjour ! Comment puis-je vous aider ?");
    const e = await alice.req("GET", `/api/v1/assistant/shortcuts/HELLO?threadId=${en.threadId}`);
    assert.equal(e.body.entry.body, "Hello! How can I help you today?");
    const neutral = await alice.req("GET", `/api/v1/assistant/shortcuts/bye?threadId=${fr.threadId}`);
    assert.equal(neutral.body.entry.id, "bye");
    assertError(
      await alice.req("GET", `/api/v1/assistant/shortcuts/nope?threadId=${fr.threadId}`),
      404,
      "unknown_shortcut",
    );
  });
});

Deno.test("assistant - bad input, permissions and other agents' threads are refused", async () => {
  await withServer(async (s) => {
    const alice = await s.agent("alice", { available: true });
    const bob = await s.agent("bob");
    const a = await activeInteraction(s, alice, "perm-1", "webchat", { body: "Hello", language: "en" });
    const before = await kvSnapshot(s.kv);
    assertError(await alice.req("GET", search("q=")), 400);
    assertError(await alice.req("GET", search(`q=${"x".repeat(201)}`)), 400);
    assertError(await alice.req("GET", search("q=ok&limit=0")), 400);
    assertError(await bob.req("GET", search(`q=hello&threadId=${a.threadId}`)), 404, "unknown_thread");
    assertError(await s.request("GET", search("q=hello")), 401);
    await assertUnchanged(s.kv, before, "search");
  });
  const config = await assistConfig();
  config.agents[1].role = "readonly";
  const s = await startServer({ config });
  try {
    const bob = await s.agent("bob");
    assertError(await bob.req("GET", search("q=hello")), 403);
    assertError(await bob.req("GET", "/api/v1/assistant/entries"), 403);
  } finally {
    await s.close();
  }
});

Deno.test("assistant - the index is rebuilt from KV when the server starts again", async () => {
  const dir = await Deno.makeTempDir({ prefix: "assistant-" });
  const kvPath = `${dir}/kv.sqlite`;
  try {
    let threadId = "";
    await withServer(async (s) => {
      const alice = await s.agent("alice", { available: true });
      const a = await activeInteraction(s, alice, "rb-1", "webchat", {
        body: "The delivery address is wrong",
        language: "en",
      });
      await alice.act(a.id, "reply", { body: "I updated your delivery address." });
      threadId = a.threadId;
    }, kvPath);
    await withServer(async (s) => {
      const alice = await s.agent("alice");
      const r = await alice.req("GET", search(`q=addresses&threadId=${threadId}`));
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.similar[0]?.answer, "I updated your delivery address.");
    }, kvPath);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("assistant - the operations are in the OpenAPI document", async () => {
  await withServer(async (s) => {
    const r = await s.request("GET", "/api/v1/openapi.json");
    for (
      const p of [
        "/api/v1/assistant/search",
        "/api/v1/assistant/entries",
        "/api/v1/assistant/shortcuts/{keyword}",
      ]
    ) {
      assert.ok(r.body.paths[p]?.get, p);
    }
  });
});
