/**
 * Outbound deliveries end to end (API.md "Outbound", SPEC CH2): an agent reply is POSTed to the
 * source's callback URL, signed with the source secret, retried after failures, and kept under
 * the `undeliverable` keys when every retry fails. The harness's backoff is [50, 100, 200] ms.
 */
import assert from "node:assert/strict";
import { sign } from "../lib/server/crypto.ts";
import { keys } from "../lib/server/keys.ts";
import type { DeliveryRecord } from "../desk/outbox.ts";
import { eventually, startCallbackServer, startServer } from "./harness.ts";
import { activeFor, AGENTS, config, sources } from "./api_support.ts";

const SECRET = "webchat-secret-0123456789";

/** A callback endpoint that answers 500 to the first `failures` attempts; records every attempt. */
async function flakyCallback(failures: number) {
  const attempts: { body: string; signature: string | null; deliveryId: string | null }[] = [];
  const cb = await startCallbackServer((req, body) => {
    attempts.push({
      body,
      signature: req.headers.get("x-signature"),
      deliveryId: req.headers.get("x-delivery-id"),
    });
    return new Response(attempts.length <= failures ? "boom" : "ok", {
      status: attempts.length <= failures ? 500 : 200,
    });
  });
  return { ...cb, attempts };
}

Deno.test("outbound - a reply is POSTed to the source's callback URL, signed with the source secret", async () => {
  const cb = await startCallbackServer();
  const s = await startServer({ config: await config({ sources: sources(cb.url) }, [AGENTS[0]]) });
  try {
    const alice = await s.agent("alice", { available: true });
    const id = await activeFor(alice, "ext-thread-9");
    const r = await alice.act(id, "reply", { body: "Bonjour !" });
    assert.equal(r.status, 201);
    await eventually(() => cb.received.length >= 1, 10_000, "the delivery");
    const got = cb.received[0];
    assert.equal(got.headers.get("x-signature"), await sign(SECRET, got.body));
    assert.match(got.headers.get("content-type") ?? "", /application\/json/);
    assert.equal(got.json.type, "message.created");
    assert.equal(got.json.id, r.body.message.id);
    assert.equal(got.json.source, "webchat");
    assert.deepEqual(got.json.thread, { id: "ext-thread-9" });
    assert.equal(got.json.message.id, r.body.message.id);
    assert.deepEqual(got.json.message.author, { type: "agent", name: "Alice" });
    assert.equal(got.json.message.body, "Bonjour !");
    // Sent once: the delivery record is gone and nothing is undeliverable.
    await eventually(
      async () => (await s.kv.get(keys.delivery(got.headers.get("x-delivery-id")!))).value === null,
      5_000,
      "cleanup",
    );
    for await (const _ of s.kv.list({ prefix: keys.undeliverables() })) {
      assert.fail("nothing should be undeliverable");
    }
    assert.equal(cb.received.length, 1);
  } finally {
    await s.close();
    await cb.close();
  }
});

Deno.test("outbound - a delivery answered 500 is retried with the same id until it is accepted", async () => {
  const cb = await flakyCallback(2);
  const s = await startServer({ config: await config({ sources: sources(cb.url) }, [AGENTS[0]]) });
  try {
    const alice = await s.agent("alice", { available: true });
    const id = await activeFor(alice, "t-retry");
    const r = await alice.act(id, "reply", { body: "Try again" });
    await eventually(() => cb.received.length >= 1, 10_000, "a successful delivery");
    assert.equal(cb.attempts.length, 3);
    assert.equal(new Set(cb.attempts.map((a) => a.body)).size, 1, "the same body each time");
    assert.equal(new Set(cb.attempts.map((a) => a.deliveryId)).size, 1);
    for (const a of cb.attempts) assert.equal(a.signature, await sign(SECRET, a.body));
    assert.equal(cb.received[0].json.id, r.body.message.id);
    await eventually(
      async () => (await s.kv.get(keys.delivery(cb.attempts[0].deliveryId!))).value === null,
      5_000,
      "cleanup",
    );
    for await (const _ of s.kv.list({ prefix: keys.undeliverables() })) {
      assert.fail("nothing should be undeliverable");
    }
  } finally {
    await s.close();
    await cb.close();
  }
});

Deno.test("outbound - a delivery that fails every retry is kept under undeliverable with its record", async () => {
  const cb = await flakyCallback(Infinity);
  const s = await startServer({ config: await config({ sources: sources(cb.url) }, [AGENTS[0]]) });
  try {
    const alice = await s.agent("alice", { available: true });
    const id = await activeFor(alice, "t-lost");
    const r = await alice.act(id, "reply", { body: "Anyone there?" });
    const kept = (await eventually(
      async () => {
        const out: Deno.KvEntry<{ type: string; id: string }>[] = [];
        for await (const e of s.kv.list<{ type: string; id: string }>({ prefix: keys.undeliverables() })) {
          out.push(e);
        }
        return out.length ? out : null;
      },
      15_000,
      "the undeliverable entry",
    ))!;
    assert.equal(kept.length, 1);
    const deliveryId = cb.attempts[0].deliveryId!;
    assert.deepEqual(kept[0].key, keys.undeliverable(deliveryId));
    assert.equal(kept[0].value.id, deliveryId);
    // First attempt plus one retry per backoff step; the record keeps the payload and the error.
    await eventually(
      async () => (await s.kv.get<DeliveryRecord>(keys.delivery(deliveryId))).value?.attempts === 4,
      5_000,
      "4 attempts",
    );
    assert.equal(cb.attempts.length, 4);
    const record = (await s.kv.get<DeliveryRecord>(keys.delivery(deliveryId))).value!;
    assert.equal(record.lastError, "HTTP 500");
    assert.equal(record.url, cb.url);
    assert.equal(JSON.parse(record.body).id, r.body.message.id);
    assert.equal(cb.received.length, 0);
    // The reply itself stands: the agent's message is stored.
    const d = await alice.req("GET", `/api/v1/interactions/${id}`);
    assert.ok(d.body.messages.some((m: { id: string }) => m.id === r.body.message.id));
  } finally {
    await s.close();
    await cb.close();
  }
});

Deno.test("outbound - a source without a callback URL stages no delivery", async () => {
  const s = await startServer({ config: await config({}, [AGENTS[0]]) });
  try {
    const alice = await s.agent("alice", { available: true });
    const id = await activeFor(alice, "t-no-callback");
    assert.equal((await alice.act(id, "reply", { body: "Hi" })).status, 201);
    for await (const _ of s.kv.list({ prefix: keys.deliveries() })) assert.fail("no delivery expected");
  } finally {
    await s.close();
  }
});
