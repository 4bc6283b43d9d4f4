/**
 * Co-browsing over the API: lifecycle, relay both ways, authorisation per session (only its
 * agent and its customer), eligibility by source kind, and audit entries. Refused requests
 * answer the API error body and relay nothing.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import {
  type AgentClient,
  eventually,
  msg,
  startCallbackServer,
  startServer,
  type TestServer,
} from "./harness.ts";
import { movableClock } from "./api_support.ts";
import { forgeTail } from "./seed.ts";
import { readStream, Visitor } from "./widget_client.ts";
import { webchatConfig } from "./browser/webchat_support.ts";
import { directoryOf } from "../desk/views.ts";

const isError = (body: { error?: { code?: string; message?: unknown } } | null, code: string) =>
  body?.error?.code === code && typeof body.error.message === "string";

async function setup(
  fn: (
    c: { s: TestServer; alice: AgentClient; bob: AgentClient; v: Visitor; interactionId: string },
  ) => Promise<void>,
) {
  const config = await webchatConfig();
  config.roles.readonly = ["accept", "reply"];
  const s = await startServer({ config });
  try {
    const alice = await s.agent("alice", { available: true });
    const bob = await s.agent("bob");
    const v = await Visitor.start(s);
    const sent = await v.say("Please help me on this page");
    await eventually(async () =>
      (await alice.folder("in_progress")).some((i) => i.id === sent.body.interactionId)
    );
    assertEquals((await alice.act(sent.body.interactionId, "accept")).status, 200);
    await fn({ s, alice, bob, v, interactionId: sent.body.interactionId });
  } finally {
    await s.close();
  }
}

async function head(s: TestServer, id: string, dir: "up" | "down"): Promise<number> {
  return (await s.kv.get<number>(["cobrowse_head", id, dir])).value ?? 0;
}

const EVENTS = [{ type: 4, timestamp: Date.now(), data: { href: "http://shop/", width: 800, height: 600 } }];

Deno.test("cobrowse - request, accept, relay both ways under control, end; each step audited", async () => {
  await setup(async ({ s, alice, v, interactionId }) => {
    const req = await alice.req("POST", `/api/v1/interactions/${interactionId}/cobrowse`);
    assertEquals(req.status, 201);
    const id = req.body.cobrowse.id;
    assertEquals(req.body.cobrowse.state, "requested");
    assertEquals(req.body.cobrowse.excludeSelectors, [".card-number", "[data-private]"]);
    assertEquals((await alice.req("POST", `/api/v1/interactions/${interactionId}/cobrowse`)).status, 409);

    // Before the customer accepts, nothing is relayed either way.
    const early = await v.cobrowse(id, "events", { events: EVENTS });
    assertEquals(early.status, 409);
    assert(isError(early.body, "cobrowse_not_accepted"));
    assertEquals(await head(s, id, "up"), 0);

    const agentView = readStream(`${s.url}/api/v1/cobrowse/${id}/events`, {
      authorization: `Bearer ${alice.token}`,
    });
    const pageView = readStream(
      `${s.url}/api/v1/webchat/webchat/cobrowse/${id}/stream?token=${encodeURIComponent(v.token)}`,
    );
    // The agent's view relays what comes after it opened: open both before anything is sent.
    await Promise.all([agentView.ready, pageView.ready]);
    try {
      assertEquals((await v.cobrowse(id, "accept")).body.cobrowse.state, "active");
      assertEquals((await v.cobrowse(id, "events", { events: EVENTS })).status, 202);
      await eventually(
        () => agentView.events.some((e) => e.event === "rrweb" && JSON.parse(e.data)[0].type === 4),
        5000,
        "rrweb on the agent side",
      );

      // A big batch (a full snapshot of a large page) is split and arrives whole.
      const big = [{ type: 2, timestamp: Date.now(), data: { node: { text: "x".repeat(150_000) } } }];
      assertEquals((await v.cobrowse(id, "events", { events: big })).status, 202);
      await eventually(
        () => agentView.events.some((e) => e.event === "rrweb" && JSON.parse(e.data)[0].type === 2),
        5000,
        "the big batch",
      );
      assertEquals(
        JSON.parse(agentView.events.find((e) => e.event === "rrweb" && e.data.includes('"type":2'))!.data)[0]
          .data.node.text.length,
        150_000,
      );

      const click = { kind: "click", x: 10, y: 20 };
      const noControl = await alice.req("POST", `/api/v1/cobrowse/${id}/commands`, click);
      assertEquals(noControl.status, 409);
      assert(isError(noControl.body, "no_control"));
      assertEquals(
        (await alice.req("POST", `/api/v1/cobrowse/${id}/commands`, {
          kind: "highlight",
          x: 1,
          y: 2,
          width: 30,
          height: 40,
        })).status,
        202,
      );
      assertEquals(
        (await alice.req("POST", `/api/v1/cobrowse/${id}/control`, { enabled: true })).body.cobrowse.control,
        true,
      );
      assertEquals((await alice.req("POST", `/api/v1/cobrowse/${id}/commands`, click)).status, 202);
      await eventually(
        () => pageView.events.some((e) => e.event === "command" && JSON.parse(e.data).kind === "click"),
        5000,
        "the click on the page side",
      );
      assert(pageView.events.some((e) => e.event === "command" && JSON.parse(e.data).kind === "highlight"));
      assertEquals((await v.cobrowse(id, "revoke")).body.cobrowse.control, false);
      assertEquals((await alice.req("POST", `/api/v1/cobrowse/${id}/commands`, click)).status, 409);

      assertEquals((await v.cobrowse(id, "end")).body.cobrowse.endedBy, "customer");
      await eventually(
        () => agentView.events.some((e) => e.event === "state" && JSON.parse(e.data).state === "ended"),
        5000,
        "ended",
      );
    } finally {
      agentView.close();
      pageView.close();
    }
    const d = await alice.req("GET", `/api/v1/interactions/${interactionId}`);
    const audit = await alice.req("GET", `/api/v1/threads/${d.body.thread.id}/audit`);
    const types = audit.body.items.map((e: { type: string }) => e.type);
    for (
      const t of [
        "cobrowse.requested",
        "cobrowse.accepted",
        "cobrowse.control_taken",
        "cobrowse.control_revoked",
        "cobrowse.ended",
      ]
    ) {
      assert(types.includes(t), `audit has ${t}: ${types}`);
    }
  });
});

Deno.test("cobrowse - events for a session that has ended or is not yours are refused and relay nothing", async () => {
  await setup(async ({ s, alice, bob, v, interactionId }) => {
    const id = (await alice.req("POST", `/api/v1/interactions/${interactionId}/cobrowse`)).body.cobrowse.id;
    const stranger = await Visitor.start(s);
    for (const action of ["accept", "decline", "end", "revoke"]) {
      const r = await stranger.cobrowse(id, action);
      assertEquals(r.status, 404, action);
      assert(isError(r.body, "unknown_cobrowse"));
    }
    assertEquals((await v.cobrowse(id, "accept")).status, 200);
    const notYours = await stranger.cobrowse(id, "events", { events: EVENTS });
    assertEquals(notYours.status, 404);
    const forged = await v.req(
      "POST",
      `/cobrowse/${id}/events`,
      { events: EVENTS },
      {},
      forgeTail(v.token, 2),
    );
    assertEquals(forged.status, 401);
    const streamOfStranger = await fetch(
      `${s.url}/api/v1/webchat/webchat/cobrowse/${id}/stream?token=${encodeURIComponent(stranger.token)}`,
    );
    assertEquals(streamOfStranger.status, 404);
    await streamOfStranger.body?.cancel();
    for (
      const [method, path, body] of [
        ["GET", `/api/v1/cobrowse/${id}`, undefined],
        ["POST", `/api/v1/cobrowse/${id}/control`, { enabled: true }],
        ["POST", `/api/v1/cobrowse/${id}/commands`, { kind: "highlight", x: 0, y: 0, width: 5, height: 5 }],
        ["POST", `/api/v1/cobrowse/${id}/end`, {}],
        ["GET", `/api/v1/cobrowse/${id}/events`, undefined],
      ] as const
    ) {
      const r = await bob.req(method, path, body);
      assertEquals(r.status, 404, `${method} ${path}`);
      assert(isError(r.body, "unknown_cobrowse"));
    }
    assertEquals(await head(s, id, "up"), 0);
    assertEquals(await head(s, id, "down"), 0);

    assertEquals((await alice.req("POST", `/api/v1/cobrowse/${id}/end`)).body.cobrowse.endedBy, "agent");
    const late = await v.cobrowse(id, "events", { events: EVENTS });
    assertEquals(late.status, 409);
    assert(isError(late.body, "cobrowse_ended"));
    const lateCommand = await alice.req("POST", `/api/v1/cobrowse/${id}/commands`, {
      kind: "highlight",
      x: 0,
      y: 0,
      width: 5,
      height: 5,
    });
    assertEquals(lateCommand.status, 409);
    assertEquals((await v.cobrowse(id, "accept")).status, 409);
    assertEquals(await head(s, id, "up"), 0);
    assertEquals(await head(s, id, "down"), 0);

    const invalid = await alice.req("POST", `/api/v1/interactions/${interactionId}/cobrowse`);
    const id2 = invalid.body.cobrowse.id;
    await v.cobrowse(id2, "accept");
    const badCommand = await alice.req("POST", `/api/v1/cobrowse/${id2}/commands`, {
      kind: "script",
      code: "alert(1)",
    });
    assertEquals(badCommand.status, 400);
    const badEvents = await v.cobrowse(id2, "events", { events: [{ nope: true }] });
    assertEquals(badEvents.status, 400);
    assertEquals(await head(s, id2, "down"), 0);
  });
});

Deno.test("cobrowse - only on chat and messaging sources, only for the owner, only with the permission", async () => {
  await setup(async ({ s, alice, bob, interactionId }) => {
    const theirs = await bob.req("POST", `/api/v1/interactions/${interactionId}/cobrowse`);
    assertEquals(theirs.status, 409);
    assert(isError(theirs.body, "not_owner"));

    await s.inbound("mail", msg("m-1", { categories: ["billing"] }));
    const mailId = (await eventually(async () =>
      (await alice.folder("in_progress")).find((i) => i.sourceId === "mail")
    ))!.id;
    await alice.act(mailId, "accept");
    const email = await alice.req("POST", `/api/v1/interactions/${mailId}/cobrowse`);
    assertEquals(email.status, 409);
    assert(isError(email.body, "cobrowse_unavailable"));

    await s.inbound("wa", msg("w-1", { categories: ["billing"] }));
    const waId = (await eventually(async () =>
      (await alice.folder("in_progress")).find((i) =>
        i.sourceId === "wa" && i.state === "offered"
      )
    ))!.id;
    await alice.act(waId, "accept");
    // A messaging source takes part only with a page to send its customers to (cobrowseUrl).
    const noPage = await alice.req("POST", `/api/v1/interactions/${waId}/cobrowse`);
    assertEquals(noPage.status, 409);
    assert(isError(noPage.body, "cobrowse_unavailable"));
    // …and the routing view shows its co-browsing icon only where it works.
    assertEquals(directoryOf(s.desk).sources.map((x) => [x.id, x.cobrowse]), [
      ["webchat", true],
      ["wa", false],
      ["mail", false],
    ]);

    const config = structuredClone(s.desk.config);
    config.roles.agent = config.roles.agent.filter((p) => p !== "cobrowse");
    s.desk.ctx.setConfig(config);
    const refused = await alice.req("POST", `/api/v1/interactions/${interactionId}/cobrowse`);
    assertEquals(refused.status, 403);
    assertEquals(
      await (async () => {
        let n = 0;
        for await (const e of s.kv.list<{ interactionId: string }>({ prefix: ["cobrowse"] })) {
          if (e.value.interactionId === interactionId) n++;
        }
        return n;
      })(),
      0,
    );
  });
});

/** A live session on a new visitor's interaction, with both sides' streams open. */
async function liveSession(s: TestServer, alice: AgentClient, text: string, watch = true) {
  const v = await Visitor.start(s);
  const sent = await v.say(text);
  const interactionId: string = sent.body.interactionId;
  await eventually(
    async () =>
      (await alice.folder("in_progress")).some((i) => i.id === interactionId && i.state === "offered"),
    5000,
    "the offer",
  );
  assertEquals((await alice.act(interactionId, "accept")).status, 200);
  const id: string =
    (await alice.req("POST", `/api/v1/interactions/${interactionId}/cobrowse`)).body.cobrowse.id;
  assertEquals((await v.cobrowse(id, "accept")).status, 200);
  const open = (url: string, headers: Record<string, string> = {}) =>
    watch
      ? readStream(url, headers)
      : { events: [], close() {}, done: Promise.resolve(), ready: Promise.resolve() };
  const agentView = open(`${s.url}/api/v1/cobrowse/${id}/events`, { authorization: `Bearer ${alice.token}` });
  const pageView = open(
    `${s.url}/api/v1/webchat/webchat/cobrowse/${id}/stream?token=${encodeURIComponent(v.token)}`,
  );
  await Promise.all([agentView.ready, pageView.ready]);
  const threadId: string = sent.body.threadId;
  return { v, interactionId, threadId, id, agentView, pageView };
}

