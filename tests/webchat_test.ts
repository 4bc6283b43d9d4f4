/**
 * The web chat widget's API over real HTTP and KV: the connector path (routing, idempotency),
 * the signed identity, uploads and signed links — and every bad input refused with the API
 * error body and nothing stored.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { eventually, startServer, type TestServer } from "./harness.ts";
import { readStream, Visitor } from "./widget_client.ts";
import { tinyPng, webchatConfig } from "./browser/webchat_support.ts";
import { movableClock } from "./api_support.ts";
import { forgeTail } from "./seed.ts";
import { setWidgetLimits } from "../desk/webchat.ts";
import { blobStore, CLAIM_GRACE_MS, expireUpload, inboundRef, setUnsentUploadTtl } from "../desk/uploads.ts";
import { signLink } from "../lib/server/signed_links.ts";
import type { Clock } from "../lib/shared/time.ts";

async function withServer(fn: (s: TestServer) => Promise<void>, clock?: Clock) {
  const config = await webchatConfig();
  config.sources.push({
    ...config.sources[0],
    id: "webchat2",
    name: "Other chat",
    secret: "webchat2-secret-0123456789",
  });
  const s = await startServer({ config, clock });
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}

async function count(s: TestServer, prefix: Deno.KvKey): Promise<number> {
  let n = 0;
  for await (const _ of s.kv.list({ prefix })) n++;
  return n;
}

const isError = (body: { error?: { code?: string; message?: unknown } } | null, code: string) =>
  body?.error?.code === code && typeof body.error.message === "string";

Deno.test("webchat - a widget message is routed like a connector's and the agent's reply reaches the widget", async () => {
  await withServer(async (s) => {
    const alice = await s.agent("alice", { available: true });
    const v = await Visitor.start(s);
    const sent = await v.say("Hello from the widget");
    assertEquals(sent.status, 202);
    assert(sent.body.interactionId);
    const offered = await eventually(async () =>
      (await alice.folder("in_progress")).find((i) => i.id === sent.body.interactionId)
    );
    assertEquals(offered!.state, "offered");
    assertEquals((await alice.act(sent.body.interactionId, "accept")).status, 200);
    const stream = readStream(`${s.url}/api/v1/webchat/webchat/events?token=${encodeURIComponent(v.token)}`);
    try {
      assertEquals(
        (await alice.act(sent.body.interactionId, "reply", { body: "Hi, Alice here" })).status,
        201,
      );
      await eventually(
        () =>
          stream.events.some((e) => e.event === "message" && JSON.parse(e.data).body === "Hi, Alice here"),
        5000,
        "the reply on the stream",
      );
      const reply = stream.events.map((e) => e.event === "message" ? JSON.parse(e.data) : null).find((m) =>
        m?.body === "Hi, Alice here"
      );
      assertEquals(reply.author, { type: "agent", name: "Alice" });
      const history = await v.req("GET", "/messages");
      assertEquals(history.body.messages.map((m: { body: string }) => m.body), [
        "Hello from the widget",
        "Hi, Alice here",
      ]);
    } finally {
      stream.close();
    }
  });
});

Deno.test("webchat - the identity survives through the cookie or the kept token, and another source's token is refused", async () => {
  await withServer(async (s) => {
    const first = await s.request("POST", "/api/v1/webchat/webchat/session", { body: {} });
    const cookie = first.headers.get("set-cookie")!.split(";")[0];
    const again = await s.request("POST", "/api/v1/webchat/webchat/session", {
      body: {},
      headers: { cookie },
    });
    assertEquals(again.body.visitorId, first.body.visitorId);
    const byToken = await s.request("POST", "/api/v1/webchat/webchat/session", {
      body: { token: first.body.token },
    });
    assertEquals(byToken.body.visitorId, first.body.visitorId);
    const other = new Visitor(s, "webchat2", first.body.token, first.body.visitorId);
    const r = await other.say("hello");
    assertEquals(r.status, 401);
    assert(isError(r.body, "bad_widget_identity"));
    assertEquals((await s.request("POST", "/api/v1/webchat/mail/session", { body: {} })).status, 404);
  });
});

Deno.test("webchat - forged, missing and replayed requests are refused and store nothing", async () => {
  await withServer(async (s) => {
    const v = await Visitor.start(s);
    const forged = forgeTail(v.token, 4);
    const otherVisitor = v.token.replace(/^v1\.([0-9a-f]{4})/, (_m, head) => `v1.${forgeTail(head, 4)}`);
    for (const token of [forged, otherVisitor, "", "v1.abc"]) {
      const r = await v.req("POST", "/messages", { id: "abcdefgh1", body: "hi" }, {}, token);
      assertEquals(r.status, 401, token);
      assert(isError(r.body, "bad_widget_identity"));
    }
    assertEquals(await count(s, ["thread"]), 0);

    const ok = await v.say("first", "client-id-0001");
    assertEquals(ok.status, 202);
    const replay = await v.say("first", "client-id-0001");
    assertEquals(replay.status, 409);
    assert(isError(replay.body, "replayed_request"));
    assertEquals(replay.body.error.details.messageId, ok.body.messageId);
    assertEquals(await count(s, ["message", ok.body.threadId]), 1);

    const bad = await v.req("POST", "/messages", { id: "client-id-0002" });
    assertEquals(bad.status, 400);
    assertEquals(bad.body.error.details[0].path, "body");
    const unknownKey = await v.req("POST", "/messages", {
      id: "client-id-0003",
      body: "x",
      author: { id: "someone-else" },
    });
    assertEquals(unknownKey.status, 400);
    assertEquals(await count(s, ["message", ok.body.threadId]), 1);
  });
});

Deno.test("webchat - uploads: checked by size and real type, attachable only by their owner, served by signed links", async () => {
  await withServer(async (s) => {
    const v = await Visitor.start(s);
    const png = tinyPng();
    const up = await v.upload(png, "photo.png", "image/png");
    assertEquals(up.status, 201);
    assertEquals(up.body.upload.contentType, "image/png");
    const file = await fetch(up.body.upload.url);
    assertEquals(new Uint8Array(await file.arrayBuffer()), png);
    assertEquals(file.headers.get("x-content-type-options"), "nosniff");

    const blobsBefore = await count(s, ["blob"]);
    const chunksBefore = await count(s, ["blob_chunk"]);
    const tooBig = await v.upload(new Uint8Array(5 * 1024 * 1024 + 1), "big.png", "image/png");
    assertEquals(tooBig.status, 413);
    assert(isError(tooBig.body, "payload_too_large"));
    const svg = await v.upload(
      new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
      "x.svg",
      "image/svg+xml",
    );
    assertEquals(svg.status, 400);
    assert(isError(svg.body, "unsupported_file_type"));
    const exe = await v.upload(new Uint8Array([0x4d, 0x5a, 0x90, 0, 3, 0, 0, 0]), "fake.png", "image/png");
    assertEquals(exe.status, 400);
    assert(isError(exe.body, "unsupported_file_type"));
    assertEquals(await count(s, ["blob"]), blobsBefore);
    assertEquals(await count(s, ["blob_chunk"]), chunksBefore);

    // A bigger file is chunked under the KV value limit and read back whole.
    const pdf = new Uint8Array(200_000);
    pdf.set(new TextEncoder().encode("%PDF-1.4\n"));
    for (let i = 9; i < pdf.length; i++) pdf[i] = i % 251;
    const big = await v.upload(pdf, "invoice.pdf");
    assertEquals(big.status, 201);
    assertEquals(new Uint8Array(await (await fetch(big.body.upload.url)).arrayBuffer()), pdf);

    // Someone else cannot attach it, and nothing is stored.
    const intruder = await Visitor.start(s);
    const stolen = await intruder.req("POST", "/messages", {
      id: "client-id-0009",
      uploads: [up.body.upload.id],
    });
    assertEquals(stolen.status, 400);
    assert(isError(stolen.body, "unknown_upload"));
    assertEquals(await count(s, ["thread"]), 0);
    const mine = await v.req("POST", "/messages", { id: "client-id-0010", uploads: [up.body.upload.id] });
    assertEquals(mine.status, 202);

    // Links: a changed signature or expiry is refused.
    const url = new URL(up.body.upload.url);
    const tampered = new URL(url);
    tampered.searchParams.set("exp", String(Number(url.searchParams.get("exp")) + 1));
    const r1 = await fetch(tampered);
    assertEquals(r1.status, 401);
    assert(isError(await r1.json(), "bad_link"));
    const r2 = await fetch(`${s.url}${url.pathname}`);
    assertEquals(r2.status, 401);
    await r2.body?.cancel();
  });
});

Deno.test("webchat - the agent's typing shows, the customer closes the conversation, agents are told", async () => {
  await withServer(async (s) => {
    const alice = await s.agent("alice", { available: true });
    const events = alice.events();
    const v = await Visitor.start(s);
    const sent = await v.say("Hi");
    await eventually(async () =>
      (await alice.folder("in_progress")).some((i) => i.id === sent.body.interactionId)
    );
    await alice.act(sent.body.interactionId, "accept");
    const stream = readStream(`${s.url}/api/v1/webchat/webchat/events?token=${encodeURIComponent(v.token)}`);
    try {
      const typing = await alice.req("POST", `/api/v1/interactions/${sent.body.interactionId}/typing`);
      assertEquals(typing.status, 200);
      await eventually(
        () => stream.events.some((e) => e.event === "typing" && JSON.parse(e.data).name === "Alice"),
        5000,
        "typing",
      );
      const bob = await s.agent("bob");
      assertEquals(
        (await bob.req("POST", `/api/v1/interactions/${sent.body.interactionId}/typing`)).status,
        409,
      );
      assertEquals((await v.req("POST", "/close")).status, 202);
      await events.next("conversation.closed", (d) => d.interactionId === sent.body.interactionId);
      await eventually(
        () => stream.events.some((e) => e.event === "conversation" && JSON.parse(e.data).closed),
        5000,
        "closed",
      );
    } finally {
      stream.close();
    }
  });
});

Deno.test("webchat - too many messages or uploads answer 429 with the API error body, and store nothing", async () => {
  await withServer(async (s) => {
    const minute = 60_000;
    setWidgetLimits(s.desk, {
      message: { visitor: { max: 3, windowMs: minute }, address: { max: 5, windowMs: minute } },
      upload: { visitor: { max: 2, windowMs: minute }, address: { max: 100, windowMs: minute } },
    });
    const v = await Visitor.start(s);
    for (let i = 0; i < 3; i++) assertEquals((await v.say(`hello ${i}`)).status, 202);
    const threadId = (await s.kv.get<string>(["thread_by_external", "webchat", v.id])).value!;
    const refused = await v.say("one too many");
    assertEquals(refused.status, 429);
    assert(isError(refused.body, "rate_limited"));
    const wait = Number(refused.headers.get("retry-after"));
    // Sliding window: the full window may still weigh part of the way into the next one.
    assert(wait >= 1 && wait <= 120, `retry-after ${wait}`);
    assertEquals(refused.body.error.details.retryAfter, wait);
    assertEquals(await count(s, ["message", threadId]), 3);

    // Another visitor from the same address shares the address's allowance.
    const w = await Visitor.start(s);
    assertEquals((await w.say("hi")).status, 202);
    assertEquals((await w.say("hi again")).status, 202);
    const byAddress = await w.say("and again");
    assertEquals(byAddress.status, 429);
    assert(isError(byAddress.body, "rate_limited"));

    // Uploads: refused before the body is read; no blob is stored.
    const u = await Visitor.start(s);
    for (let i = 0; i < 2; i++) {
      assertEquals((await u.upload(tinyPng(), `p${i}.png`, "image/png")).status, 201);
    }
    const blobs = await count(s, ["blob"]);
    const tooMany = await u.upload(tinyPng(), "p3.png", "image/png");
    assertEquals(tooMany.status, 429);
    assert(isError(tooMany.body, "rate_limited"));
    assert(Number(tooMany.headers.get("retry-after")) >= 1);
    assertEquals(await count(s, ["blob"]), blobs);
  });
});

Deno.test("webchat - file links are short-lived, signed anew each time messages are shown; expired, tampered or year-long links are refused", async () => {
  const clock = movableClock();
  await withServer(async (s) => {
    const alice = await s.agent("alice", { available: true });
    const v = await Visitor.start(s);
    const up = await v.upload(tinyPng(), "photo.png", "image/png");
    const sent = await v.req("POST", "/messages", { id: "client-id-link1", uploads: [up.body.upload.id] });
    assertEquals(sent.status, 202);

    // What the message stores is a plain URL: it opens nothing by itself.
    const stored = (await s.kv.get<{ attachments: { url: string }[] }>([
      "message",
      sent.body.threadId,
      sent.body.messageId,
    ])).value!;
    const plain = stored.attachments[0].url;
    assertEquals(plain, `${s.url}/api/v1/blobs/${up.body.upload.id}`);
    const bare = await fetch(plain);
    assertEquals(bare.status, 401);
    assert(isError(await bare.json(), "bad_link"));
    // A signed-in agent opens it with the session.
    const forAgent = await fetch(plain, { headers: { authorization: `Bearer ${alice.token}` } });
    assertEquals(forAgent.status, 200);
    assertEquals(new Uint8Array(await forAgent.arrayBuffer()), tinyPng());

    // The widget gets a link signed now, valid two hours.
    const link = new URL((await v.req("GET", "/messages")).body.messages[0].attachments[0].url);
    const ttl = Number(link.searchParams.get("exp")) * 1000 - clock.now();
    assert(ttl > 2 * 3600_000 - 5000 && ttl <= 2 * 3600_000 + 1000, `link valid ${ttl} ms`);
    const ok = await fetch(link);
    assertEquals(ok.status, 200);
    await ok.body?.cancel();
    const tampered = new URL(link);
    tampered.searchParams.set(
      "sig",
      link.searchParams.get("sig")!.replace(/^./, (c) => (c === "0" ? "1" : "0")),
    );
    assertEquals(await fetch(tampered).then(async (r) => (await r.body?.cancel(), r.status)), 401);

    // A link signed for a year (as they once were) is refused even though its signature is right.
    const yearLong = await signLink(
      (await s.kv.get<string>(["app_secret", "links"])).value!,
      `/api/v1/blobs/${up.body.upload.id}`,
      clock.now() + 365 * 86400_000,
    );
    assertEquals(await fetch(s.url + yearLong).then(async (r) => (await r.body?.cancel(), r.status)), 401);

    // Past its two hours the link is dead; the widget's next view has a fresh one.
    clock.advance(2 * 3600_000 + 1000);
    const expired = await fetch(link);
    assertEquals(expired.status, 401);
    assert(isError(await expired.json(), "bad_link"));
    const fresh = (await v.req("GET", "/messages")).body.messages[0].attachments[0].url;
    assert(fresh !== link.href);
    const again = await fetch(fresh);
    assertEquals(again.status, 200);
    await again.body?.cancel();
    // Another visitor's view never signs someone else's file.
    const other = await Visitor.start(s);
    assertEquals((await other.req("GET", "/messages")).body.messages, []);
  }, clock);
});

Deno.test("webchat - an upload never sent is removed after its grace period (KV queue, no scan); a sent one stays and cannot be sent twice", async () => {
  await withServer(async (s) => {
    setUnsentUploadTtl(s.desk, 300);
    const v = await Visitor.start(s);
    const big = new Uint8Array(150_000);
    big.set(new TextEncoder().encode("%PDF-1.4\n"));
    const unsent = (await v.upload(big, "draft.pdf")).body.upload.id as string;
    const sent = (await v.upload(tinyPng(), "sent.png", "image/png")).body.upload.id as string;
    assertEquals((await v.req("POST", "/messages", { id: "client-id-keep1", uploads: [sent] })).status, 202);
    const twice = await v.req("POST", "/messages", { id: "client-id-keep2", uploads: [sent] });
    assertEquals(twice.status, 400);
    assert(isError(twice.body, "unknown_upload"));
    assertEquals(twice.body.error.details, [{
      path: "uploads.0",
      message: "already sent in another message",
    }]);

    await eventually(
      async () => !(await s.kv.get(["blob", unsent])).value,
      10_000,
      "the unsent upload removed",
    );
    assertEquals(await count(s, ["blob_chunk", unsent]), 0);
    assert((await s.kv.get(["blob", sent])).value, "the sent upload stays");
    assertEquals(await expireUpload(s.desk, { type: "blob_expiry", blobId: sent }), "kept");
    assertEquals(await count(s, ["blob_chunk", sent]), 1);
  });
});

Deno.test("webchat - an upload claimed by a message that was never stored is removed once the claim lapses", async () => {
  const clock = movableClock();
  await withServer(async (s) => {
    const v = await Visitor.start(s);
    const id = (await v.upload(tinyPng(), "lost.png", "image/png")).body.upload.id as string;
    // A claim whose message never committed (a crash between the two).
    const claim = await blobStore(s.desk).keep(id, inboundRef("webchat", "wc:lost:1"), clock.now());
    assert(claim.ok);
    const msg = { type: "blob_expiry" as const, blobId: id };
    assertEquals(await expireUpload(s.desk, msg), "later");
    assert((await s.kv.get(["blob", id])).value);
    clock.advance(CLAIM_GRACE_MS + 1000);
    assertEquals(await expireUpload(s.desk, msg), "removed");
    assertEquals((await s.kv.get(["blob", id])).value, null);
    assertEquals(await count(s, ["blob_chunk", id]), 0);
  }, clock);
});

Deno.test("webchat - an expert's week-long attachment link leads to a freshly signed, short-lived file link", async () => {
  const config = await webchatConfig();
  config.roles.agent.push("ask_expert");
  config.experts.push({ id: "eve", name: "Eve Expert", webhookUrl: "http://127.0.0.1:9/expert" });
  const s = await startServer({ config });
  try {
    const alice = await s.agent("alice", { available: true });
    const v = await Visitor.start(s);
    const up = await v.upload(tinyPng(), "receipt.png", "image/png");
    const sent = await v.req("POST", "/messages", { id: "client-id-expert1", uploads: [up.body.upload.id] });
    await eventually(async () =>
      (await alice.folder("in_progress")).some((i) => i.id === sent.body.interactionId)
    );
    await alice.act(sent.body.interactionId, "accept");
    const draft = await alice.req("GET", `/api/v1/interactions/${sent.body.interactionId}/expert`);
    const link: string = draft.body.history[0].attachments[0].url;
    const hop = await fetch(link, { redirect: "manual" });
    await hop.body?.cancel();
    assertEquals(hop.status, 302);
    const target = new URL(hop.headers.get("location")!);
    assertEquals(target.pathname, `/api/v1/blobs/${up.body.upload.id}`);
    const ttl = Number(target.searchParams.get("exp")) * 1000 - Date.now();
    assert(ttl > 0 && ttl <= 2 * 3600_000 + 1000, `file link valid ${ttl} ms`);
    const file = await fetch(target);
    assertEquals(new Uint8Array(await file.arrayBuffer()), tinyPng());
  } finally {
    await s.close();
  }
});
