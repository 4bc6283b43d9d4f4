// deno-lint-ignore-file no-explicit-any -- API responses are untyped JSON until parsed here
/**
 * The answers and events the server sends, against the shared wire schemas made strict
 * (lib/shared/wire/): what the API documents, the islands read and the server writes is one
 * declaration. Real HTTP, real KV.
 */
import assert from "node:assert/strict";
import type { z } from "zod";
import { agentViewSchema } from "../lib/shared/wire/agent.ts";
import {
  FOLDER_NAMES,
  interactionViewSchema,
  messageViewSchema,
  threadViewSchema,
} from "../lib/shared/wire/views.ts";
import { AGENT_EVENT_NAMES } from "../lib/shared/wire/events.ts";
import { startServer } from "./harness.ts";
import { activeInteraction } from "./flow_helpers.ts";

/** Parses `value` with `schema` made strict and checks nothing was dropped or changed. */
function exactly(schema: z.ZodObject, value: unknown, what: string): void {
  const r = schema.strict().safeParse(value);
  assert.ok(r.success, `${what}: ${r.success ? "" : JSON.stringify(r.error.issues)}`);
  assert.deepEqual(r.data, value, what);
}

Deno.test("wire - the API's views and the feed's payloads match the shared schemas exactly", async () => {
  const s = await startServer();
  try {
    const alice = await s.agent("alice", { available: true });
    const stream = alice.events();
    await stream.ready;
    const { id, threadId } = await activeInteraction(s, alice, "wire1");

    const me = (await alice.req("GET", "/api/v1/me")).body;
    const { folders, ...agent } = me;
    exactly(agentViewSchema, agent, "GET /me");
    assert.deepEqual(Object.keys(folders).sort(), [...FOLDER_NAMES].sort());

    const detail = (await alice.req("GET", `/api/v1/interactions/${id}`)).body;
    exactly(interactionViewSchema, detail.interaction, "the interaction");
    exactly(threadViewSchema, detail.thread, "the thread");
    assert.ok(detail.messages.length > 0);
    for (const m of detail.messages) exactly(messageViewSchema, m, "a message");

    const reply = await alice.act(id, "reply", { body: "Hello from the desk" });
    assert.equal(reply.status, 201);
    exactly(messageViewSchema, reply.body.message, "the reply");
    const categorized = await alice.req("POST", `/api/v1/threads/${threadId}/categorize`, { categories: [] });
    assert.equal(categorized.status, 200, JSON.stringify(categorized.body));
    exactly(threadViewSchema, categorized.body.thread, "POST /threads/{id}/categorize");
    if (categorized.body.interaction) {
      exactly(interactionViewSchema, categorized.body.interaction, "POST /threads/{id}/categorize");
    }

    // The feed: every event is a known name, and the interaction it carries is a whole view.
    const offered = await stream.next("interaction.offered", (d: any) => d.interactionId === id);
    exactly(interactionViewSchema, offered.data.interaction, "interaction.offered");
    assert.equal(offered.data.acceptDeadline, offered.data.interaction.acceptDeadline);
    for (const e of stream.events) {
      assert.ok((AGENT_EVENT_NAMES as readonly string[]).includes(e.event), `unknown event ${e.event}`);
      if (e.data?.interaction) exactly(interactionViewSchema, e.data.interaction, e.event);
      if (e.data?.message) exactly(messageViewSchema, e.data.message, e.event);
    }
  } finally {
    await s.close();
  }
});
