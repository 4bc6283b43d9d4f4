import assert from "node:assert/strict";
import { ApiError, createApi, request } from "./api.ts";

/** A real server on loopback answering by path; what it received is kept. */
function serve() {
  const seen: { method: string; headers: Headers; body: string }[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    seen.push({ method: req.method, headers: req.headers, body: await req.text() });
    const path = new URL(req.url).pathname;
    if (path === "/ok") return Response.json({ x: 1 }, { headers: { etag: '"7"' } });
    if (path === "/invalid") {
      return Response.json({
        error: { code: "invalid", message: "Bad.", details: [{ path: "a", message: "no" }] },
      }, { status: 400 });
    }
    if (path === "/signed-out") {
      return Response.json({ error: { code: "unauthorized", message: "" } }, { status: 401 });
    }
    return new Response("not json", { status: 502, statusText: "Bad Gateway" });
  });
  const base = `http://127.0.0.1:${server.addr.port}`;
  return { base, seen, close: () => server.shutdown() };
}

Deno.test("browser api - request sends JSON with the CSRF token and reads the answer whole", async () => {
  const s = serve();
  try {
    const ok = await request("tok", "POST", `${s.base}/ok`, { a: 1 }, { headers: { "if-match": '"6"' } });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.json, { x: 1 });
    assert.equal(ok.headers.get("etag"), '"7"');
    assert.equal(ok.error, null);
    assert.equal(s.seen[0].headers.get("x-csrf-token"), "tok");
    assert.equal(s.seen[0].headers.get("if-match"), '"6"');
    assert.equal(s.seen[0].body, '{"a":1}');
    await request("tok", "GET", `${s.base}/ok`);
    assert.equal(s.seen[1].headers.get("x-csrf-token"), null, "no token on GET");

    const bad = await request("tok", "PUT", `${s.base}/invalid`, {});
    assert.deepEqual(bad.error, {
      code: "invalid",
      message: "Bad.",
      details: [{ path: "a", message: "no" }],
    });
    const odd = await request("tok", "GET", `${s.base}/other`);
    assert.deepEqual([odd.status, odd.json, odd.error], [502, null, {
      code: "error",
      message: "Bad Gateway",
    }]);

    let signedOut = 0;
    const out = await request("tok", "GET", `${s.base}/signed-out`, undefined, {
      onUnauthorized: () => signedOut++,
    });
    assert.equal(out.status, 401);
    assert.equal(signedOut, 1);
  } finally {
    await s.close();
  }
});

Deno.test("browser api - createApi throws the API error; a network failure is status 0", async () => {
  const s = serve();
  const api = createApi("tok", () => {});
  try {
    assert.deepEqual(await api("GET", `${s.base}/ok`), { x: 1 });
    await assert.rejects(api("POST", `${s.base}/invalid`, {}), (e: unknown) => {
      assert.ok(e instanceof ApiError);
      assert.deepEqual([e.status, e.code, e.message], [400, "invalid", "Bad."]);
      return true;
    });
  } finally {
    await s.close();
  }
  const down = await request("tok", "GET", `${s.base}/ok`);
  assert.deepEqual([down.status, down.error?.code], [0, "network"]);
});
