import assert from "node:assert/strict";
import { openCursor, sealCursor } from "./cursor.ts";

const SECRET = "cursor-test-secret-0123456789";
const SCOPE = '[["folder","alice","history"],false]';

Deno.test("cursor - a sealed cursor opens for its own listing only", async () => {
  const sealed = await sealCursor(SECRET, SCOPE, "AmZvbwA=");
  assert.equal(await openCursor(SECRET, SCOPE, sealed), "AmZvbwA=");
  assert.equal(await openCursor(SECRET, '[["folder","bob","history"],false]', sealed), null);
  assert.equal(await openCursor("another-secret-0123456789", SCOPE, sealed), null);
});

Deno.test("cursor - forged, tampered or malformed cursors do not open", async () => {
  const sealed = await sealCursor(SECRET, SCOPE, "AmZvbwA=");
  const [raw, mac] = sealed.split(".");
  const flipped = mac.slice(0, -1) + (mac.endsWith("0") ? "1" : "0");
  for (
    const bad of [
      "",
      "AAAA",
      raw,
      `.${mac}`,
      `AmZvbwB=.${mac}`,
      `${raw}.${flipped}`,
      `${raw}.${mac.toUpperCase()}`,
      `${raw}.${mac}0`,
      `a b.${mac}`,
    ]
  ) assert.equal(await openCursor(SECRET, SCOPE, bad), null, bad);
});
