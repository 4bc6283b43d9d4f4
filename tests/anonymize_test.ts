/**
 * Anonymise a message over real HTTP and real KV: the content is replaced everywhere it is kept
 * (thread, print, similar-questions index, expert history and pending deliveries, audit, live
 * feed, KV export), by supervisors only, with one audit entry.
 */
import assert from "node:assert/strict";
import { exportTo } from "../scripts/kv/backup.ts";
import {
  type AgentClient,
  eventually,
  startCallbackServer,
  startServer,
  type TestServer,
} from "./harness.ts";
import { activeInteraction, assertError, assertUnchanged, auditOf, quietSnapshot } from "./flow_helpers.ts";
import { assistConfig, EXPERT_SECRET } from "./assist_support.ts";

const SECRET_TEXT = "my card number is 4111-2222";
/**
 * The secret in every form it is written (message, context data, reply, file name). Not a bare
 * "4111": that turns up by chance in versionstamps and timestamps of a store dump or an export
 * (it failed one clean-clone run that way).
 */
const SECRET = /4111-2222|card-4111/;

type Ctx = {
  s: TestServer;
  alice: AgentClient;
  sup: AgentClient;
  failing: Awaited<ReturnType<typeof startCallbackServer>>;
};

async function withServer(fn: (c: Ctx) => Promise<void>) {
  // Every delivery fails, so outbound and expert payloads stay in the outbox (then undeliverable).
  const failing = await startCallbackServer(() => new Response("down", { status: 503 }));
  const config = await assistConfig([{
    id: "bob",
    name: "Bob Expert",
    webhookUrl: failing.url,
    secret: EXPERT_SECRET,
  }]);
  config.sources[0] = { ...config.sources[0], callbackUrl: failing.url };
  const s = await startServer({ config, deliveryBackoff: [60_000] });
  try {
    await fn({ s, alice: await s.agent("alice", { available: true }), sup: await s.agent("sup"), failing });
  } finally {
    await s.close();
    await failing.close();
  }
}

/** Every KV value as text (what an operator's export holds). */
async function dump(kv: Deno.Kv): Promise<string> {
  const out: string[] = [];
  for await (const e of kv.list({ prefix: [] })) {
    out.push(JSON.stringify(e.value, (_k, v) => (typeof v === "bigint" ? String(v) : v)));
  }
  return out.join("\n");
}

Deno.test("anonymize - the content is replaced in the thread, print, search index, expert history, outbox, audit, feed and export", async () => {
  await withServer(async ({ s, alice, sup }) => {
    const events = alice.events("0");
    await events.ready;
    const a = await activeInteraction(s, alice, "an-1", "webchat", {
      body: `Hello, ${SECRET_TEXT}`,
      language: "en",
      contextData: { card: "4111-2222" },
      attachments: [{
        url: "https://files.example.com/card-4111.png",
        name: "card-4111.png",
        contentType: "image/png",
      }],
    });
    const detail0 = await alice.req("GET", `/api/v1/interactions/${a.id}`);
    const secretId: string = detail0.body.messages[0].id;
    const rep = await alice.act(a.id, "reply", { body: "Never share 4111-2222 here." });
    assert.equal(rep.status, 201);
    const found = await alice.req("GET", `/api/v1/assistant/search?q=card%20number&threadId=${a.threadId}`);
    assert.equal(found.body.similar.length, 1, "indexed before");
    const q = await alice.req("POST", `/api/v1/interactions/${a.id}/expert`, {
      expertId: "bob",
      question: "Fraud?",
      messageIds: [secretId, rep.body.message.id],
    });
    assert.equal(q.status, 201);
    assert.match(await dump(s.kv), SECRET, "the secret is stored before");

    // An agent without the permission is refused, nothing written.
    const before = await quietSnapshot(s.kv);
    assertError(await alice.req("POST", `/api/v1/threads/${a.threadId}/messages/${secretId}/anonymize`), 403);
    await assertUnchanged(s.kv, before, "anonymize");

    for (const id of [secretId, rep.body.message.id]) {
      const r = await sup.req("POST", `/api/v1/threads/${a.threadId}/messages/${id}/anonymize`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.message.body, "[anonymized]");
      assert.equal(r.body.message.anonymized, true);
      assert.deepEqual(r.body.message.attachments, []);
      assert.equal(r.body.message.contextData, null);
    }

    const detail = await alice.req("GET", `/api/v1/interactions/${a.id}`);
    assert.equal(detail.body.messages[0].body, "[anonymized]");
    assert.equal(detail.body.messages[1].body, "[anonymized]");
    const print = await alice.req("GET", `/api/v1/threads/${a.threadId}/print?folded=include`);
    assert.deepEqual(print.body.messages.map((m: { body: string }) => m.body), [
      "[anonymized]",
      "[anonymized]",
    ]);
    const search = await alice.req("GET", `/api/v1/assistant/search?q=card%20number&threadId=${a.threadId}`);
    assert.deepEqual(search.body.similar, []);
    const draft = await alice.req("GET", `/api/v1/interactions/${a.id}/expert`);
    assert.deepEqual(draft.body.history.map((l: { line: string }) => l.line), [
      "Customer: [anonymized]",
      "Agent: [anonymized]",
    ]);
    const audit = await auditOf(alice, a.threadId);
    assert.equal(audit.filter((i) => i.type === "message.anonymized").length, 2);
    assert.equal(audit.find((i) => i.type === "message.anonymized")!.actor.name, "Sup");
    await events.next("message.updated", (d) => d.messageId === secretId);

    const all = await dump(s.kv);
    assert.ok(
      !SECRET.test(all),
      `still stored: ${all.split("\n").filter((l) => SECRET.test(l)).join("\n").slice(0, 600)}`,
    );
    const dir = await Deno.makeTempDir();
    try {
      await exportTo(s.kv, `${dir}/export.jsonl`);
      const exported = await Deno.readTextFile(`${dir}/export.jsonl`);
      const at = exported.search(SECRET);
      assert.ok(at < 0, `exported: …${exported.slice(Math.max(0, at - 80), at + 80)}…`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
});

Deno.test("anonymize - repeating it changes nothing; unknown messages and threads are 404", async () => {
  await withServer(async ({ s, alice, sup }) => {
    const a = await activeInteraction(s, alice, "an-2", "webchat", { body: "Secret stuff" });
    const m = (await alice.req("GET", `/api/v1/interactions/${a.id}`)).body.messages[0];
    const path = `/api/v1/threads/${a.threadId}/messages/${m.id}/anonymize`;
    assert.equal((await sup.req("POST", path)).status, 200);
    const before = await quietSnapshot(s.kv);
    const again = await sup.req("POST", path);
    assert.equal(again.status, 200);
    assert.equal(again.body.message.body, "[anonymized]");
    await assertUnchanged(s.kv, before, "second anonymisation");
    assertError(
      await sup.req("POST", `/api/v1/threads/${a.threadId}/messages/01NOPE/anonymize`),
      404,
      "unknown_message",
    );
    assertError(
      await sup.req("POST", `/api/v1/threads/01NOPE/messages/${m.id}/anonymize`),
      404,
      "unknown_thread",
    );
    await eventually(async () =>
      (await auditOf(alice, a.threadId)).some((i) => i.type === "message.anonymized")
    );
  });
});
