// deno-lint-ignore-file no-explicit-any -- the OpenAPI document is walked as untyped JSON
/**
 * OpenAPI-driven fuzzing (API.md "Errors": no input answers 500, a refused request changes
 * nothing). Every operation the server describes in `/api/v1/openapi.json` is called with
 * fast-check generated bad input — wrong types, missing and extra fields, huge, deep, unicode
 * and control characters, bad ids and cursors, malformed JSON — signed in as an admin (with a
 * signature or widget token where the operation takes one) and as nobody. After each request:
 * the status is below 500, an API error has the API.md body, and a refused request left the
 * store exactly as it was (rate-limit and throttle counters aside: they count refusals by
 * design). After each operation the server still answers.
 *
 * FUZZ_RUNS (default 3) sets the runs per operation and identity; FUZZ_SEED replays a run.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { sign } from "../lib/server/crypto.ts";
import type { Permission } from "../lib/shared/config.ts";
import { PERMISSIONS } from "../lib/shared/config.ts";
import { startServer, testConfig, type TestServer, testSource } from "./harness.ts";
import { kvSnapshot } from "./api_support.ts";
import { seedFor } from "./seed.ts";

const RUNS = Number(Deno.env.get("FUZZ_RUNS") || 3);
const REQUEST_TIMEOUT_MS = 15_000;

type Param = { name: string; in: "path" | "query" };
type Op = {
  method: string;
  path: string;
  params: Param[];
  bodyType: string | null;
  bodyFields: string[];
  security: string[];
};
type Identity = "admin" | "nobody";
type Input = {
  path: Record<string, string>;
  query: [string, string][];
  body: string | null;
};

/** Every operation of the served document, with what a generator needs to know about it. */
function operationsOf(doc: any): Op[] {
  const out: Op[] = [];
  for (const [path, methods] of Object.entries<any>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(methods)) {
      const content = op.requestBody?.content ?? {};
      const bodyType = Object.keys(content)[0] ?? null;
      out.push({
        method: method.toUpperCase(),
        path,
        params: (op.parameters ?? []).map((p: Param) => ({ name: p.name, in: p.in })),
        bodyType,
        bodyFields: Object.keys(bodyType ? content[bodyType].schema?.properties ?? {} : {}),
        security: (op.security ?? []).flatMap((s: Record<string, unknown>) => Object.keys(s)),
      });
    }
  }
  return out;
}

const nested = (levels: number): unknown => {
  let v: unknown = "bottom";
  for (let i = 0; i < levels; i++) v = i % 2 ? { k: v } : [v];
  return v;
};

/** Strings people do not type: control and bidi characters, huge, traversal, encodings. */
const nastyString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)), maxLength: 20 }),
  fc.constantFrom(
    "",
    " ",
    "\u0000",
    "\u202eevil\u202c",
    "\u001b[31mred\u0007",
    "../../etc/passwd",
    "%00",
    "null",
    "0",
    "-1",
    "1e309",
    "💥".repeat(50),
    "<script>alert(1)</script>",
    "01ARZ3NDEKTSV4RRFFQ69G5FAV",
    "v1.abc.0.00",
  ),
  fc.integer({ min: 201, max: 5000 }).map((n) => "x".repeat(n)),
);

/** JSON values of the wrong shape, big or deep. */
const badValue: fc.Arbitrary<unknown> = fc.oneof(
  nastyString,
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(null, true, false, 0, -1, 1.5, 2 ** 53, [], {}),
  fc.integer({ min: 65, max: 3000 }).map(nested),
  fc.integer({ min: 1000, max: 20_000 }).map((n) => Array(n).fill("a")),
);

/** A body: the operation's fields with bad values, some missing, some extra; or no object at all. */
function bodyArb(op: Op): fc.Arbitrary<string | null> {
  const fields = op.bodyFields.length ? op.bodyFields : ["id"];
  const object = fc.tuple(
    fc.subarray(fields),
    fc.array(badValue, { minLength: fields.length, maxLength: fields.length }),
    fc.dictionary(nastyString, badValue, { maxKeys: 3 }),
  ).map(([present, values, extra]) =>
    JSON.stringify({ ...extra, ...Object.fromEntries(present.map((f) => [f, values[fields.indexOf(f)]])) })
  );
  return fc.oneof(
    object,
    badValue.map((v) => JSON.stringify(v) ?? "null"),
    fc.constantFrom("", "{", "[1,", "\u0000", '{"a":1}{"b":2}', "\uFEFF{}", "x=1&y=2"),
    fc.constant(null),
  );
}

/** A path or query value: mostly bad, sometimes a real id so deeper code runs. */
const paramValue: fc.Arbitrary<string> = fc.oneof(
  nastyString,
  fc.constantFrom("webchat", "root", "alice", "in_progress", "history", "billing"),
);

function inputArb(op: Op): fc.Arbitrary<Input> {
  const pathParams = op.params.filter((p) => p.in === "path").map((p) => p.name);
  const queryNames = op.params.filter((p) => p.in === "query").map((p) => p.name);
  return fc.record({
    path: fc.tuple(...pathParams.map(() => paramValue)).map((vs) =>
      Object.fromEntries(pathParams.map((n, i) => [n, vs[i]]))
    ),
    query: fc.array(
      fc.tuple(
        queryNames.length ? fc.oneof(fc.constantFrom(...queryNames), nastyString) : nastyString,
        paramValue,
      ),
      { maxLength: 4 },
    ),
    body: op.method === "GET" ? fc.constant(null) : bodyArb(op),
  });
}