const ended = (events: { event: string; data: string }[]) =>
  events.some((e) => e.event === "state" && JSON.parse(e.data).state === "ended");

Deno.test("cobrowse - the session ends at once when its interaction leaves the agent: both sides told, audited, nothing relayed after", async () => {
  const config = await webchatConfig();
  const s = await startServer({ config });
  try {
    const alice = await s.agent("alice", { available: true });
    const feed = alice.events();
    const cases: [string, (c: { v: Visitor; interactionId: string }) => Promise<unknown>][] = [
      [
        "transferred",
        (c) => alice.act(c.interactionId, "transfer", { teamId: "support", comment: "over to you" }),
      ],
      [
        "deferred",
        (c) => alice.act(c.interactionId, "defer", { until: new Date(Date.now() + 3600_000).toISOString() }),
      ],
      ["completed", (c) => alice.act(c.interactionId, "complete")],
      ["conversation_closed", (c) => c.v.req("POST", "/close")],
    ];
    for (const [reason, leave] of cases) {
      const c = await liveSession(s, alice, `Help with ${reason}`);
      try {
        await eventually(
          () =>
            c.agentView.events.some((e) => e.event === "state") &&
            c.pageView.events.some((e) => e.event === "state"),
          5000,
          "both streams open",
        );
        const heads = [await head(s, c.id, "up"), await head(s, c.id, "down")];
        const r = await leave(c) as { status: number };
        assert(r.status < 300, `${reason}: ${r.status}`);
        // Both sides are told without anyone touching the session.
        await eventually(
          () => ended(c.agentView.events) && ended(c.pageView.events),
          5000,
          `${reason}: both sides told`,
        );
        await feed.next(
          "cobrowse.updated",
          (d) => d.cobrowse.id === c.id && d.cobrowse.state === "ended" && d.cobrowse.endReason === reason,
          5000,
        );
        const view = (await alice.req("GET", `/api/v1/cobrowse/${c.id}`)).body.cobrowse;
        assertEquals([view.state, view.endedBy, view.endReason], ["ended", "system", reason]);
        const audit = (await alice.req("GET", `/api/v1/threads/${c.threadId}/audit`)).body.items
          .filter((e: { type: string }) => e.type === "cobrowse.ended");
        assertEquals(audit.length, 1, `${reason}: one audit entry`);
        assertEquals(audit[0].actor.type, "system");
        // Nothing goes through any more, either way.
        const up = await c.v.cobrowse(c.id, "events", { events: EVENTS });
        assertEquals(up.status, 409, reason);
        assert(isError(up.body, "cobrowse_ended"));
        const down = await alice.req("POST", `/api/v1/cobrowse/${c.id}/commands`, {
          kind: "highlight",
          x: 0,
          y: 0,
          width: 5,
          height: 5,
        });
        assertEquals(down.status, 409, reason);
        assert(isError(down.body, "cobrowse_ended"));
        assertEquals([await head(s, c.id, "up"), await head(s, c.id, "down")], heads);
      } finally {
        c.agentView.close();
        c.pageView.close();
      }
    }
  } finally {
    await s.close();
  }
});

