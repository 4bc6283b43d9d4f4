/**
 * Print thread (SPEC A8) over real HTTP and real KV: at most the last 200 messages, folded
 * content left out, filters by author, dates and text, and clear errors for filters selecting
 * nothing or more than 200 messages.
 */
import assert from "node:assert/strict";
import { type AgentClient, msg, startServer, type TestServer } from "./harness.ts";
import { activeInteraction, assertError, assertUnchanged, kvSnapshot } from "./flow_helpers.ts";
import { assistConfig } from "./assist_support.ts";

async function withServer(fn: (s: TestServer, alice: AgentClient) => Promise<void>) {
  const s = await startServer({ config: await assistConfig() });
  try {
    await fn(s, await s.agent("alice", { available: true }));
  } finally {
    await s.close();
  }
}

const at = (day: number, hour = 10) =>
  `2026-03-${String(day).padStart(2, "0")}T${String(hour).padStart(2, "0")}:00:00Z`;
const printOf = (a: AgentClient, threadId: string, q = "") =>
  a.req("GET", `/api/v1/threads/${threadId}/print${q}`);

/** A thread: 2 answered customer messages, 1 agent reply, then 3 unanswered ones (days 1–6). */
async function thread(s: TestServer, alice: AgentClient) {
  const a = await activeInteraction(s, alice, "pr-1", "webchat", {
    body: "First question",
    createdAt: at(1),
    contextData: { orderId: "A1" },
  });
  await s.inbound("webchat", msg("pr-1", { body: "Second question", createdAt: at(2) }));
  await alice.act(a.id, "reply", { body: "Agent answer" });
  await s.inbound("webchat", msg("pr-1", { body: "Third: the invoice", createdAt: at(4) }));
  await s.inbound(
    "webchat",
    msg("pr-1", {
      body: "Fourth with files",
      createdAt: at(5),
      attachments: [
        { url: "https://files.example.com/a.gif", name: "a.gif", contentType: "image/gif" },
        { url: "https://files.example.com/b.pdf", name: "b.pdf", contentType: "application/pdf" },
      ],
    }),
  );
  await s.inbound("webchat", msg("pr-1", { body: "Fifth: invoice again", createdAt: at(6) }));
  return a;
}

Deno.test("print - folded content is left out; names, statuses, context data and files are printed", async () => {
  await withServer(async (s, alice) => {
    const a = await thread(s, alice);
    const r = await printOf(alice, a.threadId);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.messages.map((m: { body: string }) => m.body), [
      "Third: the invoice",
      "Fourth with files",
      "Fifth: invoice again",
    ]);
    assert.ok(
      r.body.messages.every((m: { status: string; handledBy: { name: string } }) =>
        m.status === "assigned" && m.handledBy.name === "Alice"
      ),
    );
    assert.equal(r.body.messages[1].attachments.length, 2);
    assert.equal(r.body.source.name, "Web chat");
    assert.equal(r.body.truncated, false);
    assert.equal(r.body.printedBy.name, "Alice");

    const all = await printOf(alice, a.threadId, "?folded=include");
    assert.deepEqual(all.body.messages.map((m: { body: string }) => m.body), [
      "First question",
      "Second question",
      "Agent answer",
      "Third: the invoice",
      "Fourth with files",
      "Fifth: invoice again",
    ]);
    assert.deepEqual(all.body.messages[0].contextData, { orderId: "A1" });
    assert.equal(all.body.messages[0].status, "replied");
  });
});

Deno.test("print - filters by author, date range and text reduce the set", async () => {
  await withServer(async (s, alice) => {
    const a = await thread(s, alice);
    const bodies = async (q: string) => {
      const r = await printOf(alice, a.threadId, q);
      assert.equal(r.status, 200, `${q}: ${JSON.stringify(r.body)}`);
      return r.body.messages.map((m: { body: string }) => m.body);
    };
    assert.deepEqual(await bodies("?folded=include&author=agent"), ["Agent answer"]);
    assert.deepEqual(await bodies("?folded=include&agentId=alice"), ["Agent answer"]);
    assert.deepEqual(await bodies("?folded=include&author=customer&from=2026-03-02&to=2026-03-04"), [
      "Second question",
      "Third: the invoice",
    ]);
    assert.deepEqual(await bodies("?from=2026-03-05T00:00:00Z"), [
      "Fourth with files",
      "Fifth: invoice again",
    ]);
    assert.deepEqual(await bodies("?q=INVOICE"), ["Third: the invoice", "Fifth: invoice again"]);
    assert.deepEqual(await bodies("?q=b.pdf"), ["Fourth with files"]);
    // Empty form fields mean no filter.
    assert.equal((await bodies("?author=&from=&to=&q=")).length, 3);
  });
});

Deno.test("print - filters selecting nothing, bad dates, permissions: clear errors, nothing written", async () => {
  await withServer(async (s, alice) => {
    const a = await thread(s, alice);
    const bob = await s.agent("bob");
    const before = await kvSnapshot(s.kv);
    assertError(await printOf(alice, a.threadId, "?q=nothing-like-this"), 400, "print_empty");
    assertError(await printOf(alice, a.threadId, "?author=agent"), 400, "print_empty");
    assertError(await printOf(alice, a.threadId, "?from=yesterday"), 400);
    assertError(await printOf(alice, a.threadId, "?from=2026-03-05&to=2026-03-01"), 400);
    assertError(await printOf(alice, a.threadId, "?author=robot"), 400);
    assertError(await printOf(alice, "01UNKNOWNTHREAD"), 404);
    assertError(await printOf(bob, a.threadId), 404);
    s.desk.ctx.setConfig({
      ...s.desk.config,
      roles: { ...s.desk.config.roles, agent: s.desk.config.roles.agent.filter((p) => p !== "print") },
    });
    assertError(await printOf(alice, a.threadId), 403);
    await assertUnchanged(s.kv, before, "print");
  });
});

Deno.test("print - at most the last 200 messages; a filter selecting more than 200 is refused", async () => {
  await withServer(async (s, alice) => {
    const a = await activeInteraction(s, alice, "big-1", "webchat", { body: "Line 1 of many" });
    for (let i = 2; i <= 205; i++) {
      const r = await s.inbound("webchat", msg("big-1", { body: `Line ${i} of many` }));
      assert.equal(r.status, 202);
    }
    const r = await printOf(alice, a.threadId);
    assert.equal(r.status, 200);
    assert.equal(r.body.messages.length, 200);
    assert.equal(r.body.truncated, true);
    assert.equal(r.body.messages[0].body, "Line 6 of many");
    assert.equal(r.body.messages.at(-1).body, "Line 205 of many");
    assertError(await printOf(alice, a.threadId, "?q=many"), 400, "print_too_many");
    const narrow = await printOf(alice, a.threadId, "?q=Line%2020");
    assert.deepEqual(narrow.body.messages.map((m: { body: string }) => m.body), [
      "Line 20 of many",
      ...Array.from({ length: 10 }, (_, i) => `Line ${200 + i} of many`).slice(0, 6),
    ]);
  });
});
