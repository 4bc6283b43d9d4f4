/**
 * Every reader of messages shows a big message whole (issue 13 leftover): a customer message
 * whose `structured` payload (~150 KiB) is kept in part keys prints complete (print API and
 * print page) and reaches the web chat visitor complete (history and event stream); the agent's
 * live `message.created` marks it `partial` so the routing view reads it whole.
 */
import assert from "node:assert/strict";
import { keys } from "../lib/server/keys.ts";
import { eventually, msg, startServer } from "./harness.ts";
import { readStream, Visitor } from "./widget_client.ts";
import { webchatConfig } from "./browser/webchat_support.ts";

/** A carousel of ~150 KiB of JSON whose last card is easy to find. */
function bigCarousel() {
  const items = Array.from({ length: 1_500 }, (_, i) => ({
    title: `Card ${i}`,
    subtitle: `Offer number ${i}: ${"x".repeat(60)}`,
  }));
  items.push({ title: "LAST-CARD-Ω", subtitle: "the end" });
  return { type: "carousel", items };
}

async function partCount(kv: Deno.Kv, threadId: string, messageId: string): Promise<number> {
  let n = 0;
  for await (const _ of kv.list({ prefix: keys.messageParts(threadId, messageId) })) n++;
  return n;
}

Deno.test("message parts - a 150 KiB structured message prints whole and reaches the web chat visitor whole", async () => {
  const s = await startServer({ config: await webchatConfig() });
  try {
    const structured = bigCarousel();
    assert.ok(JSON.stringify(structured).length > 150 * 1024 * 0.9, "the payload is ~150 KiB");
    const alice = await s.agent("alice", { available: true });
    const v = await Visitor.start(s);
    const stream = readStream(`${s.url}/api/v1/webchat/webchat/events?token=${encodeURIComponent(v.token)}`);
    try {
      // The customer's connector sends it on the visitor's thread (its external id is the visitor).
      const sent = await s.inbound("webchat", msg(v.id, { body: "Which one?", structured }));
      assert.equal(sent.status, 202, JSON.stringify(sent.body));
      const { interactionId, messageId, threadId } = sent.body;
      assert.ok(await partCount(s.kv, threadId, messageId) >= 3, "kept in part keys");
      assert.equal(
        (await s.kv.get<{ structured: unknown }>(keys.message(threadId, messageId))).value?.structured,
        null,
      );
      assert.equal((await alice.act(interactionId, "accept")).status, 200);

      // Print: the API's sheet and the page both carry the last card.
      const sheet = await alice.req("GET", `/api/v1/threads/${threadId}/print`);
      assert.equal(sheet.status, 200, JSON.stringify(sheet.body));
      const printed = sheet.body.messages.find((m: { id: string }) => m.id === messageId);
      assert.deepEqual(printed.structured, structured);
      const page = await s.request("GET", `/threads/${threadId}/print`, {
        headers: { cookie: `rd_session=${alice.token}` },
      });
      assert.equal(page.status, 200);
      const html = String(page.body);
      assert.ok(html.includes("LAST-CARD-Ω"), "the page shows the last card");
      assert.ok(html.includes("Card 1499"), "and the one before it");

      // Web chat: the visitor's history and stream carry the whole payload.
      const history = await v.req("GET", "/messages");
      assert.equal(history.status, 200);
      assert.deepEqual(
        history.body.messages.find((m: { id: string }) => m.id === messageId)?.structured,
        structured,
      );
      // The agent's live event says the message is partial (its big field is read whole after).
      const events = alice.events();
      await events.ready;
      const more = await s.inbound("webchat", msg(v.id, { body: "And this one?", structured }));
      assert.equal(more.status, 202, JSON.stringify(more.body));
      const created = await events.next("message.created", (d) => d.messageId === more.body.messageId);
      assert.equal(created.data.message.partial, true);
      assert.equal(created.data.message.structured, null);
      const small = await s.inbound("webchat", msg(v.id, { body: "Small one" }));
      const plain = await events.next("message.created", (d) => d.messageId === small.body.messageId);
      assert.equal(plain.data.message.partial, undefined);
      const detail = await alice.req("GET", `/api/v1/interactions/${interactionId}`);
      assert.deepEqual(
        detail.body.messages.find((m: { id: string }) => m.id === more.body.messageId)?.structured,
        structured,
      );

      const streamed = await eventually(
        () =>
          stream.events.map((e) => e.event === "message" ? JSON.parse(e.data) : null)
            .find((m) => m?.id === messageId),
        5000,
        "the message on the visitor's stream",
      );
      assert.deepEqual(streamed.structured, structured);
    } finally {
      stream.close();
    }
  } finally {
    await s.close();
  }
});
