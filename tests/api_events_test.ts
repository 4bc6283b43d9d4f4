/**
 * The agent event stream over real HTTP (API.md "Agent event stream"): content type, event ids,
 * every event name with `interactionId`, per-agent isolation, Last-Event-ID replay without loss
 * or duplicates, and the keep-alive comment.
 */
import assert from "node:assert/strict";
import { type EventReader, eventually, msg, startServer, type TestServer } from "./harness.ts";
import { activeFor, AGENTS, assertError, config, newInteraction } from "./api_support.ts";

const idsOf = (r: EventReader) => r.events.map((e) => e.id ?? "");

/** Event ids are `<versionstamp>.<index>.<commit id>`: every one well formed, in commit order. */
function assertOrdered(ids: string[]) {
  const positions = ids.map((id) => {
    const m = /^([0-9a-f]{20})\.(\d+)\.[0-9A-Z]{26}$/.exec(id);
    assert.ok(m, `bad id ${id}`);
    return [m[1], Number(m[2])] as const;
  });
  for (let i = 1; i < positions.length; i++) {
    const [[s0, i0], [s1, i1]] = [positions[i - 1], positions[i]];
    assert.ok(s1 > s0 || (s1 === s0 && i1 > i0), `ids out of order: ${ids}`);
  }
}

async function withServer(fn: (s: TestServer) => Promise<void>, keepAliveMs?: number) {
  const s = await startServer({ config: await config({}, [AGENTS[0], AGENTS[1], AGENTS[2]]), keepAliveMs });
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}

