/**
 * Co-browsing over the API: lifecycle, relay both ways, authorisation per session (only its
 * agent and its customer), eligibility by source kind, and audit entries. Refused requests
 * answer the API error body and relay nothing.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { type AgentClient, eventually, msg, startServer, type TestServer } from "./harness.ts";
import { readStream, Visitor } from "./widget_client.ts";
import { webchatConfig } from "./browser/webchat_support.ts";

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
      v.token.slice(0, -2) + "00",
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
    assertEquals((await alice.req("POST", `/api/v1/interactions/${waId}/cobrowse`)).status, 201);

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
