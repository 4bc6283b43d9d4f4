/**
 * Connector webhooks over real HTTP and real KV (API.md "Channel connectors", SPEC R1, CH1, C7):
 * signed inbound messages and events, idempotency, and every kind of bad input — each refused
 * request leaves the whole store untouched and records no deduplication entry.
 */
import assert from "node:assert/strict";
import { serialize } from "node:v8";
import { joinParts } from "../desk/message_parts.ts";
import type { Message } from "../actors/thread.ts";
import { sign } from "../lib/server/crypto.ts";
import { keys } from "../lib/server/keys.ts";
import { MAX_BODY_BYTES } from "../routes/http.ts";
import { msg, startServer, type TestServer } from "./harness.ts";
import {
  activeFor,
  AGENTS,
  assertError,
  assertUnchanged,
  config,
  postSigned,
  sourceSignature,
} from "./api_support.ts";

const MESSAGES = "/api/v1/sources/webchat/messages";
const EVENTS = "/api/v1/sources/webchat/events";

async function signedMessage(s: TestServer, value: unknown, path = MESSAGES) {
  const raw = typeof value === "string" ? value : JSON.stringify(value);
  return await postSigned(s, path, raw, await sourceSignature(s, "webchat", raw));
}

/** Proves a refused message left no dedup record: the same id then stores normally. */
async function assertNotRecorded(s: TestServer, m: Record<string, unknown>) {
  assert.equal((await s.kv.get(keys.inboundMessage("webchat", m.id as string))).value, null);
  const r = await s.inbound("webchat", m);
  assert.equal(r.status, 202, JSON.stringify(r.body));
  assert.equal(r.body.duplicate, false);
}

async function messagesOf(s: TestServer, threadId: string) {
  const out = [];
  for await (const e of s.kv.list({ prefix: keys.messages(threadId) })) out.push(e.value);
  return out;
}

Deno.test("connectors - an inbound message is stored and opens a queued interaction carrying its thread's skills", async () => {
  const s = await startServer({ config: await config() });
  try {
    const sup = await s.agent("sup");
    const m = msg("t-new", {
      thread: { id: "t-new", title: "Invoice" },
      author: { id: "cust-42", name: "Jeanne Dupont" },
      body: "Bonjour, ma facture",
      language: "fr",
      categories: ["billing"],
      contextData: { orderId: "A1" },
      createdAt: "2026-11-23T10:00:00Z",
    });
    const r = await s.inbound("webchat", m);
    assert.equal(r.status, 202);
    assert.deepEqual(Object.keys(r.body).sort(), ["duplicate", "interactionId", "messageId", "threadId"]);
    assert.equal(r.body.duplicate, false);
    const d = await sup.req("GET", `/api/v1/interactions/${r.body.interactionId}`);
    assert.equal(d.status, 200);
    const i = d.body.interaction;
    assert.equal(i.state, "queued");
    assert.equal(i.agentId, null);
    assert.equal(i.sourceId, "webchat");
    assert.equal(i.threadId, r.body.threadId);
    assert.deepEqual(i.categories, ["billing"]);
    assert.equal(i.language, "fr");
    assert.equal(i.priority, 0);
    assert.equal(d.body.thread.id, r.body.threadId);
    assert.equal(d.body.messages.length, 1);
    const stored = d.body.messages[0];
    assert.equal(stored.id, r.body.messageId);
    assert.equal(stored.body, "Bonjour, ma facture");
    assert.equal(stored.status, "new");
    assert.equal(stored.createdAt, "2026-11-23T10:00:00.000Z");
    assert.deepEqual(stored.author, { type: "customer", id: "cust-42", name: "Jeanne Dupont" });

    // Without a language the source's default applies (R1); a second message joins the thread.
    const r2 = await s.inbound("webchat", msg("t-other"));
    assert.equal(
      (await sup.req("GET", `/api/v1/interactions/${r2.body.interactionId}`)).body.interaction.language,
      "en",
    );
    const r3 = await s.inbound("webchat", msg("t-new", { body: "Encore moi" }));
    assert.equal(r3.body.threadId, r.body.threadId);
    assert.equal(r3.body.interactionId, r.body.interactionId);
    assert.equal((await messagesOf(s, r.body.threadId)).length, 2);
  } finally {
    await s.close();
  }
});

