import assert from "node:assert/strict";
import { parseConfig } from "../shared/config.ts";
import {
  fromBase64Url,
  hashPassword,
  PBKDF2_ITERATIONS,
  randomToken,
  sha256Hex,
  sign,
  toBase64Url,
  verifyPassword,
  verifySignature,
} from "./crypto.ts";

const enc = new TextEncoder();

Deno.test("crypto - sign is hex HMAC-SHA512 (RFC 4231 test case 2)", async () => {
  assert.equal(
    await sign("Jefe", "what do ya want for nothing?"),
    "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
  );
  assert.equal(
    await sign("Jefe", enc.encode("what do ya want for nothing?")),
    await sign("Jefe", "what do ya want for nothing?"),
  );
});

Deno.test("crypto - verifySignature accepts the right signature, in either case and with surrounding spaces", async () => {
  const body = enc.encode('{"id":"m1","body":"héllo"}');
  const sig = await sign("source-secret-0123456789", body);
  assert.equal(await verifySignature("source-secret-0123456789", body, sig), true);
  assert.equal(await verifySignature("source-secret-0123456789", body, sig.toUpperCase()), true);
  assert.equal(await verifySignature("source-secret-0123456789", body, ` ${sig}\n`), true);
});

Deno.test("crypto - verifySignature rejects a wrong body, a wrong secret or a tampered signature", async () => {
  const body = enc.encode('{"id":"m1"}');
  const sig = await sign("secret-a-0123456789", body);
  assert.equal(await verifySignature("secret-a-0123456789", enc.encode('{"id":"m2"}'), sig), false);
  assert.equal(await verifySignature("secret-b-0123456789", body, sig), false);
  const flipped = (sig[0] === "0" ? "1" : "0") + sig.slice(1);
  assert.equal(await verifySignature("secret-a-0123456789", body, flipped), false);
  const lastFlipped = sig.slice(0, -1) + (sig.at(-1) === "0" ? "1" : "0");
  assert.equal(await verifySignature("secret-a-0123456789", body, lastFlipped), false);
});

Deno.test("crypto - verifySignature rejects malformed or missing signatures without throwing", async () => {
  const body = enc.encode("x");
  const sig = await sign("secret-a-0123456789", body);
  for (
    const bad of [
      null,
      undefined,
      "",
      "   ",
      sig.slice(0, -2), // too short
      sig + "00", // too long
      "z".repeat(128), // not hex
      `sha512=${sig}`,
      sig.slice(0, 64), // a SHA-256-sized signature
    ]
  ) {
    assert.equal(
      await verifySignature("secret-a-0123456789", body, bad),
      false,
      `accepted ${JSON.stringify(bad)}`,
    );
  }
});

Deno.test("crypto - password hashes are salted PBKDF2 with at least 210000 iterations", async () => {
  assert.ok(PBKDF2_ITERATIONS >= 210_000);
  const h = await hashPassword("demo-password");
  const m = /^pbkdf2-sha256\$(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/.exec(h);
  assert.ok(m, h);
  assert.ok(Number(m[1]) >= 210_000);
  assert.equal(fromBase64Url(m[2]).length, 16, "a 128-bit salt");
  assert.equal(fromBase64Url(m[3]).length, 32, "a 256-bit hash");
  assert.notEqual(await hashPassword("demo-password"), h, "two hashes of one password differ by salt");
  // The format is the one the configuration accepts as a precomputed hash.
  const config = parseConfig({
    teams: [{ id: "t", name: "T" }],
    roles: { r: [] },
    agents: [{ id: "a", name: "A", login: "a", passwordHash: h, role: "r" }],
  });
  assert.equal(config.agents[0].passwordHash, h);
});

Deno.test("crypto - verifyPassword is true for the right password and false for any other", async () => {
  const h = await hashPassword("correct horse battery staple");
  assert.equal(await verifyPassword("correct horse battery staple", h), true);
  assert.equal(await verifyPassword("correct horse battery stapl", h), false);
  assert.equal(await verifyPassword("Correct horse battery staple", h), false);
  assert.equal(await verifyPassword("", h), false);
});

Deno.test("crypto - verifyPassword honours the iteration count stored in the hash", async () => {
  const h = await hashPassword("pw-12345678", 1000);
  assert.ok(h.startsWith("pbkdf2-sha256$1000$"));
  assert.equal(await verifyPassword("pw-12345678", h), true);
  // Same salt and hash, different count: a different derived key.
  assert.equal(await verifyPassword("pw-12345678", h.replace("$1000$", "$1001$")), false);
});

Deno.test("crypto - verifyPassword is false, never an error, for malformed stored hashes", async () => {
  const h = await hashPassword("pw-12345678", 1000);
  const [, , salt, hash] = h.split("$");
  for (
    const stored of [
      "",
      "plain-text-password",
      `bcrypt$1000$${salt}$${hash}`,
      `pbkdf2-sha256$$${salt}$${hash}`,
      `pbkdf2-sha256$0$${salt}$${hash}`,
      `pbkdf2-sha256$-5$${salt}$${hash}`,
      `pbkdf2-sha256$abc$${salt}$${hash}`,
      `pbkdf2-sha256$1000$!!!$${hash}`,
      `pbkdf2-sha256$1000$abcde$${hash}`, // not decodable base64
      `pbkdf2-sha256$1000$${salt}$${hash.slice(0, 41)}`, // not decodable base64
      `pbkdf2-sha256$1000$${salt}$!!!`,
      `pbkdf2-sha256$1000$${salt}`,
      `pbkdf2-sha256$1000$${salt}$${hash}$extra`,
      `pbkdf2-sha256$1000$${salt}$${hash.slice(0, 20)}`,
    ]
  ) {
    assert.equal(await verifyPassword("pw-12345678", stored), false, stored);
  }
});

Deno.test("crypto - base64url round-trips any bytes without padding", () => {
  for (let n = 0; n < 40; n++) {
    const bytes = crypto.getRandomValues(new Uint8Array(n));
    const s = toBase64Url(bytes);
    assert.match(s, /^[A-Za-z0-9_-]*$/);
    assert.deepEqual(fromBase64Url(s), bytes);
  }
});

Deno.test("crypto - random tokens are URL-safe and unique", () => {
  const tokens = new Set(Array.from({ length: 200 }, () => randomToken()));
  assert.equal(tokens.size, 200);
  for (const t of tokens) assert.match(t, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(randomToken(16).length, 22);
});

Deno.test("crypto - sha256Hex matches the standard test vector", async () => {
  assert.equal(await sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // Bytes and text alike, and the same digest as WebCrypto's (stored session keys stay valid).
  const bytes = new TextEncoder().encode("a token é");
  const web = Array.from(
    new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)),
    (b) => b.toString(16).padStart(2, "0"),
  )
    .join("");
  assert.equal(await sha256Hex(bytes), web);
  assert.equal(await sha256Hex("a token é"), web);
});
