/**
 * Timers beyond Deno KV's 30-day queue delay limit (issue 2 "Delays beyond the 30-day queue
 * limit are chained"): a deferral 60 days out commits (KV refuses a longer delay outright), the
 * queue message that arrives early re-enqueues itself and leaves the interaction deferred, and
 * once the time has really come the same timer wakes the interaction.
 */
import assert from "node:assert/strict";
import { startServer } from "./harness.ts";
import { activeInteraction } from "./flow_helpers.ts";
import { movableClock } from "./api_support.ts";
import { fireTimer } from "../desk/timers.ts";
import { keys } from "../lib/server/keys.ts";
import type { TimerMessage } from "../desk/persist.ts";
import type { InteractionState } from "../actors/interaction.ts";

const DAY = 24 * 3600_000;

Deno.test("timers - a deferral 60 days out is chained past the 30-day queue limit and wakes on time", async () => {
  const clock = movableClock();
  const s = await startServer({ clock });
  try {
    const alice = await s.agent("alice", { available: true });
    const { id } = await activeInteraction(s, alice, "far-away");
    const until = new Date(clock.now() + 60 * DAY).toISOString();
    const r = await alice.act(id, "defer", { until });
    assert.equal(r.status, 200, JSON.stringify(r.body));

    const timers = await Array.fromAsync(s.kv.list<TimerMessage>({ prefix: ["timer"] }));
    const mine = timers.filter((e) => e.value.interactionId === id);
    assert.equal(mine.length, 1, "one timer record for the deferral");
    const msg = mine[0].value;
    // Read from the store: a session does not outlive the 60 days the clock moves.
    const state = async () => (await s.kv.get<InteractionState>(keys.interaction(id))).value?.state;
    assert.equal(msg.dueAt, Date.parse(until));

    // The queue hands the message over after at most 30 days: too early, so it is chained.
    clock.advance(30 * DAY);
    assert.equal(await fireTimer(s.desk, msg), "rescheduled");
    assert.equal(await state(), "deferred");
    assert.ok((await s.kv.get(keys.timer(msg.dueAt, mine[0].key[2] as string))).value, "record kept");

    // Thirty days later the time has come: the deferral wakes and returns to In progress.
    clock.advance(30 * DAY + 1000);
    assert.equal(await fireTimer(s.desk, msg), "fired");
    assert.notEqual(await state(), "deferred");
    // A redelivered copy changes nothing.
    assert.equal(await fireTimer(s.desk, msg), "gone");
  } finally {
    await s.close();
  }
});