Deno.test("connectors - a message with attachments and no body is accepted", async () => {
  const s = await startServer({ config: await config() });
  try {
    const m = msg("t-att", {
      body: undefined,
      attachments: [{ url: "https://example.com/a.png", name: "a.png", contentType: "image/png" }],
    });
    delete m.body;
    const r = await s.inbound("webchat", m);
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const [stored] = await messagesOf(s, r.body.threadId) as { attachments: unknown[] }[];
    assert.equal(stored.attachments.length, 1);
  } finally {
    await s.close();
  }
});

Deno.test("connectors - the same connector id twice answers duplicate and changes nothing", async () => {
  const s = await startServer({ config: await config() });
  try {
    const m = msg("t-dup");
    const first = await s.inbound("webchat", m);
    assert.equal(first.status, 202);
    assert.equal(first.body.duplicate, false);
    let again: Awaited<ReturnType<TestServer["inbound"]>> | null = null;
    await assertUnchanged(s, async () => {
      again = await s.inbound("webchat", { ...m, body: "a retried delivery, even with another body" });
    });
    assert.equal(again!.status, 202);
    assert.deepEqual(again!.body, { ...first.body, duplicate: true });
    assert.equal((await messagesOf(s, first.body.threadId)).length, 1);
    // The same id on another source is another message.
    const other = await s.inbound("mail", m);
    assert.equal(other.body.duplicate, false);
    assert.notEqual(other.body.messageId, first.body.messageId);
  } finally {
    await s.close();
  }
});

Deno.test("connectors - ten concurrent deliveries of one message store it exactly once", async () => {
  const s = await startServer({ config: await config() });
  try {
    const m = msg("t-race");
    const results = await Promise.all(Array.from({ length: 10 }, () => s.inbound("webchat", m)));
    for (const r of results) assert.equal(r.status, 202, JSON.stringify(r.body));
    assert.equal(results.filter((r) => r.body.duplicate === false).length, 1);
    assert.equal(new Set(results.map((r) => r.body.messageId)).size, 1);
    assert.equal(new Set(results.map((r) => r.body.interactionId)).size, 1);
    assert.equal((await messagesOf(s, results[0].body.threadId)).length, 1);
    let interactions = 0;
    for await (const _ of s.kv.list({ prefix: keys.threadInteractions(results[0].body.threadId) })) {
      interactions++;
    }
    assert.equal(interactions, 1);
  } finally {
    await s.close();
  }
});

Deno.test("connectors - a missing or bad signature is refused with 401 and nothing is stored", async () => {
  const s = await startServer({ config: await config() });
  try {
    const m = msg("t-sig");
    const raw = JSON.stringify(m);
    const good = await sourceSignature(s, "webchat", raw);
    const cases: [string, string | null, string][] = [
      ["missing", null, raw],
      ["empty", "", raw],
      ["not hex", "zz".repeat(64), raw],
      ["too short", good.slice(0, 64), raw],
      ["wrong secret", await sign("another-secret-0123456789", raw), raw],
      ["other source's secret", await sourceSignature(s, "mail", raw), raw],
      ["signature of another body", good, raw.replace("Hello", "Hallo")],
    ];
    await assertUnchanged(s, async () => {
      for (const [what, sig, body] of cases) {
        const r = await postSigned(s, MESSAGES, body, sig);
        assert.equal(r.status, 401, what);
        assertError(r, 401, "bad_signature");
      }
    });
    await assertNotRecorded(s, m);
  } finally {
    await s.close();
  }
});