function urlOf(op: Op, input: Input): string {
  const path = op.path.replace(/\{(\w+)\}/g, (_m, name) => encodeURIComponent(input.path[name] ?? ""));
  const q = new URLSearchParams(input.query).toString();
  return q ? `${path}?${q}` : path;
}

async function fuzzConfig() {
  const roles = { agent: [] as Permission[], admin: [...PERMISSIONS] as Permission[] };
  return await testConfig({ roles, sources: [testSource("webchat"), testSource("mail")] }, [
    { id: "root", role: "admin", categories: ["billing"], languages: ["en", "fr"] },
    { id: "alice", categories: ["billing"], languages: ["en"] },
  ]);
}

type Credentials = { token: string; widgetToken: string };

async function send(s: TestServer, op: Op, input: Input, who: Identity, creds: Credentials) {
  const headers: Record<string, string> = {};
  if (who === "admin") {
    headers.authorization = `Bearer ${creds.token}`;
    if (op.security.includes("widget")) headers["x-widget-token"] = creds.widgetToken;
    if (op.security.includes("signature") && input.body !== null) {
      const secret = s.desk.config.sources.find((x) => x.id === input.path.sourceId)?.secret ?? "webchat";
      headers["x-signature"] = await sign(secret, input.body);
    }
  }
  if (input.body !== null) headers["content-type"] = op.bodyType ?? "application/json";
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), REQUEST_TIMEOUT_MS);
  try {
    const res = await fetch(s.url + urlOf(op, input), {
      method: op.method,
      headers,
      body: input.body ?? undefined,
      redirect: "manual",
      signal: abort.signal,
    });
    const type = res.headers.get("content-type") ?? "";
    // An event stream never ends by itself: its status and headers are the answer.
    if (type.includes("text/event-stream")) {
      await res.body?.cancel();
      return { status: res.status, type, text: "" };
    }
    return { status: res.status, type, text: await res.text() };
  } finally {
    clearTimeout(timer);
  }
}

function sameStore(before: Map<string, string>, after: Map<string, string>): string | null {
  const changed = [...new Set([...before.keys(), ...after.keys()])].filter((k) =>
    before.get(k) !== after.get(k)
  );
  return changed.length ? changed.slice(0, 5).join(", ") : null;
}

Deno.test("fuzz - every OpenAPI operation refuses bad input without a 500 and without changing the store", async () => {
  const seed = seedFor("fuzz - openapi", "FUZZ_SEED");
  const s = await startServer({ config: await fuzzConfig() });
  try {
    const doc = (await s.request("GET", "/api/v1/openapi.json")).body;
    const ops = operationsOf(doc);
    assert.ok(ops.length > 30, `only ${ops.length} operations described`);
    const signedIn = await s.request("POST", "/api/v1/session", {
      body: { login: "root", password: "test-password" },
    });
    assert.equal(signedIn.status, 200);
    const widget = await s.request("POST", "/api/v1/webchat/webchat/session", { body: {} });
    const creds: Credentials = { token: signedIn.body.token, widgetToken: widget.body?.token ?? "" };
    let requests = 0;
    const statuses = new Map<number, number>();
    for (const [i, op] of ops.entries()) {
      for (const who of ["admin", "nobody"] as const) {
        // Signing the fuzzing admin out would only test 401s from then on.
        if (who === "admin" && op.method === "DELETE" && op.path === "/api/v1/session") continue;
        await fc.assert(
          fc.asyncProperty(inputArb(op), async (input) => {
            await s.settle();
            const before = await kvSnapshot(s.kv);
            const r = await send(s, op, input, who, creds);
            requests++;
            statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
            const what = `${op.method} ${urlOf(op, input).slice(0, 200)} as ${who}`;
            assert.ok(r.status < 500, `${what} answered ${r.status}: ${r.text.slice(0, 300)}`);
            if (r.status < 400) return;
            if (op.path.startsWith("/api/") && r.type.includes("json")) {
              const body = JSON.parse(r.text);
              assert.match(body?.error?.code ?? "", /^[a-z][a-z0-9_]*$/, `${what}: ${r.text.slice(0, 300)}`);
              assert.equal(typeof body.error.message, "string", what);
              if (r.status === 400) {
                assert.ok(Array.isArray(body.error.details), `${what}: 400 without details`);
              }
            }
            await s.settle();
            const changed = sameStore(before, await kvSnapshot(s.kv));
            assert.equal(changed, null, `${what} answered ${r.status} but changed ${changed}`);
          }),
          { seed: seed + i, numRuns: RUNS, endOnFailure: true, includeErrorInReport: true },
        );
      }
      const health = await s.request("GET", "/healthz");
      assert.equal(health.status, 200, `the server stopped answering after ${op.method} ${op.path}`);
    }
    console.log(
      `fuzz: ${ops.length} operations, ${requests} requests; statuses ${
        [...statuses].sort((a, b) => a[0] - b[0]).map(([k, v]) => `${k}×${v}`).join(" ")
      }`,
    );
  } finally {
    await s.close();
  }
});
