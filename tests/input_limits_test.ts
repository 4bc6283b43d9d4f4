/**
 * No input answers 500 (API.md "Errors"): JSON nested thousands of levels deep and path ids of
 * thousands of characters are refused with 400 naming where, before any KV access, signed in
 * or not, and the store is left as it was.
 */
import assert from "node:assert/strict";
import { msg, startServer } from "./harness.ts";
import { assertError, assertUnchanged } from "./api_support.ts";
import { MAX_JSON_DEPTH, tooDeepAt } from "../routes/http.ts";

const nested = (levels: number): unknown => {
  let v: unknown = "bottom";
  for (let i = 0; i < levels; i++) v = i % 2 ? { x: v } : [v];
  return v;
};

Deno.test("input limits - tooDeepAt finds the first path past the limit without recursion", () => {
  assert.equal(tooDeepAt({ a: [[1]] }, 2), "a.0");
  assert.equal(tooDeepAt({ a: [[1]] }, 3), null);
  assert.equal(tooDeepAt("flat"), null);
  assert.equal(
    tooDeepAt(nested(100_000)),
    Array(MAX_JSON_DEPTH).fill(0).map((_, i) => (i % 2 ? "0" : "x")).join("."),
  );
});

Deno.test("input limits - JSON nested thousands of levels deep answers 400 with the path and stores nothing", async () => {
  const s = await startServer();
  try {
    const alice = await s.agent("alice");
    await assertUnchanged(s, async () => {
      const r = await s.inbound("webchat", msg("deep", { contextData: { cart: nested(4000) } }));
      assertError(r, 400, "invalid_input");
      assert.match(r.body.error.details[0].path, /^contextData\.cart\.x\.0\.x\./);
      const structured = await s.inbound(
        "webchat",
        msg("deep-2", { structured: { type: "card", body: nested(5000) } }),
      );
      assertError(structured, 400, "invalid_input");
      assert.match(structured.body.error.details[0].path, /^structured\.body\./);
      const raw = "[".repeat(200_000) + "]".repeat(200_000);
      assertError(await s.request("PUT", "/api/v1/me/presence", { raw, token: alice.token }), 413);
      const malformedDeep = "[".repeat(100_000);
      assertError(
        await s.request("PUT", "/api/v1/me/presence", { raw: malformedDeep, token: alice.token }),
        400,
        "invalid_json",
      );
    });
    assert.equal((await s.request("GET", "/healthz")).status, 200);
  } finally {
    await s.close();
  }
});

Deno.test("input limits - path ids of thousands of characters answer 400 naming the parameter, signed in or not", async () => {
  const s = await startServer();
  try {
    const alice = await s.agent("alice");
    const long = "i".repeat(3000);
    await assertUnchanged(s, async () => {
      for (const token of [alice.token, undefined]) {
        for (
          const [method, path, param] of [
            ["POST", `/api/v1/interactions/${long}/accept`, "id"],
            ["GET", `/api/v1/threads/${long}/audit`, "id"],
            ["GET", `/api/v1/blobs/${long}`, "id"],
            ["POST", `/api/v1/sources/${long}/messages`, "sourceId"],
            ["GET", `/api/v1/assistant/shortcuts/${encodeURIComponent("é".repeat(300))}`, "keyword"],
            ["GET", `/api/v1/no-such-route/${long}`, "path.4"],
          ]
        ) {
          const r = await s.request(method, path, { token, body: method === "POST" ? {} : undefined });
          assertError(r, 400, "invalid_input", [param]);
        }
      }
      assertError(await s.request("GET", "/api/v1/threads/%E0%A4%A/audit", { token: alice.token }), 400);
    });
  } finally {
    await s.close();
  }
});
