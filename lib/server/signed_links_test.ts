import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { signLink, verifyLink } from "./signed_links.ts";

const SECRET = "a-secret-for-links-0123456789";

Deno.test("signed links - valid until they expire, for their path only", async () => {
  const now = 1_800_000_000_000;
  const link = await signLink(SECRET, "/api/v1/blobs/A", now + 60_000);
  const url = new URL(link, "http://x");
  const [exp, sig] = [url.searchParams.get("exp"), url.searchParams.get("sig")];
  assertEquals(url.pathname, "/api/v1/blobs/A");
  assertEquals(await verifyLink(SECRET, "/api/v1/blobs/A", exp, sig, now), true);
  assertEquals(await verifyLink(SECRET, "/api/v1/blobs/A", exp, sig, now + 61_000), false);
  assertEquals(await verifyLink(SECRET, "/api/v1/blobs/B", exp, sig, now), false);
  assertEquals(await verifyLink(SECRET, "/api/v1/blobs/A", String(Number(exp) + 3600), sig, now), false);
  assertEquals(await verifyLink("another-secret-0123456789", "/api/v1/blobs/A", exp, sig, now), false);
  assertEquals(await verifyLink(SECRET, "/api/v1/blobs/A", exp, null, now), false);
  assertEquals(await verifyLink(SECRET, "/api/v1/blobs/A", "soon", sig, now), false);
});

Deno.test("signed links - only the canonical spelling verifies: no leading zero, no uppercase signature", async () => {
  const now = 1_800_000_000_000;
  const url = new URL(await signLink(SECRET, "/api/v1/blobs/A", now + 60_000), "http://x");
  const [exp, sig] = [url.searchParams.get("exp")!, url.searchParams.get("sig")!];
  assertEquals(await verifyLink(SECRET, "/api/v1/blobs/A", exp, sig, now), true);
  assertEquals(await verifyLink(SECRET, "/api/v1/blobs/A", "0" + exp, sig, now), false);
  assertEquals(await verifyLink(SECRET, "/api/v1/blobs/A", "+" + exp, sig, now), false);
  assertEquals(await verifyLink(SECRET, "/api/v1/blobs/A", exp + ".0", sig, now), false);
  assertEquals(await verifyLink(SECRET, "/api/v1/blobs/A", exp, sig.toUpperCase(), now), false);
});
