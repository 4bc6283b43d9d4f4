/**
 * Remote KV readiness (issue 13 item 5): a message bigger than one KV value (64 KiB) keeps its
 * `contextData` and `structured` in part keys written in the same commit; every stored value
 * stays ≤ 64 KiB, the API shows the message whole, and anonymising removes the parts.
 */
import assert from "node:assert/strict";
import { serialize } from "node:v8";
import { keys } from "../lib/server/keys.ts";
import { startServer, testRoles } from "./harness.ts";
import { activeFor, config } from "./api_support.ts";

async function assertValuesFit(kv: Deno.Kv) {
  for await (const e of kv.list({ prefix: [] })) {
    assert.ok(serialize(e.value).length <= 64 * 1024, `${JSON.stringify(e.key)} holds more than 64 KiB`);
  }
}

Deno.test("message parts - big context data and structure are stored in parts, shown whole, removed by anonymising", async () => {
  const s = await startServer({ config: await config({ roles: testRoles([], ["anonymize"]) }) });
  try {
    const alice = await s.agent("alice", { available: true });
    const contextData = {
      crm: Array.from({ length: 3_000 }, (_, i) => ({ order: i, note: "é".repeat(20) })),
    };
    const id = await activeFor(alice, "t-parts", { body: "See my orders", contextData });
    const structured = { type: "template", rows: "€".repeat(30_000) };
    const reply = await alice.act(id, "reply", { body: "€".repeat(20_000), structured });
    assert.equal(reply.status, 201, String(reply.status));
    await assertValuesFit(s.kv);
    const detail = (await alice.req("GET", `/api/v1/interactions/${id}`)).body;
    const [question, answer] = detail.messages;
    assert.deepEqual(question.contextData, contextData);
    assert.deepEqual(answer.structured, structured);
    assert.equal(answer.body.length, 20_000);
    let parts = 0;
    for await (const _ of s.kv.list({ prefix: keys.allMessageParts() })) parts++;
    assert.ok(parts >= 4, `${parts} parts`);

    const sup = await s.agent("sup");
    const threadId = detail.thread.id;
    for (const m of [question, answer]) {
      const r = await sup.req("POST", `/api/v1/threads/${threadId}/messages/${m.id}/anonymize`);
      assert.equal(r.status, 200, String(r.status));
    }
    for await (const e of s.kv.list({ prefix: keys.messageParts(threadId, question.id) })) {
      assert.fail(`part left after anonymising: ${JSON.stringify(e.key)}`);
    }
    for await (const e of s.kv.list({ prefix: keys.messageParts(threadId, answer.id) })) {
      assert.fail(`part left after anonymising: ${JSON.stringify(e.key)}`);
    }
    const after = (await alice.req("GET", `/api/v1/interactions/${id}`)).body.messages;
    assert.equal(after[0].contextData, null);
    assert.equal(after[1].structured, null);
  } finally {
    await s.close();
  }
});
