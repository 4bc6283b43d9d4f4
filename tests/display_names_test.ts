/**
 * Names and file names shown to people carry no control or bidi characters (a file name with a
 * right-to-left override reads backwards: "invoice‮fdp.exe" shows as "invoiceexe.pdf"), whether
 * they come from a connector or from the web chat widget.
 */
import assert from "node:assert/strict";
import { msg, startServer } from "./harness.ts";
import { activeFor, AGENTS, config } from "./api_support.ts";
import { tinyPng, webchatConfig } from "./browser/webchat_support.ts";
import { Visitor } from "./widget_client.ts";

// deno-lint-ignore no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

Deno.test("display names - a connector's customer name, thread title and attachment names are cleaned at ingest", async () => {
  const s = await startServer({ config: await config({}, [AGENTS[0]]) });
  try {
    const alice = await s.agent("alice", { available: true });
    const id = await activeFor(alice, "t-names", {
      author: { id: "c-1", name: "Jeanne\u0007 \u202eDupont\u0000" },
      thread: { id: "t-names", title: "Order\r\n\u001b[31m42" },
      attachments: [{ url: "https://files.example/a", name: "invoice\u202efdp.exe" }],
    });
    const d = (await alice.req("GET", `/api/v1/interactions/${id}`)).body;
    assert.equal(d.thread.identity?.name ?? d.interaction.customer.name, "Jeanne Dupont");
    assert.equal(d.interaction.customer.name, "Jeanne Dupont");
    const m = d.messages.at(-1);
    assert.equal(m.attachments[0].name, "invoicefdp.exe");
    assert.ok(!UNSAFE.test(JSON.stringify(d)), "nothing unsafe reaches the agent");
    // A name made only of controls reads as absent: the customer's id stands in.
    const r = await s.inbound("webchat", msg("t-empty", { author: { id: "c-2", name: "\u202e\u0000" } }));
    assert.equal(r.status, 202);
  } finally {
    await s.close();
  }
});

Deno.test("display names - the widget's customer name and uploaded file names are cleaned", async () => {
  const s = await startServer({ config: await webchatConfig() });
  try {
    const v = await Visitor.start(s);
    const up = await fetch(`${s.url}/api/v1/webchat/webchat/uploads`, {
      method: "POST",
      headers: { "x-widget-token": v.token, "x-file-name": encodeURIComponent("cat\u202egnp.exe") },
      body: tinyPng() as Uint8Array<ArrayBuffer>,
    });
    const upload = (await up.json()).upload;
    assert.equal(up.status, 201);
    assert.equal(upload.name, "catgnp.exe");
    const r = await v.req("POST", "/messages", {
      id: "names-0001",
      body: "hi",
      name: "Zoë\u200f \u0007Martin",
    });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const t = [];
    for await (const e of s.kv.list<{ identity: { name: string } }>({ prefix: ["thread"] })) t.push(e.value);
    assert.deepEqual(t.map((x) => x.identity.name), ["Zoë Martin"]);
  } finally {
    await s.close();
  }
});
