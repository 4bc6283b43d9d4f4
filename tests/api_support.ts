/**
 * Helpers shared by the API suites (`api_*_test.ts`): error-body assertions, a whole-store KV
 * snapshot to prove that a refused request changed nothing, and small configuration builders.
 */
import assert from "node:assert/strict";
import { sign } from "../lib/server/crypto.ts";
import { PROCESS_LIVENESS_KEYS } from "../lib/server/keys.ts";
import type { InteractionView } from "../actors/interaction.ts";
import type { Clock } from "../lib/shared/time.ts";
import type { AgentClient, AgentSpec, ApiResponse, TestServer } from "./harness.ts";
import { msg, REQUEST_TIMEOUT_MS, testConfig, testRouting, testSource } from "./harness.ts";

/** Every key of the store with its versionstamp: any write, even of an identical value, shows. */
/**
 * Key spaces a refused request legitimately writes: rate-limit windows and failure throttles
 * count refused and failed attempts by design.
 */
export const COUNTING_KEYS: ReadonlySet<string> = new Set(["rate", "throttle"]);

export async function kvSnapshot(kv: Deno.Kv): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const e of kv.list({ prefix: [] })) {
    if (PROCESS_LIVENESS_KEYS.includes(String(e.key[0])) || COUNTING_KEYS.has(String(e.key[0]))) continue;
    out.set(JSON.stringify(e.key, (_k, v) => (typeof v === "bigint" ? `${v}n` : v)), e.versionstamp);
  }
  return out;
}

/**
 * Runs `fn` (which sends refused requests) and asserts the whole KV store is exactly as before:
 * no key added, removed or rewritten (`COUNTING_KEYS` aside). Waits for dispatch passes on both sides.
 */
export async function assertUnchanged(s: TestServer, fn: () => Promise<unknown>): Promise<void> {
  await s.settle();
  const before = await kvSnapshot(s.kv);
  await fn();
  await s.settle();
  const after = await kvSnapshot(s.kv);
  const added = [...after.keys()].filter((k) => !before.has(k));
  const removed = [...before.keys()].filter((k) => !after.has(k));
  const rewritten = [...after.keys()].filter((k) => before.has(k) && before.get(k) !== after.get(k));
  assert.deepEqual(
    { added, removed, rewritten },
    { added: [], removed: [], rewritten: [] },
    "a refused request wrote to KV",
  );
}

/** Asserts an API.md error body with `status`, `code` and (for 400) exactly the listed detail paths. */
export function assertError(r: ApiResponse, status: number, code?: string, paths?: string[]): void {
  const body = JSON.stringify(r.body);
  assert.equal(r.status, status, `expected ${status}, got ${r.status} ${body}`);
  assert.equal(typeof r.body?.error?.code, "string", `no error code in ${body}`);
  assert.equal(typeof r.body.error.message, "string", `no error message in ${body}`);
  assert.match(r.body.error.code, /^[a-z][a-z0-9_]*$/);
  if (code) assert.equal(r.body.error.code, code, body);
  if (status === 400) {
    assert.ok(Array.isArray(r.body.error.details), `400 without details: ${body}`);
    for (const d of r.body.error.details) assert.equal(typeof d.path, "string", body);
  }
  if (paths) {
    const got = [...new Set(r.body.error.details.map((d: { path: string }) => d.path))].sort();
    assert.deepEqual(got, [...paths].sort(), body);
  }
}

/** Posts `raw` to a connector endpoint with an explicit signature header (or none). */
export function postSigned(
  s: TestServer,
  path: string,
  raw: string | ReadableStream<Uint8Array>,
  signature: string | null,
): Promise<ApiResponse> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (signature !== null) headers["x-signature"] = signature;
  if (typeof raw === "string") return s.request("POST", path, { raw, headers });
  return (async () => {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), REQUEST_TIMEOUT_MS);
    const res = await fetch(s.url + path, { method: "POST", headers, body: raw, signal: abort.signal })
      .finally(() => clearTimeout(timer));
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch { /* not JSON */ }
    return { status: res.status, body, headers: res.headers } as ApiResponse;
  })();
}

/** Signs `raw` with a source's configured secret. */
export function sourceSignature(s: TestServer, sourceId: string, raw: string): Promise<string> {
  return sign(s.desk.config.sources.find((x) => x.id === sourceId)!.secret, raw);
}

/** The harness's sources, with a callback URL (outbound deliveries) and optional extra fields on webchat. */
export function sources(callbackUrl: string | null = null, extra: Record<string, unknown> = {}) {
  return [testSource("webchat", { callbackUrl, ...extra }), testSource("mail", { callbackUrl })];
}

/** The routing section with overrides (every other field at the harness's values). */
export const routing = testRouting;

/** The harness's three agents plus `readonly` (a role with no permission) and carol (sales). */
export const AGENTS: AgentSpec[] = [
  { id: "alice", categories: ["billing"], languages: ["en", "fr"] },
  { id: "bob", categories: ["billing", "tech"], languages: ["en"] },
  { id: "sup", role: "supervisor", categories: ["billing", "tech"], languages: ["en", "fr"] },
  { id: "carol", teams: ["sales"], categories: ["billing", "tech"], languages: ["en", "fr"] },
  { id: "reader", role: "readonly", categories: ["billing", "tech"], languages: ["en", "fr"] },
];

export const config = (patch: Record<string, unknown> = {}, agents: AgentSpec[] = AGENTS) =>
  testConfig(patch, agents);

/** A clock the test can move forward (sessions, rate limits, sticky window). */
export function movableClock(): Clock & { advance(ms: number): void } {
  let offset = 0;
  return { now: () => Date.now() + offset, advance: (ms: number) => (offset += ms) };
}

/** An ISO date `ms` from now. */
export const fromNow = (ms: number) => new Date(Date.now() + ms).toISOString();

/** Waits until `client` has an offer for `id` in In progress (the state after routing). */
export async function offeredTo(client: AgentClient, id: string): Promise<void> {
  const items = await client.folder("in_progress");
  assert.ok(
    items.some((i) => i.id === id && i.state === "offered"),
    `${id} not offered to ${client.id}: ${JSON.stringify(items)}`,
  );
}

/** Posts an inbound message, asserts 202, returns the interaction id. */
export async function newInteraction(
  s: TestServer,
  thread: string,
  extra: Record<string, unknown> = {},
  source = "webchat",
) {
  const r = await s.inbound(source, msg(thread, extra));
  assert.equal(r.status, 202, JSON.stringify(r.body));
  assert.equal(typeof r.body.interactionId, "string");
  return r.body.interactionId as string;
}

/** An interaction offered to and accepted by `client` (who must be the only eligible agent). */
export async function activeFor(
  client: AgentClient,
  thread: string,
  extra: Record<string, unknown> = {},
  source = "webchat",
) {
  const id = await newInteraction(client.server, thread, extra, source);
  const r = await client.act(id, "accept");
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.interaction.state, "active");
  return id;
}

/** The interaction as `reader` (a supervisor, say) sees it. */
export async function stateOf(reader: AgentClient, id: string) {
  const r = await reader.req("GET", `/api/v1/interactions/${id}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.interaction as InteractionView;
}
