/**
 * Property suite with configuration edits (SPEC M1, issue "versioned run-time configuration"):
 * the desk's random interleavings (tests/property_test.ts) with administrators' saves between
 * the steps — agent and group capacities up and down, the routing strategy, agents' teams,
 * categories and languages, agents disabled and enabled. After every step the invariants still
 * hold: one owner, no capacity breach except forced (load taken before a capacity was lowered
 * may stay, never grow), every interaction in exactly one place, nothing waiting while an
 * eligible agent has room. PROPERTY_CONFIG_RUNS widens it; PROPERTY_SEED replays one.
 */
import assert from "node:assert/strict";
import { DeskDriver } from "./property_drivers.ts";
import { configStepArb } from "./property_model.ts";
import { property } from "./property_run.ts";

Deno.test("property - configuration edits between random desk actions keep every invariant", async () => {
  const totals = await property(
    "desk+config",
    Number(Deno.env.get("PROPERTY_CONFIG_RUNS") ?? 40),
    (config, clock) => DeskDriver.start(config, clock),
    configStepArb,
  );
  for (
    const what of ["inbound", "accept", "complete", "config capacity", "config skills", "config disable"]
  ) {
    assert.ok((totals.get(what) ?? 0) > 0, `no "${what}" in any run`);
  }
});
