/**
 * Ask an expert (SPEC A14) over real HTTP and real KV: the shareable history (20 messages,
 * customer-only before any agent reply, names replaced, structured messages copied partially,
 * week-long signed attachment links), the limits (300 / 1,500 characters), delivery through the
 * signed outbox, and the expert's signed answer as a private note.
 */
import assert from "node:assert/strict";
import { sign, verifySignature } from "../lib/server/crypto.ts";
import {
  type AgentClient,
  eventually,
  msg,
  startCallbackServer,
  startServer,
  type TestServer,
} from "./harness.ts";
import {
  activeInteraction,
  allDelivered,
  assertError,
  assertUnchanged,
  kvSnapshot,
  smartClosure,
  webchat,
} from "./flow_helpers.ts";
import { movableClock } from "./api_support.ts";
import { assistConfig, EXPERT_SECRET } from "./assist_support.ts";
import { testConfig } from "./harness.ts";

const CUSTOMER = { id: "cust-1", name: "Jeanne Dupont" };

type Ctx = {
  s: TestServer;
  alice: AgentClient;
  expert: Awaited<ReturnType<typeof startCallbackServer>>;
  clock: ReturnType<typeof movableClock>;
};

async function withExpert(fn: (c: Ctx) => Promise<void>, o: { smart?: boolean } = {}) {
  const expert = await startCallbackServer();
  const clock = movableClock();
  const config = await assistConfig([
    { id: "bob", name: "Bob Expert", webhookUrl: expert.url, secret: EXPERT_SECRET },
    { id: "nosecret", name: "Silent Expert", webhookUrl: expert.url },
  ]);
  if (o.smart) {
    config.sources[0] =
      (await testConfig({ sources: [webchat({ smartClosure: smartClosure(600) })] })).sources[0];
  }
  const s = await startServer({ config, clock });
  try {
    const alice = await s.agent("alice", { available: true });
    await fn({ s, alice, expert, clock });
  } finally {
    await s.close();
    await expert.close();
  }
}

const customer = (thread: string, extra: Record<string, unknown> = {}) =>
  msg(thread, { author: CUSTOMER, ...extra });
