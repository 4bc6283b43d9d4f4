import assert from "node:assert/strict";
import { createStore, folderOf } from "./store.ts";
import type { BootProps, FolderItem, MessageView, ThreadView } from "./types.ts";

const base = (id: string, patch: Partial<FolderItem> = {}): FolderItem => ({
  id,
  threadId: `t-${id}`,
  sourceId: "webchat",
  state: "active",
  agentId: "alice",
  categories: [],
  language: "en",
  priority: 0,
  createdAt: "2026-11-23T10:00:00.000Z",
  updatedAt: "2026-11-23T10:00:00.000Z",
  acceptDeadline: null,
  deferredUntil: null,
  disposition: null,
  conversationClosed: false,
  closing: null,
  transfer: null,
  customer: { id: "c", name: `Customer ${id}` },
  preview: { text: "hi", at: "2026-11-23T10:00:00.000Z", author: "customer" },
  offeredAt: null,
  acceptedAt: null,
  completedAt: null,
  lastActivityAt: "2026-11-23T10:00:00.000Z",
  ...patch,
});

/** The thread of interaction `id` (open, one customer). */
const thread = (id: string, patch: Partial<ThreadView> = {}): ThreadView => ({
  id: `t-${id}`,
  sourceId: "webchat",
  externalId: `ext-${id}`,
  title: null,
  customer: { id: "c", name: "C" },
  categories: [],
  language: "en",
  locked: false,
  ignored: false,
  mutedBy: [],
  openInteractionId: id,
  lastAgentId: null,
  conversationClosed: false,
  messageCount: 1,
  createdAt: "2026-11-23T10:00:00.000Z",
  updatedAt: "2026-11-23T10:00:00.000Z",
  ...patch,
});

/** A customer's text message in interaction `x`. */
const message = (id: string, patch: Partial<MessageView> = {}): MessageView => ({
  id,
  threadId: "t-x",
  interactionId: "x",
  externalId: null,
  author: { type: "customer", id: "c", name: "C" },
  body: "hi",
  format: "text",
  attachments: [],
  structured: null,
  contextData: null,
  language: null,
  status: "assigned",
  anonymized: false,
  private: false,
  createdAt: "2026-11-23T10:01:00.000Z",
  ...patch,
});

function boot(interactions: FolderItem[]): BootProps {
  return {
    me: {
      id: "alice",
      name: "Alice",
      initials: "A",
      role: "agent",
      presence: "available",
      load: {},
      capacity: {},
      permissions: ["accept"],
    },
    csrf: "x",
    lang: "en",
    theme: "system",
    now: 0,
    feedCursor: "",
    folder: "in_progress",
    interactions,
    historyCursor: null,
    directory: {
      sources: [],
      categories: [],
      teams: [],
      languages: ["en"],
      dispositions: [],
      agents: [],
      experts: [],
    },
    acceptTimeout: null,
    selected: null,
  };
}

Deno.test("ui store - In progress lists pending offers first, oldest offer first, then by creation", () => {
  const s = createStore(boot([
    base("a1", { createdAt: "2026-11-23T09:00:00.000Z" }),
    base("o2", { state: "offered", offeredAt: "2026-11-23T10:05:00.000Z" }),
    base("o1", { state: "offered", offeredAt: "2026-11-23T10:01:00.000Z" }),
    base("a0", { createdAt: "2026-11-23T08:00:00.000Z" }),
    base("d1", { state: "deferred", deferredUntil: "2026-11-24T09:00:00.000Z" }),
    base("h1", { state: "completed", completedAt: "2026-11-23T09:30:00.000Z" }),
  ]));
  const l = s.lists.value;
  assert.deepEqual(l.in_progress.map((i) => i.id), ["o1", "o2", "a0", "a1"]);
  assert.deepEqual(l.deferred.map((i) => i.id), ["d1"]);
  assert.deepEqual(l.history.map((i) => i.id), ["h1"]);
  assert.equal(folderOf({ state: "queued" }), null);
});

Deno.test("ui store - events older than what is shown are ignored, and a removed interaction stays removed", () => {
  const s = createStore(boot([base("x", { updatedAt: "2026-11-23T10:00:02.000Z" })]));
  assert.equal(s.upsert(base("x", { state: "offered", updatedAt: "2026-11-23T10:00:01.000Z" })), "stale");
  assert.equal(s.lists.value.in_progress[0].state, "active");
  assert.equal(s.upsert(base("x", { state: "deferred", updatedAt: "2026-11-23T10:00:03.000Z" })), "updated");
  assert.equal(s.lists.value.deferred.length, 1);
  // Transferred away: it leaves the folders; a replayed older event cannot bring it back.
  assert.equal(
    s.upsert(base("x", { state: "queued", agentId: null, updatedAt: "2026-11-23T10:00:04.000Z" })),
    "removed",
  );
  assert.equal(s.upsert(base("x", { state: "active", updatedAt: "2026-11-23T10:00:03.500Z" })), "stale");
  assert.equal(Object.keys(s.byId.value).length, 0);
  // A newer version (offered to this agent again) comes back.
  assert.equal(s.upsert(base("x", { state: "offered", updatedAt: "2026-11-23T10:00:05.000Z" })), "added");
});

Deno.test("ui store - a message joins the open thread once and refreshes the preview", () => {
  const s = createStore(boot([base("x")]));
  s.detail.value = {
    interaction: base("x"),
    thread: thread("x", { messageCount: 1 }),
    messages: [],
    earlier: null,
  };
  const m = message("m1", { body: "New question", status: "new" });
  s.addMessage(m);
  s.addMessage(m);
  assert.equal(s.detail.value.messages.length, 1);
  assert.equal(s.byId.value.x.preview.text, "New question");
});

Deno.test("ui store - an updated message (anonymised) replaces its copy in the open thread only", () => {
  const s = createStore(boot([base("x")]));
  const m = (id: string, body: string) => message(id, { body });
  s.detail.value = {
    interaction: base("x"),
    thread: thread("x", { messageCount: 2 }),
    messages: [m("m1", "card 4111"), m("m2", "thanks")],
    earlier: null,
  };
  const kept = s.detail.value.messages[1];
  s.updateMessage({ ...m("m1", "[anonymized]"), anonymized: true });
  assert.deepEqual(s.detail.value.messages.map((x) => x.body), ["[anonymized]", "thanks"]);
  assert.equal(s.detail.value.messages[1], kept, "the other rows keep their identity (memoised rows skip)");
  // Another thread, or a message not loaded: nothing changes.
  const before = s.detail.value;
  s.updateMessage({ ...m("m9", "[anonymized]"), threadId: "t-other" });
  s.updateMessage(m("m9", "[anonymized]"));
  assert.equal(s.detail.value, before);
});

Deno.test("ui store - message times follow the day, not every clock tick", () => {
  const s = createStore(boot([]));
  s.now.value = new Date(2026, 10, 23, 10, 0, 0).getTime();
  const day = s.day.value;
  s.now.value += 3600_000;
  assert.equal(s.day.value, day);
  s.now.value += 24 * 3600_000;
  assert.notEqual(s.day.value, day);
});
