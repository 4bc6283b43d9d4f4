/**
 * Small hardening over real HTTP: API JSON is never cached, every page links the SVG favicon
 * (and /favicon.ico answers), and /demo runs under the same strict CSP as the other pages with
 * no inline script or style.
 */
import assert from "node:assert/strict";
import { startServer } from "./harness.ts";
import { CSP } from "../routes/pages/_app.tsx";

Deno.test("hardening - API JSON answers, errors included, say Cache-Control: no-store", async () => {
  const s = await startServer();
  try {
    const alice = await s.agent("alice");
    for (
      const r of [
        await alice.req("GET", "/api/v1/me"),
        await s.request("GET", "/api/v1/me"),
        await s.request("GET", "/api/v1/openapi.json"),
        await s.request("POST", "/api/v1/session", { body: { login: "alice" } }),
        await s.request("GET", "/api/v1/no-such-thing"),
      ]
    ) {
      assert.match(r.headers.get("content-type") ?? "", /application\/json/);
      assert.equal(r.headers.get("cache-control"), "no-store", JSON.stringify(r.body));
    }
  } finally {
    await s.close();
  }
});

Deno.test("hardening - every page links the SVG favicon, and /favicon.svg and /favicon.ico answer", async () => {
  const s = await startServer();
  try {
    const alice = await s.agent("alice");
    const cookie = { cookie: `rd_session=${alice.token}` };
    for (const [path, headers] of [["/login", {}], ["/", cookie], ["/demo", {}]] as const) {
      const r = await fetch(s.url + path, { headers });
      const html = await r.text();
      assert.equal(r.status, 200, path);
      assert.match(html, /<link rel="icon" href="\/favicon\.svg" type="image\/svg\+xml"\/?>/, path);
    }
    for (const path of ["/favicon.svg", "/favicon.ico"]) {
      const r = await fetch(s.url + path);
      const body = await r.text();
      assert.equal(r.status, 200, path);
      assert.equal(r.headers.get("content-type"), "image/svg+xml");
      assert.match(body, /^<svg /);
    }
  } finally {
    await s.close();
  }
});

Deno.test("hardening - /demo has the pages' CSP and no inline script or style; its files are served", async () => {
  const s = await startServer();
  try {
    const r = await fetch(s.url + "/demo");
    const html = await r.text();
    assert.equal(r.headers.get("content-security-policy"), CSP);
    assert.equal(r.headers.get("cache-control"), "no-store");
    for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)) {
      assert.match(m[1], /\ssrc="/, `inline script: ${m[0].slice(0, 120)}`);
      assert.equal(m[2].trim(), "");
    }
    assert.doesNotMatch(html, /<style\b/);
    assert.doesNotMatch(html, /\sstyle="/);
    for (
      const [path, type] of [["/static/demo.js", /javascript/], ["/static/demo.css", /text\/css/]] as const
    ) {
      const f = await fetch(s.url + path);
      await f.body?.cancel();
      assert.equal(f.status, 200, path);
      assert.match(f.headers.get("content-type") ?? "", type);
    }
  } finally {
    await s.close();
  }
});
