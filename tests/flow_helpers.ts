// deno-lint-ignore-file no-explicit-any -- API responses are untyped JSON
/**
 * Helpers shared by the completion, smart-closure, thread-control and audit suites: bring an
 * interaction to `active`, snapshot the whole KV store to prove a refused request wrote nothing,
 * and build source configurations.
 */
import assert from "node:assert/strict";
import { type AgentClient, eventually, msg, type TestServer, testSource } from "./harness.ts";
import { kvSnapshot } from "./api_support.ts";
import { keys } from "../lib/server/keys.ts";

/** Every key of the store with its versionstamp (a refused request must leave this unchanged). */
export { kvSnapshot };

/**
 * A snapshot taken once the store has stopped moving: every delivery made its first attempt (an
 * outbox attempt recording its failure), and three snapshots 100 ms apart agree — within 10 s.
 * Background work started by earlier requests must not be mistaken for a write by the refused
 * request that follows; under load one attempt can take longer than any short quiet window.
 */
export async function quietSnapshot(kv: Deno.Kv): Promise<Map<string, string>> {
  const same = (a: Map<string, string>, b: Map<string, string>) =>
    a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
  const deliveriesTried = async () => {
    for await (const e of kv.list<{ attempts: number }>({ prefix: keys.deliveries() })) {
      if (!(e.value.attempts >= 1)) return false;
    }
    return true;
  };
  let prev = await kvSnapshot(kv);
  let quiet = 0;
  const deadline = Date.now() + 10_000;
  for (;;) {
    await new Promise((r) => setTimeout(r, 100));
    const next = await kvSnapshot(kv);
    quiet = same(prev, next) ? quiet + 1 : 0;
    if ((quiet >= 2 && await deliveriesTried()) || Date.now() > deadline) return next;
    prev = next;
  }
}

/** Asserts that nothing was written since `before` was taken. */
export async function assertUnchanged(
  kv: Deno.Kv,
  before: Map<string, string>,
  what = "request",
): Promise<void> {
  const after = await kvSnapshot(kv);
  const changed = [...new Set([...before.keys(), ...after.keys()])].filter((k) =>
    before.get(k) !== after.get(k)
  );
  assert.deepEqual(changed, [], `the refused ${what} changed KV keys`);
}

/** Asserts an API.md error body with the given status (and code when given). */
export function assertError(r: { status: number; body: any }, status: number, code?: string): void {
  assert.equal(r.status, status, `expected ${status}, got ${r.status} ${JSON.stringify(r.body)}`);
  assert.equal(typeof r.body?.error?.code, "string");
  assert.equal(typeof r.body?.error?.message, "string");
  if (code) assert.equal(r.body.error.code, code);
}

/**
 * Posts a customer message on a new thread, checks it is offered to `agent` and accepts it.
 * Returns the interaction and thread ids.
 */
export async function activeInteraction(
  s: TestServer,
  agent: AgentClient,
  thread: string,
  source = "webchat",
  extra: Record<string, unknown> = {},
): Promise<{ id: string; threadId: string }> {
  const r = await s.inbound(source, msg(thread, extra));
  assert.equal(r.status, 202, JSON.stringify(r.body));
  const id = r.body.interactionId as string;
  const acc = await agent.act(id, "accept");
  assert.equal(acc.status, 200, `accept: ${JSON.stringify(acc.body)}`);
  assert.equal(acc.body.interaction.state, "active");
  return { id, threadId: r.body.threadId };
}

export async function interactionOf(agent: AgentClient, id: string): Promise<Record<string, any>> {
  const r = await agent.req("GET", `/api/v1/interactions/${id}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

export async function loadOf(agent: AgentClient): Promise<{ realtime: number; async: number }> {
  const r = await agent.req("GET", "/api/v1/me");
  assert.equal(r.status, 200);
  return r.body.load;
}

/** Every audit item of a thread, walking the pages. */
export async function auditOf(
  agent: AgentClient,
  threadId: string,
  query = "",
): Promise<Array<Record<string, any>>> {
  const items: Array<Record<string, any>> = [];
  let cursor: string | null = null;
  do {
    const q: string = `?limit=200${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const r = await agent.req("GET", `/api/v1/threads/${threadId}/audit${q}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    items.push(...r.body.items);
    cursor = r.body.cursor;
  } while (cursor);
  return items;
}

/** A web chat source (realtime) with optional overrides. */
export function webchat(over: Record<string, unknown> = {}): Record<string, unknown> {
  return testSource("webchat", over);
}

/** A smart-closure block with English and French texts and the given timeout (seconds). */
export function smartClosure(timeout: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    enabled: true,
    timeout,
    question: { en: "Do you have any other questions?", fr: "Avez-vous d'autres questions ?" },
    followUp: { en: "Please tell us more about your new question." },
    ...over,
  };
}

/**
 * Waits until the outbox is empty: every delivery staged so far has been sent (or set aside as
 * undeliverable). What a callback server received is then complete, so "nothing else was sent"
 * is an exact check instead of a sleep.
 */
export async function allDelivered(s: TestServer, timeoutMs = 10_000): Promise<void> {
  const empty = async () => (await Array.fromAsync(s.kv.list({ prefix: keys.deliveries() }))).length === 0;
  await eventually(empty, timeoutMs, "the outbox to drain");
}
