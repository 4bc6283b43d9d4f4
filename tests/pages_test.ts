/**
 * The HTML pages and the routing view's extra endpoints over real HTTP: sign-in form (cookie,
 * login CSRF), the server-rendered routing view (island props, CSP, csrf meta), hashed assets
 * with long caching, older-message paging and the agent directory.
 */
import assert from "node:assert/strict";
import { msg, PASSWORD, startServer } from "./harness.ts";

async function formSignIn(url: string, login: string, password = PASSWORD) {
  const page = await fetch(url + "/login");
  const html = await page.text();
  const csrf = html.match(/name="csrf" value="([^"]+)"/)![1];
  const cookie = page.headers.get("set-cookie")!.split(";")[0];
  const r = await fetch(url + "/login", {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie },
    body: new URLSearchParams({ login, password, csrf }).toString(),
  });
  await r.body?.cancel();
  return r;
}

Deno.test("pages - the sign-in form is throttled like the API: 429 with Retry-After after five failures", async () => {
  const s = await startServer();
  try {
    for (let i = 0; i < 5; i++) {
      assert.equal((await formSignIn(s.url, "alice", "wrong-password")).status, 401);
    }
    const refused = await formSignIn(s.url, "alice");
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get("retry-after"), "1");
  } finally {
    await s.close();
  }
});

Deno.test("pages - the sign-in form sets the session cookie and the routing view renders on the server", async () => {
  const s = await startServer();
  try {
    const bad = await formSignIn(s.url, "alice", "wrong-password");
    assert.equal(bad.status, 401);
    const ok = await formSignIn(s.url, "alice");
    assert.equal(ok.status, 303);
    assert.equal(ok.headers.get("location"), "/");
    const session = ok.headers.getSetCookie().find((c) => c.startsWith("rd_session="))!;
    assert.match(session, /HttpOnly/);
    assert.match(session, /SameSite=Lax/);
    const cookie = session.split(";")[0];

    const r = await fetch(s.url + "/", { headers: { cookie } });
    const html = await r.text();
    assert.equal(r.status, 200);
    assert.match(r.headers.get("content-security-policy")!, /script-src 'self'/);
    assert.match(html, /<meta name="csrf-token" content="[^"]+"/);
    assert.match(html, /<a href="\/" class="folder-link[^"]*"[^>]*>.*?In progress/);
    const props = JSON.parse(
      html.match(/<script type="application\/json" data-island-props="routing_view">(.*?)<\/script>/)![1],
    );
    assert.equal(props.me.id, "alice");
    assert.ok(props.me.permissions.includes("accept"));
    const script =
      html.match(/<script type="module" src="(\/static\/build\/routing_view-[0-9a-f]{12}\.js)">/)![1];
    const js = await fetch(s.url + script);
    await js.arrayBuffer();
    assert.equal(js.status, 200);
    assert.equal(js.headers.get("cache-control"), "public, max-age=31536000, immutable");
    const missing = await fetch(s.url + "/static/build/nope.js");
    assert.equal(missing.status, 404);
    assert.equal((await missing.json()).error.code, "no_asset");
  } finally {
    await s.close();
  }
});

Deno.test("pages - older messages page backwards and the directory lists agents with presence", async () => {
  const s = await startServer();
  try {
    const alice = await s.agent("alice", { available: true });
    const first = await s.inbound("webchat", msg("page-1", { categories: ["billing"], body: "m0" }));
    for (let i = 1; i < 7; i++) await s.inbound("webchat", msg("page-1", { body: `m${i}` }));
    const d = (await alice.req("GET", `/api/v1/interactions/${first.body.interactionId}`)).body;
    const last = d.messages.at(-1);
    const p1 = await alice.req("GET", `/api/v1/threads/${d.thread.id}/messages?before=${last.id}&limit=4`);
    assert.equal(p1.status, 200);
    assert.deepEqual(p1.body.items.map((m: { body: string }) => m.body), ["m2", "m3", "m4", "m5"]);
    const p2 = await alice.req(
      "GET",
      `/api/v1/threads/${d.thread.id}/messages?before=${p1.body.cursor}&limit=4`,
    );
    assert.deepEqual(p2.body.items.map((m: { body: string }) => m.body), ["m0", "m1"]);
    assert.equal(p2.body.cursor, null);
    const bob = await s.agent("bob");
    assert.equal(
      (await bob.req("GET", `/api/v1/threads/${d.thread.id}/messages?before=${last.id}`)).status,
      404,
    );
    assert.equal((await alice.req("GET", `/api/v1/threads/${d.thread.id}/messages`)).status, 400);

    const dir = await alice.req("GET", "/api/v1/directory/agents");
    assert.equal(dir.status, 200);
    assert.deepEqual(dir.body.agents.find((a: { id: string }) => a.id === "alice").presence, "available");
    assert.equal((await s.request("GET", "/api/v1/directory/agents")).status, 401);
  } finally {
    await s.close();
  }
});
