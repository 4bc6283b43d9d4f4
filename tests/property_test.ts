/**
 * Property suite: random interleavings of customer messages (new threads, existing threads,
 * duplicate and concurrent re-deliveries), accepts, replies, transfers (to an agent, a team,
 * categories or a language; some forced by a supervisor), deferrals, resumptions, completions,
 * conversation closings, presence changes, timer firings and timer messages handed out again
 * (stale, duplicate or early: the queue delivers at least once) across twelve agents, a fifth of
 * the steps running 2–4 operations at once. After every step the whole store must satisfy the
 * desk invariants (tests/desk_invariants.ts).
 *
 * The bulk runs on the desk's own operations over a real in-memory KV; a smaller batch goes
 * through the real HTTP API of a real server (twelve PBKDF2 sign-ins make each run slower).
 * PROPERTY_RUNS / PROPERTY_HTTP_RUNS widen them, PROPERTY_SEED (+ PROPERTY_PATH) replays one,
 * PROPERTY_SHRINK=1 shrinks a failure.
 */
import assert from "node:assert/strict";
import { DeskDriver, HttpDriver } from "./property_drivers.ts";
import { AGENT_IDS } from "./property_model.ts";
import { property } from "./property_run.ts";

const env = (name: string) => Deno.env.get(name);

/** The property is only meaningful if the interesting paths were taken (and refused) somewhere. */
function assertCoverage(totals: Map<string, number>, expected: string[]) {
  for (const what of expected) assert.ok((totals.get(what) ?? 0) > 0, `no "${what}" in any run`);
}

Deno.test("property - random interleavings across twelve agents keep ownership, load, indexes and messages consistent", async () => {
  const totals = await property(
    "desk",
    Number(env("PROPERTY_RUNS") ?? 80),
    (config, clock) => DeskDriver.start(config, clock),
  );
  assertCoverage(totals, [
    "inbound",
    "inbound duplicate",
    "inbound twins",
    "accept",
    "reply",
    "defer",
    "resume",
    "transfer",
    "forced transfer",
    "complete",
    "closed",
    "accept refused 409 not_owner",
    "complete refused 400 disposition_required",
    "timer redelivered: gone",
    "timer redelivered: rescheduled",
  ]);
});

Deno.test("property - the same interleavings through the HTTP API keep the store consistent", async () => {
  const totals = await property(
    "http",
    Number(env("PROPERTY_HTTP_RUNS") ?? 8),
    (config, clock) => HttpDriver.start(config, clock, AGENT_IDS),
  );
  assertCoverage(totals, ["inbound", "accept", "reply", "transfer", "complete"]);
});