Deno.test("connectors - malformed JSON is refused with 400 and nothing is stored", async () => {
  const s = await startServer({ config: await config() });
  try {
    await assertUnchanged(s, async () => {
      for (const raw of ['{"id": "x", "thread": ', "not json", "", "\xff\xfe"]) {
        const r = await signedMessage(s, raw);
        assert.equal(r.status, 400, `${JSON.stringify(raw)} → ${JSON.stringify(r.body)}`);
        assert.ok(Array.isArray(r.body.error.details));
      }
      assertError(await signedMessage(s, "{oops"), 400, "invalid_json", [""]);
    });
  } finally {
    await s.close();
  }
});

Deno.test("connectors - missing and wrong fields are refused with 400 listing each path", async () => {
  const s = await startServer({ config: await config() });
  try {
    const base = msg("t-bad");
    await assertUnchanged(s, async () => {
      assertError(await signedMessage(s, {}), 400, "invalid_input", ["author", "id", "thread"]);
      assertError(await signedMessage(s, []), 400, "invalid_input", [""]);
      assertError(await signedMessage(s, { id: "x", thread: {}, author: {} }), 400, "invalid_input", [
        "author.id",
        "thread.id",
      ]);
      // Neither body nor attachments.
      assertError(
        await signedMessage(s, { id: "x", thread: { id: "t" }, author: { id: "c" } }),
        400,
        "invalid_input",
        ["body"],
      );
      assertError(await signedMessage(s, { ...base, body: "   " }), 400, "invalid_input", ["body"]);
      assertError(
        await signedMessage(s, {
          id: 5,
          thread: { id: "" },
          author: "someone",
          body: 7,
          format: "pdf",
          createdAt: "yesterday",
          categories: "billing",
          attachments: [{ url: "ftp://example.com/a", name: "a", contentType: "x" }],
        }),
        400,
        "invalid_input",
        ["attachments.0.url", "author", "body", "categories", "createdAt", "format", "id", "thread.id"],
      );
      assertError(await signedMessage(s, { ...base, body: "x".repeat(20_001) }), 400, "invalid_input", [
        "body",
      ]);
      assertError(await signedMessage(s, { ...base, id: "i".repeat(201) }), 400, "invalid_input", ["id"]);
      assertError(
        await signedMessage(s, { ...base, categories: ["billing", "nope"] }),
        400,
        "invalid_input",
        ["categories.1"],
      );
    });
    await assertNotRecorded(s, base);
  } finally {
    await s.close();
  }
});

Deno.test("connectors - a body over 256 KiB is refused with 413 and nothing is stored", async () => {
  const s = await startServer({ config: await config() });
  try {
    const m = msg("t-big");
    const big = JSON.stringify({ ...m, contextData: { blob: "x".repeat(MAX_BODY_BYTES) } });
    const sig = await sourceSignature(s, "webchat", big);
    await assertUnchanged(s, async () => {
      assertError(await postSigned(s, MESSAGES, big, sig), 413, "payload_too_large");
      // Streamed without a Content-Length: refused while reading.
      const bytes = new TextEncoder().encode(big);
      const stream = new ReadableStream<Uint8Array>({
        start(c) {
          for (let i = 0; i < bytes.length; i += 16_384) c.enqueue(bytes.slice(i, i + 16_384));
          c.close();
        },
      });
      assertError(await postSigned(s, MESSAGES, stream, sig), 413, "payload_too_large");
      assertError(await postSigned(s, EVENTS, big, sig), 413, "payload_too_large");
    });
    // Under the request limit but more than one KV value holds: the context data is stored in
    // parts (each value ≤ 64 KiB, what a remote KV accepts) and read back whole.
    const contextData = { blob: "x".repeat(MAX_BODY_BYTES - 500) };
    const fits = JSON.stringify({ ...m, id: "m-big-context", thread: { id: "t-big-context" }, contextData });
    assert.ok(new TextEncoder().encode(fits).length <= MAX_BODY_BYTES);
    const stored = await postSigned(s, MESSAGES, fits, await sourceSignature(s, "webchat", fits));
    assert.equal(stored.status, 202, JSON.stringify(stored.body));
    const [whole] = await joinParts(s.kv, await messagesOf(s, stored.body.threadId) as Message[]);
    assert.deepEqual(whole.contextData, contextData);
    for await (const e of s.kv.list({ prefix: [] })) {
      assert.ok(serialize(e.value).length <= 64 * 1024, `${JSON.stringify(e.key)} holds more than 64 KiB`);
    }
    // The largest body allowed, in characters KV stores on two bytes each, is stored.
    const wide = { ...m, body: "€".repeat(20_000), contextData: { note: "x".repeat(8_000) } };
    const ok = await s.inbound("webchat", wide);
    assert.equal(ok.status, 202, JSON.stringify(ok.body));
    assert.equal(((await messagesOf(s, ok.body.threadId))[0] as { body: string }).body.length, 20_000);
  } finally {
    await s.close();
  }
});