Deno.test("events - the stream is text/event-stream and needs a valid session", async () => {
  await withServer(async (s) => {
    const alice = await s.agent("alice");
    const ctrl = new AbortController();
    const res = await fetch(`${s.url}/api/v1/me/events`, {
      headers: { authorization: `Bearer ${alice.token}` },
      signal: ctrl.signal,
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/);
    ctrl.abort();
    await res.body?.cancel().catch(() => {});
    assertError(await s.request("GET", "/api/v1/me/events"), 401);
    assertError(await s.request("GET", "/api/v1/me/events", { token: "nope" }), 401);
  });
});

Deno.test("events - every event has an id, a name and data with the interaction id", async () => {
  await withServer(async (s) => {
    const alice = await s.agent("alice", { available: true });
    const events = alice.events();
    await events.ready;
    try {
      const id = await newInteraction(s, "t-ev-all");
      const offered = await events.next("interaction.offered", (d) => d.interactionId === id);
      assert.ok("acceptDeadline" in offered.data);
      assert.equal(offered.data.acceptDeadline, null);
      assert.equal((await alice.act(id, "accept")).status, 200);
      const updated = await events.next("interaction.updated", (d) => d.interactionId === id);
      assert.equal(updated.data.interaction.state, "active");
      const inbound = await s.inbound("webchat", msg("t-ev-all", { body: "More details" }));
      const created = await events.next("message.created", (d) => d.messageId === inbound.body.messageId);
      assert.equal(created.data.interactionId, id);
      assert.equal(created.data.muted, false);
      const threadId = inbound.body.threadId;
      assert.equal((await alice.req("POST", `/api/v1/threads/${threadId}/mute`)).status, 200);
      const muted = await s.inbound("webchat", msg("t-ev-all", { body: "Hello?" }));
      assert.equal(
        (await events.next("message.created", (d) => d.messageId === muted.body.messageId)).data.muted,
        true,
      );
      const reply = await alice.act(id, "reply", { body: "Sure" });
      await events.next("message.created", (d) => d.messageId === reply.body.message.id);
      assert.equal(
        (await s.event("webchat", { type: "conversation.closed", thread: { id: "t-ev-all" } })).status,
        202,
      );
      await events.next("conversation.closed", (d) => d.interactionId === id);
      // An offer taken back (its agent transfers it before accepting) is withdrawn.
      const second = await newInteraction(s, "t-ev-withdrawn");
      await events.next("interaction.offered", (d) => d.interactionId === second);
      assert.equal((await alice.act(second, "transfer", { agentId: "bob" })).status, 200);
      const withdrawn = await events.next("interaction.withdrawn", (d) => d.interactionId === second);
      assert.equal(withdrawn.data.reason, "transferred");
      for (const e of events.events) {
        assert.ok(e.id, `event ${e.event} without id`);
        assert.equal(typeof e.data.interactionId, "string", `${e.event} without interactionId`);
      }
      assertOrdered(idsOf(events));
    } finally {
      events.close();
    }
  });
});

Deno.test("events - each agent's stream carries only that agent's events", async () => {
  await withServer(async (s) => {
    const alice = await s.agent("alice", { available: true });
    const bob = await s.agent("bob");
    const [a, b] = [alice.events(), bob.events()];
    await Promise.all([a.ready, b.ready]);
    try {
      const id = await activeFor(alice, "t-ev-own");
      await alice.act(id, "reply", { body: "Hi" });
      await a.next("message.created", (d) => d.interactionId === id);
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(b.events, []);
    } finally {
      a.close();
      b.close();
    }
  });
});

Deno.test("events - reconnecting with Last-Event-ID replays exactly the missed events, in order", async () => {
  await withServer(async (s) => {
    const alice = await s.agent("alice", { available: true });
    const first = alice.events();
    await first.ready;
    const id = await newInteraction(s, "t-replay");
    // The offer and the new message's event are written in one commit: wait for both.
    await first.next("interaction.offered", (d) => d.interactionId === id);
    await first.next("message.created", (d) => d.interactionId === id);
    assertOrdered(idsOf(first));
    const lastSeen = first.events.at(-1)!.id!;
    first.close();
    await eventually(() => first.closed, 5_000, "the first stream to close");

    // While disconnected: accept, a customer message, a reply, a second offer.
    assert.equal((await alice.act(id, "accept")).status, 200);
    const inbound = await s.inbound("webchat", msg("t-replay", { body: "while you were away" }));
    const reply = await alice.act(id, "reply", { body: "back" });
    const other = await newInteraction(s, "t-replay-2");

    const resumed = alice.events(lastSeen);
    await resumed.ready;
    try {
      await resumed.next("interaction.offered", (d) => d.interactionId === other);
      const names = resumed.events.map((e) => e.event);
      assert.deepEqual(names, [
        "interaction.updated",
        "message.created",
        "message.created",
        "interaction.offered",
      ]);
      assert.equal(resumed.events[1].data.messageId, inbound.body.messageId);
      assert.equal(resumed.events[2].data.messageId, reply.body.message.id);
      assertOrdered([lastSeen, ...idsOf(resumed)]);
      // Live events keep flowing on the resumed stream.
      await alice.act(other, "accept");
      await resumed.next("interaction.updated", (d) => d.interactionId === other);
      assertOrdered([lastSeen, ...idsOf(resumed)]);
    } finally {
      resumed.close();
    }

    // The query-string form works too (EventSource cannot set headers on the first connect).
    const viaQuery = await fetch(`${s.url}/api/v1/me/events?lastEventId=${lastSeen}`, {
      headers: { authorization: `Bearer ${alice.token}` },
    });
    const reader = viaQuery.body!.pipeThrough(new TextDecoderStream()).getReader();
    const replayed = idsOf(resumed);
    let text = "";
    while (!text.includes(`id: ${replayed[3]}`)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    await reader.cancel();
    assert.ok(text.includes(`id: ${replayed[0]}\n`), text);
    assert.ok(!text.includes(`id: ${lastSeen}\n`), "the acknowledged event is not sent again");

    // A fresh connection without Last-Event-ID starts at the head: no replay.
    const fresh = alice.events();
    await fresh.ready;
    try {
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(fresh.events, []);
    } finally {
      fresh.close();
    }
  });
});

Deno.test("events - a keep-alive comment is sent while the stream is quiet", async () => {
  await withServer(async (s) => {
    const alice = await s.agent("alice");
    const events = alice.events();
    await events.ready;
    try {
      // The first comment is the connect greeting; more come from the keep-alive timer.
      await eventually(() => events.comments >= 4, 5_000, "keep-alive comments");
      assert.deepEqual(events.events, []);
      assert.equal(events.closed, false);
    } finally {
      events.close();
    }
  }, 50);
});