const draftOf = async (a: AgentClient, id: string, q = "") => {
  const r = await a.req("GET", `/api/v1/interactions/${id}/expert${q}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
};

Deno.test("expert - the history holds the last 20 messages with names replaced by Customer and Agent", async () => {
  await withExpert(async ({ s, alice }) => {
    const a = await activeInteraction(
      s,
      alice,
      "h-1",
      "webchat",
      customer("h-1", { body: "Message 1 from Jeanne" }),
    );
    for (let i = 2; i <= 24; i++) {
      if (i % 4 === 0) await alice.act(a.id, "reply", { body: `Reply ${i}: thanks Jeanne, Alice here` });
      else await s.inbound("webchat", customer("h-1", { body: `Message ${i} from Jeanne Dupont` }));
    }
    const d = await draftOf(alice, a.id);
    assert.deepEqual(d.experts, [{ id: "bob", name: "Bob Expert" }, {
      id: "nosecret",
      name: "Silent Expert",
    }]);
    assert.equal(d.lang, "en");
    assert.equal(d.history.length, 20);
    assert.equal(d.history[0].text, "Message 5 from Customer");
    assert.equal(d.history.at(-1).text, "Reply 24: thanks Customer, Agent here");
    assert.equal(d.history.at(-1).line, "Agent: Reply 24: thanks Customer, Agent here");
    assert.deepEqual(
      new Set(d.history.map((l: { label: string }) => l.label)),
      new Set(["Customer", "Agent"]),
    );
    const all = JSON.stringify(d.history);
    assert.ok(!all.includes("Jeanne") && !all.includes("Dupont") && !all.includes("Alice"), all);
    assert.equal(d.maxHistoryChars, 1500);
    assert.equal(d.maxQuestionChars, 300);
    // French labels: Client / Agent.
    const fr = await draftOf(alice, a.id, "?lang=fr");
    assert.equal(fr.history[0].line, "Client: Message 5 from Client");
    assert.equal(fr.history.at(-1).label, "Agent");
  });
});

Deno.test("expert - customer messages only while no agent replied", async () => {
  await withExpert(async ({ s, alice }) => {
    const a = await activeInteraction(
      s,
      alice,
      "c-1",
      "webchat",
      customer("c-1", { body: "First question", language: "fr" }),
    );
    // Complete without replying: the smart-closure question is a system message; the customer writes again.
    const done = await alice.act(a.id, "complete");
    assert.equal(done.body.interaction.state, "closing");
    await s.inbound("webchat", customer("c-1", { body: "Another thing" }));
    const d = await draftOf(alice, a.id);
    assert.equal(d.lang, "fr");
    assert.deepEqual(d.history.map((l: { line: string }) => l.line), [
      "Client: First question",
      "Client: Another thing",
    ]);
    await alice.act(a.id, "reply", { body: "Voici la réponse" });
    const after = await draftOf(alice, a.id);
    assert.deepEqual(after.history.map((l: { author: string }) => l.author), [
      "customer",
      "system",
      "customer",
      "agent",
    ]);
  }, { smart: true });
});

Deno.test("expert - structured messages are copied partially and attachments become signed links valid a week", async () => {
  await withExpert(async ({ s, alice, clock }) => {
    const a = await activeInteraction(
      s,
      alice,
      "st-1",
      "webchat",
      customer("st-1", {
        body: "See the photo",
        attachments: [{
          url: "https://files.example.com/photo.png",
          name: "photo.png",
          contentType: "image/png",
        }],
      }),
    );
    const link1 = await s.inbound(
      "webchat",
      customer("st-1", {
        body: "Look",
        structured: {
          type: "rich_link",
          url: "https://shop.example.com/p/1",
          title: "Lamp",
          description: "A lamp",
        },
      }),
    );
    assert.equal(link1.status, 202);
    await alice.act(a.id, "reply", {
      body: "Pick one",
      structured: {
        type: "quick_replies",
        options: [{ label: "Red", payload: "red" }, { label: "Blue", payload: "blue" }],
      },
    });
    const tpl = await alice.act(a.id, "reply", {
      body: "Summary:",
      structured: { type: "template", title: "Order summary", body: "3 items", buttons: [{ label: "Pay" }] },
    });
    assert.equal(tpl.status, 201);
    await alice.act(a.id, "reply", {
      body: "Our picks",
      structured: {
        type: "carousel",
        items: [{ title: "Desk lamp", url: "https://shop.example.com/1" }, { title: "Chair" }],
      },
    });
    const d = await draftOf(alice, a.id);
    const lines = d.history.map((l: { text: string }) => l.text);
    assert.deepEqual(lines.slice(1), [
      "Look https://shop.example.com/p/1",
      "Pick one",
      "Summary: Order summary",
      "Our picks Desk lamp",
    ]);
    assert.equal(d.history[0].line, "Customer: See the photo [photo.png]");
    const link: string = d.history[0].attachments[0].url;
    assert.match(link, /^http:\/\/127\.0\.0\.1:\d+\/api\/v1\/expert-links\/.+\?exp=\d+&sig=[0-9a-f]{128}$/);
    const exp = Number(new URL(link).searchParams.get("exp"));
    assert.ok(Math.abs(exp * 1000 - (clock.now() + 7 * 86400_000)) < 5_000, "expires in 7 days");

    const open = await fetch(link, { redirect: "manual" });
    await open.body?.cancel();
    assert.equal(open.status, 302);
    assert.equal(open.headers.get("location"), "https://files.example.com/photo.png");
    const forged = link.replace(/sig=([0-9a-f])/, (_m, c) => `sig=${c === "0" ? "1" : "0"}`);
    assertError(await s.request("GET", forged.slice(s.url.length)), 401, "bad_link");
    const otherFile = link.replace(/\/0\?/, "/1?");
    assertError(await s.request("GET", otherFile.slice(s.url.length)), 401, "bad_link");
    const extended = link.replace(/exp=(\d+)/, (_m, e) => `exp=${Number(e) + 86400}`);
    assertError(await s.request("GET", extended.slice(s.url.length)), 401, "bad_link");
    // Only the canonical spelling opens: no leading zero in the expiry, no "00" for index 0.
    const zeroExp = link.replace(/exp=(\d+)/, (_m, e) => `exp=0${e}`);
    assertError(await s.request("GET", zeroExp.slice(s.url.length)), 401, "bad_link");
    const zeroIndex = link.replace(/\/0\?/, "/00?");
    assert.notEqual(zeroIndex, link);
    assertError(await s.request("GET", zeroIndex.slice(s.url.length)), 404, "unknown_attachment");
    clock.advance(7 * 86400_000 + 5_000);
    assertError(await s.request("GET", link.slice(s.url.length)), 401, "bad_link");
  });
});

Deno.test("expert - a question goes to the expert's webhook, signed, with only the lines the agent kept", async () => {
  await withExpert(async ({ s, alice, expert }) => {
    const a = await activeInteraction(
      s,
      alice,
      "q-1",
      "webchat",
      customer("q-1", { body: "My invoice from Jeanne Dupont is wrong" }),
    );
    await alice.act(a.id, "reply", { body: "Checking, Jeanne." });
    await s.inbound("webchat", customer("q-1", { body: "Secret line to drop" }));
    const d = await draftOf(alice, a.id);
    const keep = d.history.filter((l: { text: string }) => !l.text.includes("Secret")).map((
      l: { messageId: string },
    ) => l.messageId);
    const r = await alice.req("POST", `/api/v1/interactions/${a.id}/expert`, {
      expertId: "bob",
      question: "Is a credit note possible?",
      messageIds: keep,
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.question.expertId, "bob");
    assert.deepEqual(r.body.question.messageIds, keep);
    const got = await eventually(() => expert.received[0], 10_000, "the expert delivery");
    assert.ok(
      await verifySignature(
        EXPERT_SECRET,
        new TextEncoder().encode(got.body),
        got.headers.get("x-signature"),
      ),
    );
    assert.equal(got.json.type, "expert.question");
    assert.equal(got.json.id, r.body.question.id);
    assert.equal(got.json.question, "Is a credit note possible?");
    assert.equal(
      got.json.historyText,
      "Customer: My invoice from Customer is wrong\nAgent: Checking, Customer.",
    );
    assert.ok(!got.body.includes("Secret") && !got.body.includes("Jeanne") && !got.body.includes("Alice"));
    assert.match(got.json.answer.url, /\/api\/v1\/experts\/bob\/answers$/);
    const audit = await alice.req("GET", `/api/v1/threads/${a.threadId}/audit?limit=200`);
    assert.ok(
      audit.body.items.some((i: { type: string; details: { expertId?: string } }) =>
        i.type === "expert.asked" && i.details.expertId === "bob"
      ),
    );
    // Without history: nothing but the question.
    const bare = await alice.req("POST", `/api/v1/interactions/${a.id}/expert`, {
      expertId: "bob",
      question: "Quick one",
    });
    assert.equal(bare.status, 201);
    const second = await eventually(() => expert.received[1], 10_000, "the second delivery");
    assert.deepEqual(second.json.history, []);
  });
});

Deno.test("expert - over 300 characters, over 1,500 characters of history, unknown expert or lines: refused, nothing sent", async () => {
  await withExpert(async ({ s, alice, expert }) => {
    const a = await activeInteraction(s, alice, "l-1", "webchat", customer("l-1", { body: "x".repeat(190) }));
    for (let i = 0; i < 9; i++) await s.inbound("webchat", customer("l-1", { body: `${i}`.repeat(190) }));
    const d = await draftOf(alice, a.id);
    const ids: string[] = d.history.map((l: { messageId: string }) => l.messageId);
    assert.equal(ids.length, 10);
    assert.ok(d.length > 1500, `history of ${d.length} characters`);
    const before = await kvSnapshot(s.kv);
    const post = (body: unknown) => alice.req("POST", `/api/v1/interactions/${a.id}/expert`, body);
    const long = await post({ expertId: "bob", question: "q".repeat(301) });
    assertError(long, 400);
    assert.equal(long.body.error.details[0].path, "question");
    assertError(await post({ expertId: "bob", question: "ok", messageIds: ids }), 400, "history_too_long");
    assertError(await post({ expertId: "carol", question: "ok" }), 400, "unknown_expert");
    const foreign = await post({ expertId: "bob", question: "ok", messageIds: ["01NOTINTHEWINDOW"] });
    assertError(foreign, 400);
    assert.equal(foreign.body.error.details[0].path, "messageIds.0");
    assertError(await post({ expertId: "bob", question: "   " }), 400);
    assertError(await post({ expertId: "bob", question: "ok", extra: true }), 400);
    await assertUnchanged(s.kv, before, "question");
    // Exactly 300 characters and a history under the limit pass (7 lines of 193 = 1,357 characters).
    const ok = await post({ expertId: "bob", question: "q".repeat(300), messageIds: ids.slice(0, 7) });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    await eventually(() => expert.received.length === 1, 10_000, "one delivery");
    await allDelivered(s);
    assert.equal(expert.received.length, 1, "the refused questions were never sent");
  });
});

Deno.test("expert - the expert's signed answer appears as a private note for agents only", async () => {
  const outbound = await startCallbackServer();
  try {
    await withExpert(async ({ s, alice }) => {
      s.desk.ctx.setConfig({
        ...s.desk.config,
        sources: s.desk.config.sources.map((x) => ({ ...x, callbackUrl: outbound.url })),
      });
      const events = alice.events();
      await events.ready;
      const a = await activeInteraction(s, alice, "ans-1", "webchat", customer("ans-1", { body: "Help" }));
      const q = await alice.req("POST", `/api/v1/interactions/${a.id}/expert`, {
        expertId: "bob",
        question: "What do we say?",
      });
      assert.equal(q.status, 201);
      const answer = JSON.stringify({
        id: "ans-77",
        questionId: q.body.question.id,
        body: "Offer a 10% voucher.",
      });
      const post = (raw: string, secret = EXPERT_SECRET, expert = "bob") =>
        sign(secret, raw).then((sig) =>
          s.request("POST", `/api/v1/experts/${expert}/answers`, { raw, headers: { "x-signature": sig } })
        );

      assertError(await post(answer, "wrong-secret-0123456789"), 401, "bad_signature");
      assertError(await s.request("POST", "/api/v1/experts/bob/answers", { raw: answer }), 401);
      assertError(await post(answer, EXPERT_SECRET, "carol"), 404, "unknown_expert");
      assertError(await post(answer, EXPERT_SECRET, "nosecret"), 401);
      assertError(
        await post(JSON.stringify({ id: "x", questionId: "01UNKNOWN", body: "hi" })),
        404,
        "unknown_question",
      );
      assertError(await post(JSON.stringify({ id: "x", questionId: q.body.question.id, body: "" })), 400);

      const r = await post(answer);
      assert.equal(r.status, 202, JSON.stringify(r.body));
      assert.equal(r.body.duplicate, false);
      const again = await post(answer);
      assert.deepEqual(again.body, { messageId: r.body.messageId, duplicate: true });

      const detail = await alice.req("GET", `/api/v1/interactions/${a.id}`);
      const notes = detail.body.messages.filter((m: { private: boolean }) => m.private);
      assert.equal(notes.length, 1);
      assert.equal(notes[0].body, "Offer a 10% voucher.");
      assert.equal(notes[0].author.name, "Bob Expert");
      await events.next("message.created", (d) => d.messageId === r.body.messageId);
      // Never sent to the customer: the connector only ever received nothing for this thread.
      await allDelivered(s);
      assert.ok(!outbound.received.some((x) => x.body.includes("voucher")));
    });
  } finally {
    await outbound.close();
  }
});

Deno.test("expert - permissions: a role without ask_expert gets 403, another agent's interaction 404", async () => {
  await withExpert(async ({ s, alice }) => {
    const a = await activeInteraction(s, alice, "p-1", "webchat", customer("p-1", { body: "Hi" }));
    const bob = await s.agent("bob");
    assertError(await bob.req("GET", `/api/v1/interactions/${a.id}/expert`), 404);
    assertError(
      await bob.req("POST", `/api/v1/interactions/${a.id}/expert`, { expertId: "bob", question: "?" }),
      404,
    );
    s.desk.ctx.setConfig({
      ...s.desk.config,
      roles: { ...s.desk.config.roles, agent: s.desk.config.roles.agent.filter((p) => p !== "ask_expert") },
    });
    assertError(await alice.req("GET", `/api/v1/interactions/${a.id}/expert`), 403);
    assertError(
      await alice.req("POST", `/api/v1/interactions/${a.id}/expert`, { expertId: "bob", question: "?" }),
      403,
    );
  });
});
