/**
 * The actors' view functions against the shared wire schemas: each view of a real state, at
 * each step of its life, parses with its schema made strict (no key the schema does not
 * declare, every value of the declared type) and comes out unchanged.
 */
import assert from "node:assert/strict";
import type { z } from "zod";
import { agentViewSchema } from "../lib/shared/wire/agent.ts";
import {
  folderItemSchema,
  interactionViewSchema,
  messageViewSchema,
  threadViewSchema,
} from "../lib/shared/wire/views.ts";
import { agentView, decideAgent, newAgent } from "./agent.ts";
import {
  type DecideContext,
  decideInteraction,
  type InteractionCommand,
  type InteractionState,
  interactionView,
  newInteraction,
} from "./interaction.ts";
import { type Message, messageView, newThread, threadView } from "./thread.ts";

const T0 = Date.parse("2025-03-01T10:00:00.000Z");
const ctx: DecideContext = {
  now: T0 + 60_000,
  acceptTimeout: 45,
  awayOnMiss: true,
  smartClosure: null,
  dispositionRequired: false,
  dispositionIds: ["solved"],
};

function exactly<S extends z.ZodObject>(schema: S, value: unknown): void {
  assert.deepEqual(schema.strict().parse(value), value);
}

Deno.test("views - an interaction's view matches its schema through its life", () => {
  let s: InteractionState = newInteraction({
    id: "i1",
    threadId: "t1",
    sourceId: "webchat",
    group: "realtime",
    categories: ["billing"],
    language: "en",
    priority: 10,
    customer: { id: "c1", name: "Carol" },
    preferredAgentId: null,
    text: "Hello",
    messageId: "m1",
    now: T0,
  });
  const steps: InteractionCommand[] = [
    { type: "offer", agentId: "alice", newRound: false },
    { type: "accept", agentId: "alice" },
    { type: "transfer", agentId: "alice", target: { agentId: "bruno" }, comment: "VIP", force: true },
    {
      type: "complete",
      agentId: "bruno",
      disposition: { categoryId: "solved", notes: "ok" },
      waitForReply: null,
    },
  ];
  const seen = [s.state];
  exactly(interactionViewSchema, interactionView(s));
  for (const cmd of steps) {
    const d = decideInteraction(s, cmd, ctx);
    assert.ok("state" in d, `${cmd.type} was refused`);
    s = d.state;
    seen.push(s.state);
    exactly(interactionViewSchema, interactionView(s));
  }
  assert.deepEqual(seen, ["queued", "offered", "active", "active", "completed"]);
  assert.ok(interactionView(s).transfer && interactionView(s).disposition, "the nullable parts were filled");
  // A full view is a folder item too (what the routing view's store holds).
  folderItemSchema.parse(interactionView(s));
});

Deno.test("views - a thread's and a message's views match their schemas", () => {
  const t = newThread({
    id: "t1",
    sourceId: "webchat",
    externalId: "x1",
    title: null,
    identity: { id: "c1", name: "Carol" },
    now: T0,
  });
  exactly(threadViewSchema, threadView(t));
  const m: Message = {
    id: "m1",
    threadId: "t1",
    interactionId: "i1",
    externalId: null,
    author: { type: "customer", id: "c1", name: "Carol" },
    body: "Here is the invoice",
    format: "text",
    attachments: [{
      url: "https://example.com/a.pdf",
      name: "a.pdf",
      contentType: "application/pdf",
      size: 10,
    }],
    structured: null,
    contextData: { orderId: "42" },
    language: "en",
    status: "new",
    anonymized: false,
    private: false,
    createdAt: new Date(T0).toISOString(),
    receivedAt: new Date(T0).toISOString(),
  };
  exactly(messageViewSchema, messageView(m));
  assert.throws(() => messageViewSchema.strict().parse({ ...messageView(m), receivedAt: m.receivedAt }));
});

Deno.test("views - an agent's view matches its schema, presence set by a supervisor included", () => {
  const a = decideAgent(
    newAgent({
      id: "alice",
      name: "Alice Martin",
      initials: "AM",
      login: "alice",
      role: "agent",
      teams: ["support"],
      categories: [],
      languages: ["en"],
      capacity: { realtime: { capacity: 2, maxCapacity: 3 }, async: { capacity: 10, maxCapacity: 20 } },
    }, T0),
    { type: "set_presence", presence: "available", now: T0 + 1000, by: { id: "sam", name: "Sam" } },
  );
  exactly(agentViewSchema, agentView(a));
});
