import assert from "node:assert/strict";
import { deferSchema, parseIso8601, transferSchema } from "./api.ts";

Deno.test("schemas - ISO 8601 dates and date-times in every common form, impossible ones refused", () => {
  const utc = Date.parse("2026-11-23T10:00:00Z");
  for (
    const v of [
      "2026-11-23T10:00:00Z",
      "2026-11-23T10:00Z",
      "2026-11-23T10:00:00.000z",
      "2026-11-23T12:00:00+02:00",
      "2026-11-23T12:00+0200",
      "2026-11-23T05:00-05",
      "2026-11-23T10:00:00",
      "2026-11-23 10:00:00Z",
    ]
  ) assert.equal(parseIso8601(v), utc, v);
  assert.equal(parseIso8601("2026-11-23"), Date.parse("2026-11-23T00:00:00Z"));
  assert.equal(parseIso8601("2024-02-29"), Date.parse("2024-02-29T00:00:00Z"));
  for (
    const v of [
      "2026-02-29",
      "2026-13-01",
      "2026-11-31",
      "2026-11-23T24:00Z",
      "2026-11-23T10:60Z",
      "tomorrow",
      "",
    ]
  ) assert.equal(parseIso8601(v), null, v);
  assert.deepEqual(deferSchema.parse({ until: "2026-11-23T12:00+02:00" }), {
    until: "2026-11-23T10:00:00.000Z",
  });
});

Deno.test("schemas - optional action fields read null as absent", () => {
  assert.deepEqual(transferSchema.parse({ agentId: "bob", comment: null, force: null }), {
    agentId: "bob",
    comment: undefined,
    force: undefined,
  });
  assert.equal(transferSchema.safeParse({ agentId: null }).success, false, "a null target is no target");
});