Deno.test("cobrowse - a session whose interaction left without the desk's hook (a crash) is refused and ended on its next use", async () => {
  await setup(async ({ s, alice, v, interactionId }) => {
    const id = (await alice.req("POST", `/api/v1/interactions/${interactionId}/cobrowse`)).body.cobrowse.id;
    assertEquals((await v.cobrowse(id, "accept")).status, 200);
    // The interaction moves on by a write that never ran the desk's post-commit hook.
    const key = ["interaction", interactionId];
    const i = (await s.kv.get<Record<string, unknown>>(key)).value!;
    await s.kv.set(key, {
      ...i,
      state: "deferred",
      deferredUntil: new Date(Date.now() + 3600_000).toISOString(),
    });
    const up = await v.cobrowse(id, "events", { events: EVENTS });
    assertEquals(up.status, 409);
    assert(isError(up.body, "cobrowse_ended"));
    assertEquals(await head(s, id, "up"), 0);
    const view = (await alice.req("GET", `/api/v1/cobrowse/${id}`)).body.cobrowse;
    assertEquals([view.state, view.endedBy, view.endReason], ["ended", "system", "deferred"]);
    const d = await alice.req("GET", `/api/v1/interactions/${interactionId}`);
    const audit = (await alice.req("GET", `/api/v1/threads/${d.body.thread.id}/audit`)).body.items
      .filter((e: { type: string }) => e.type === "cobrowse.ended");
    assertEquals(audit.length, 1);
  });
});