Deno.test("connectors - an unknown source answers 404 and stores nothing", async () => {
  const s = await startServer({ config: await config() });
  try {
    const raw = JSON.stringify(msg("t-x"));
    await assertUnchanged(s, async () => {
      assertError(
        await postSigned(
          s,
          "/api/v1/sources/nope/messages",
          raw,
          await sign("webchat-secret-0123456789", raw),
        ),
        404,
      );
      assertError(
        await postSigned(s, "/api/v1/sources/nope/events", raw, await sign("webchat-secret-0123456789", raw)),
        404,
      );
    });
  } finally {
    await s.close();
  }
});

Deno.test("connectors - conversation.closed marks the open interaction and notifies its agent", async () => {
  const s = await startServer({ config: await config({}, [AGENTS[0]]) });
  try {
    const alice = await s.agent("alice", { available: true });
    const id = await activeFor(alice, "t-close");
    const events = alice.events();
    await events.ready;
    const r = await s.event("webchat", { type: "conversation.closed", thread: { id: "t-close" } });
    assert.equal(r.status, 202);
    assert.equal(r.body.interactionId, id);
    const e = await events.next("conversation.closed");
    assert.equal(e.data.interactionId, id);
    const d = await alice.req("GET", `/api/v1/interactions/${id}`);
    assert.equal(d.body.interaction.conversationClosed, true);
    assert.equal(d.body.interaction.state, "active");
    events.close();

    // An unknown thread is accepted and changes nothing.
    await assertUnchanged(s, async () => {
      const u = await s.event("webchat", { type: "conversation.closed", thread: { id: "never-seen" } });
      assert.equal(u.status, 202);
      assert.deepEqual(u.body, { threadId: null, interactionId: null, closed: false, duplicate: false });
    });
    // A new customer message reopens the conversation.
    await s.inbound("webchat", msg("t-close"));
    assert.equal(
      (await alice.req("GET", `/api/v1/interactions/${id}`)).body.thread.conversationClosed,
      false,
    );
  } finally {
    await s.close();
  }
});

Deno.test("connectors - bad events are refused (401, 400 with paths) and change nothing", async () => {
  const s = await startServer({ config: await config({}, [AGENTS[0]]) });
  try {
    const alice = await s.agent("alice", { available: true });
    const id = await activeFor(alice, "t-ev");
    const good = JSON.stringify({ type: "conversation.closed", thread: { id: "t-ev" } });
    await assertUnchanged(s, async () => {
      assertError(await postSigned(s, EVENTS, good, null), 401, "bad_signature");
      assertError(
        await postSigned(s, EVENTS, good, await sign("another-secret-0123456789", good)),
        401,
        "bad_signature",
      );
      assertError(await signedMessage(s, "{", EVENTS), 400, "invalid_json");
      assertError(await signedMessage(s, {}, EVENTS), 400, "invalid_input", ["thread", "type"]);
      assertError(
        await signedMessage(s, { type: "conversation.opened", thread: { id: "t-ev" } }, EVENTS),
        400,
        "invalid_input",
        ["type"],
      );
      assertError(
        await signedMessage(s, { type: "conversation.closed", thread: { id: "" } }, EVENTS),
        400,
        "invalid_input",
        ["thread.id"],
      );
    });
    assert.equal(
      (await alice.req("GET", `/api/v1/interactions/${id}`)).body.interaction.conversationClosed,
      false,
    );
  } finally {
    await s.close();
  }
});
