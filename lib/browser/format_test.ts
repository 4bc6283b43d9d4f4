import assert from "node:assert/strict";
import { age, countdown, deferPresets, safeUrl, toLocalInput } from "./format.ts";

Deno.test("format - ages read as now, minutes, hours and days", () => {
  const now = Date.parse("2026-11-23T12:00:00Z");
  assert.equal(age("2026-11-23T11:59:30Z", now, "en"), "now");
  assert.equal(age("2026-11-23T11:55:00Z", now, "en"), "5 min");
  assert.equal(age("2026-11-23T09:00:00Z", now, "fr"), "3 h");
  assert.equal(age("2026-11-20T12:00:00Z", now, "fr"), "3 j");
});

Deno.test("format - a countdown never goes below zero", () => {
  const now = Date.parse("2026-11-23T12:00:00Z");
  assert.equal(countdown("2026-11-23T12:00:42Z", now), "0:42");
  assert.equal(countdown("2026-11-23T12:01:05.2Z", now), "1:06");
  assert.equal(countdown("2026-11-23T11:00:00Z", now), "0:00");
});

Deno.test("format - defer presets are +1 h, +3 h, tomorrow 9:00 and next Monday 9:00", () => {
  const wednesday = new Date(2026, 10, 25, 16, 30);
  const [h1, h3, tomorrow, monday] = deferPresets(wednesday);
  assert.equal(h1.at.getTime() - wednesday.getTime(), 3600_000);
  assert.equal(h3.at.getTime() - wednesday.getTime(), 3 * 3600_000);
  assert.equal(toLocalInput(tomorrow.at), "2026-11-26T09:00");
  assert.equal(toLocalInput(monday.at), "2026-11-30T09:00");
  const sunday = new Date(2026, 10, 29, 8, 0);
  assert.equal(toLocalInput(deferPresets(sunday)[3].at), "2026-11-30T09:00");
  const monday8 = new Date(2026, 10, 30, 8, 0);
  assert.equal(toLocalInput(deferPresets(monday8)[3].at), "2026-12-07T09:00");
});

Deno.test("format - only http and https URLs are kept", () => {
  assert.equal(safeUrl("https://example.com/a.png"), "https://example.com/a.png");
  assert.equal(safeUrl("javascript:alert(1)"), null);
  assert.equal(safeUrl(" JavaScript:alert(1)"), null);
  assert.equal(safeUrl("data:text/html,<script>"), null);
  assert.equal(safeUrl(42), null);
});