Deno.test("cobrowse - with neither side watching, the desk ends the session right after the interaction leaves", async () => {
  const s = await startServer({ config: await webchatConfig() });
  try {
    const alice = await s.agent("alice", { available: true });
    const c = await liveSession(s, alice, "Nobody watches", false);
    assertEquals((await alice.act(c.interactionId, "complete")).status, 200);
    // Read straight from KV: no API call that could end it on the way.
    const session = await eventually(
      async () => {
        const v = (await s.kv.get<{ state: string; endReason: string }>(["cobrowse", c.id])).value;
        return v?.state === "ended" ? v : null;
      },
      5000,
      "the session ended by the desk",
    );
    assertEquals(session!.endReason, "completed");
  } finally {
    await s.close();
  }
});

Deno.test("cobrowse - messaging: the invitation goes out through the connector as a signed short-lived link, accepted once on the site's page", async () => {
  const cb = await startCallbackServer();
  const clock = movableClock();
  const config = await webchatConfig();
  const wa = config.sources.find((x) => x.id === "wa")!;
  wa.cobrowseUrl = "/demo";
  wa.callbackUrl = cb.url;
  const s = await startServer({ config, clock });
  try {
    const alice = await s.agent("alice", { available: true });
    const sent = await s.inbound("wa", msg("wa-link", { categories: ["billing"], language: "fr" }));
    const interactionId: string = sent.body.interactionId;
    await eventually(async () => (await alice.folder("in_progress")).some((i) => i.id === interactionId));
    await alice.act(interactionId, "accept");
    const req = await alice.req("POST", `/api/v1/interactions/${interactionId}/cobrowse`);
    assertEquals(req.status, 201);
    const id: string = req.body.cobrowse.id;
    assertEquals([req.body.cobrowse.channel, req.body.cobrowse.state], ["link", "requested"]);
    const expires = Date.parse(req.body.cobrowse.inviteExpiresAt) - clock.now();
    assert(expires > 9 * 60_000 && expires <= 10 * 60_000, `invitation valid ${expires} ms`);

    // The customer gets it through the connector: a link to the site's page, token in the fragment.
    const out = await eventually(
      () => cb.received.find((r) => r.json.message?.structured?.type === "cobrowse_invite"),
      5000,
      "the invitation delivered",
    );
    const invite = out!.json.message;
    const url: string = invite.structured.url;
    assert(url.startsWith(`${s.url}/demo#rd-cobrowse=i1.${id}.`), url);
    assert(invite.body.includes(url) && invite.body.includes("souhaite voir"), invite.body);
    const token = decodeURIComponent(url.split("#rd-cobrowse=")[1]);
    const guest = (credential: string) => (method: string, path = "", body?: unknown) =>
      s.request(method, `/api/v1/guest/cobrowse/${id}${path}`, {
        body,
        headers: { "x-widget-token": credential },
      });
    const byLink = guest(token);

    const seen = await byLink("GET");
    assertEquals([seen.status, seen.body.cobrowse.state, seen.body.cobrowse.agentName], [
      200,
      "requested",
      "Alice",
    ]);
    // The invitation lets the customer see and answer, nothing else.
    const early = await byLink("POST", "/events", { events: EVENTS });
    assertEquals(early.status, 401);
    assert(isError(early.body, "bad_cobrowse_link"));
    const forged = forgeTail(token);
    assertEquals((await guest(forged)("GET")).status, 404);
    const extended = token.replace(/\.(\d+)\./, (_m, e) => `.${Number(e) + 3600}.`);
    assertEquals((await guest(extended)("GET")).status, 404);
    const chatVisitor = await Visitor.start(s);
    assertEquals((await chatVisitor.cobrowse(id, "accept")).status, 404);

    const accepted = await byLink("POST", "/accept");
    assertEquals(accepted.status, 200);
    assertEquals(accepted.body.cobrowse.state, "active");
    const key: string = accepted.body.key;
    assert(/^k1\./.test(key));
    // Spent: a second use of the link (someone who intercepted it) gets nothing.
    const again = await byLink("POST", "/accept");
    assertEquals(again.status, 409);
    assert(isError(again.body, "cobrowse_already_accepted"));
    assertEquals((await byLink("POST", "/events", { events: EVENTS })).status, 401);
    assertEquals((await guest(`k1.${"A".repeat(43)}`)("POST", "/events", { events: EVENTS })).status, 404);

    const agentView = readStream(`${s.url}/api/v1/cobrowse/${id}/events`, {
      authorization: `Bearer ${alice.token}`,
    });
    const pageView = readStream(
      `${s.url}/api/v1/guest/cobrowse/${id}/stream?token=${encodeURIComponent(key)}`,
    );
    await Promise.all([agentView.ready, pageView.ready]);
    try {
      const byKey = guest(key);
      await eventually(
        () =>
          agentView.events.some((e) => e.event === "state") &&
          pageView.events.some((e) => e.event === "state"),
        5000,
        "both streams open",
      );
      assertEquals((await byKey("POST", "/events", { events: EVENTS })).status, 202);
      await eventually(() => agentView.events.some((e) => e.event === "rrweb"), 5000, "rrweb relayed");
      await alice.req("POST", `/api/v1/cobrowse/${id}/control`, { enabled: true });
      assertEquals(
        (await alice.req("POST", `/api/v1/cobrowse/${id}/commands`, { kind: "click", x: 1, y: 2 })).status,
        202,
      );
      await eventually(
        () => pageView.events.some((e) => e.event === "command" && JSON.parse(e.data).kind === "click"),
        5000,
        "the click on the page",
      );
      assertEquals((await byKey("POST", "/revoke")).body.cobrowse.control, false);
      assertEquals((await byKey("POST", "/end")).body.cobrowse.endedBy, "customer");
      await eventually(() => ended(agentView.events) && ended(pageView.events), 5000, "both told");
    } finally {
      agentView.close();
      pageView.close();
    }

    // A link nobody opened in time expires, and does not block a new request.
    const second = (await alice.req("POST", `/api/v1/interactions/${interactionId}/cobrowse`)).body.cobrowse;
    const secondUrl = await eventually(
      () =>
        cb.received.map((r) => r.json.message?.structured?.url as string).find((u) => u?.includes(second.id)),
      5000,
      "the second invitation",
    );
    clock.advance(10 * 60_000 + 1000);
    const late = await s.request("GET", `/api/v1/guest/cobrowse/${second.id}`, {
      headers: { "x-widget-token": decodeURIComponent(secondUrl!.split("#rd-cobrowse=")[1]) },
    });
    assertEquals(late.status, 401);
    assert(isError(late.body, "cobrowse_link_expired"));
    const third = await alice.req("POST", `/api/v1/interactions/${interactionId}/cobrowse`);
    assertEquals(third.status, 201);
    const old = (await alice.req("GET", `/api/v1/cobrowse/${second.id}`)).body.cobrowse;
    assertEquals([old.state, old.endReason], ["ended", "invite_expired"]);
    const audit = (await alice.req("GET", `/api/v1/threads/${sent.body.threadId}/audit`)).body.items;
    assert(
      audit.some((e: { type: string; details: { channel?: string } }) =>
        e.type === "cobrowse.requested" && e.details.channel === "link"
      ),
    );
  } finally {
    await s.close();
    await cb.close();
  }
});
