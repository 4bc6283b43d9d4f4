/**
 * Links and upload URLs come from the configured public URL (`PUBLIC_URL`, default the
 * listening address), never from the request's Host header: a request sent with a forged Host
 * cannot make the server hand out links to someone else's site.
 */
import assert from "node:assert/strict";
import { startServer, type TestServer } from "./harness.ts";
import { tinyPng, webchatConfig } from "./browser/webchat_support.ts";
import { Visitor } from "./widget_client.ts";
import { publicUrlOf } from "../main.ts";

/** One HTTP/1.1 request over a raw socket, with the Host header we choose. */
async function rawRequest(
  s: TestServer,
  host: string,
  path: string,
  headers: Record<string, string>,
  body: Uint8Array,
) {
  const { port } = new URL(s.url);
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: Number(port) });
  try {
    const head = [
      `POST ${path} HTTP/1.1`,
      `Host: ${host}`,
      `Content-Length: ${body.byteLength}`,
      "Connection: close",
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
      "",
      "",
    ].join("\r\n");
    await conn.write(new TextEncoder().encode(head));
    await conn.write(body);
    const chunks: Uint8Array[] = [];
    const buf = new Uint8Array(64 * 1024);
    for (;;) {
      const n = await conn.read(buf);
      if (n === null) break;
      chunks.push(buf.slice(0, n));
    }
    const text = new TextDecoder().decode(new Uint8Array(chunks.flatMap((c) => [...c])));
    return text.slice(text.indexOf("\r\n\r\n") + 4);
  } finally {
    try {
      conn.close();
    } catch { /* already closed by the server */ }
  }
}

Deno.test("public URL - upload URLs ignore a forged Host header and follow PUBLIC_URL", async () => {
  const s = await startServer({ config: await webchatConfig() });
  try {
    const v = await Visitor.start(s);
    const upload = async () => {
      const body = await rawRequest(s, "evil.example", "/api/v1/webchat/webchat/uploads", {
        "x-widget-token": v.token,
        "x-file-name": "cat.png",
      }, tinyPng());
      return JSON.parse(body.trim().split("\r\n").find((l) => l.startsWith("{")) ?? body).upload
        .url as string;
    };
    const byDefault = await upload();
    assert.ok(byDefault.startsWith(s.url + "/"), byDefault);
    assert.ok(!byDefault.includes("evil.example"));
    s.desk.ctx.publicUrl = "https://desk.example.com";
    assert.ok((await upload()).startsWith("https://desk.example.com/api/v1/blobs/"));
  } finally {
    await s.close();
  }
});

Deno.test("public URL - PUBLIC_URL is read as an http(s) origin and anything else stops the start", () => {
  assert.equal(publicUrlOf(undefined), undefined);
  assert.equal(publicUrlOf(""), undefined);
  assert.equal(publicUrlOf("https://desk.example.com/"), "https://desk.example.com");
  assert.equal(publicUrlOf("http://10.0.0.5:8080"), "http://10.0.0.5:8080");
  assert.throws(() => publicUrlOf("desk.example.com"), /not a URL/);
  assert.throws(() => publicUrlOf("ftp://desk.example.com"), /http\(s\)/);
});
