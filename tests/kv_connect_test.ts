/**
 * The KV Connect server (scripts/dev/kv_connect) through Deno's own client on loopback: the same
 * reads as a local store for any keys and selectors (a seeded comparison), atomic checks,
 * sum/min/max, expiry, watch, the token, and the hosted service's limits refused with its
 * status and text. Requests Deno's client would refuse itself are sent as raw protobuf.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { encodeKey } from "../scripts/dev/kv_connect/key_codec.ts";
import {
  AtomicWriteStatus,
  decodeAtomicWriteOutput,
  encodeAtomicWrite,
  encodeSnapshotRead,
  type Mutation,
  MutationType,
  ValueEncoding,
} from "../scripts/dev/kv_connect/protobuf.ts";
import { connected, openRemote, TOKEN } from "./kv_connect_support.ts";
import { seeded } from "../lib/testing/seeded.ts";

function randomKey(random: () => number): Deno.KvKey {
  const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)];
  const part = (): Deno.KvKeyPart =>
    pick<() => Deno.KvKeyPart>([
      () => pick(["", "a", "ab", "b", "a\u0000b", "é", "z"]),
      () => BigInt(pick([0, 1, -1, 255, 256, -256])) * (random() < 0.1 ? 2n ** 70n : 1n),
      () => pick([0, -0.5, 1.5, 1e300, -1e300, Infinity, -Infinity]),
      () => random() < 0.5,
      () => new Uint8Array(pick([[], [0], [0, 0xff], [1], [0xff]])),
    ])();
  return Array.from({ length: 1 + Math.floor(random() * 3) }, part);
}

type Listed = { key: Deno.KvKey; value: unknown }[];
const strip = (es: Deno.KvEntry<unknown>[]): Listed => es.map(({ key, value }) => ({ key, value }));

Deno.test("kv connect - reads through Deno's client match a local store for random keys and selectors", async () => {
  const seed = Number(Deno.env.get("KV_CONNECT_SEED") ?? Math.floor(Math.random() * 2 ** 31));
  const random = seeded(seed);
  const c = await connected();
  const local = await Deno.openKv(":memory:");
  try {
    const keys: Deno.KvKey[] = [];
    for (let i = 0; i < 120; i++) {
      const key = randomKey(random);
      keys.push(key);
      const value = random() < 0.2 ? new Uint8Array([i]) : random() < 0.1 ? new Deno.KvU64(BigInt(i)) : {
        i,
        at: new Date(i),
        tags: new Set(["x"]),
        big: BigInt(i) ** 5n,
        raw: new Uint8Array([i, 0]),
      };
      await local.set(key, value);
      assert.equal((await c.kv.set(key, value)).ok, true);
    }
    const prefixOf = (k: Deno.KvKey) => k.slice(0, Math.floor(random() * k.length));
    for (let round = 0; round < 150; round++) {
      const a = keys[Math.floor(random() * keys.length)], b = randomKey(random);
      const p = prefixOf(a);
      const selector: Deno.KvListSelector = [
        { prefix: p },
        { prefix: p, start: a },
        { prefix: p, end: a },
        { start: a, end: b },
        { start: b, end: a },
      ][Math.floor(random() * 5)];
      const options: Deno.KvListOptions = {
        reverse: random() < 0.5,
        limit: random() < 0.5 ? 1 + Math.floor(random() * 12) : undefined,
        batchSize: 1 + Math.floor(random() * 4), // small batches: the client pages with cursors
      };
      const what = `seed ${seed}, round ${round}: ${Deno.inspect({ selector, options })}`;
      const want = await Array.fromAsync(local.list(selector, options)).then(strip, (e) => e.constructor);
      const got = await Array.fromAsync(c.kv.list(selector, options)).then(strip, (e) => e.constructor);
      assert.deepEqual(got, want, what);
      // Resuming from a cursor after the first entry reads the same as a local store resuming there
      // (not simply "all but the first": Deno takes an empty cursor, which a key equal to the
      // selector's common prefix gives, for none, locally as well).
      if (Array.isArray(want) && want.length > 1) {
        const it = c.kv.list(selector, { ...options, limit: 1 });
        await it.next();
        const resumed = { ...options, limit: undefined, cursor: it.cursor };
        const rest = await Array.fromAsync(c.kv.list(selector, resumed));
        assert.deepEqual(
          strip(rest),
          strip(await Array.fromAsync(local.list(selector, resumed))),
          `cursor, ${what}`,
        );
      }
    }
    const sample = [...keys.slice(0, 7), ["missing"], []];
    assert.deepEqual(
      (await c.kv.getMany(sample)).map((e) => e.value),
      (await local.getMany(sample)).map((e) => e.value),
    );
  } finally {
    local.close();
    await c.close();
  }
});

Deno.test("kv connect - versionstamps are 10 bytes and increase; a stale check fails and writes nothing", async () => {
  const c = await connected();
  try {
    const first = await c.kv.set(["n"], 1);
    const stale = { key: ["n"], versionstamp: first.ok ? first.versionstamp : null };
    const second = await c.kv.atomic().check(stale).set(["n"], 2).commit();
    assert.ok(first.ok && second.ok);
    assert.match(first.versionstamp, /^[0-9a-f]{20}$/);
    assert.ok(second.versionstamp > first.versionstamp);
    // `first` is stale now; so is "absent".
    assert.equal((await c.kv.atomic().check(stale).set(["n"], 3).set(["other"], 1).commit()).ok, false);
    assert.equal(
      (await c.kv.atomic().check({ key: ["n"], versionstamp: null }).set(["n"], 4).commit()).ok,
      false,
    );
    assert.equal((await c.kv.get(["n"])).value, 2);
    assert.equal((await c.kv.get(["other"])).versionstamp, null);
    assert.equal(c.server.stats.checkFailures, 2);
    // What the client saw is what the store holds.
    assert.equal((await c.backing.get(["n"])).versionstamp, second.versionstamp);
    // A delete under a check of the current version.
    const now = await c.kv.get(["n"]);
    assert.ok((await c.kv.atomic().check(now).delete(["n"]).commit()).ok);
    assert.equal((await c.kv.get(["n"])).versionstamp, null);
  } finally {
    await c.close();
  }
});

Deno.test("kv connect - sum, min and max on u64 values; sum on another value is refused with 400", async () => {
  const c = await connected();
  try {
    await c.kv.atomic().sum(["count"], 5n).sum(["count"], 2n).min(["low"], 9n).max(["high"], 9n).commit();
    await c.kv.atomic().min(["low"], 4n).max(["high"], 20n).sum(["count"], 2n ** 64n - 1n).commit();
    const [count, low, high] = await c.kv.getMany<Deno.KvU64[]>([["count"], ["low"], ["high"]]);
    assert.deepEqual([count.value?.value, low.value?.value, high.value?.value], [6n, 4n, 20n]); // sum wraps
    await c.kv.set(["text"], "not a number");
    await assert.rejects(() => c.kv.atomic().sum(["text"], 1n).commit(), /400|non-U64|sum/i);
    assert.equal((await c.kv.get(["text"])).value, "not a number");
  } finally {
    await c.close();
  }
});

Deno.test("kv connect - expireIn reaches the backing store as an expiry time", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kv_connect_expiry_" });
  const c = await connected(`${dir}/kv`);
  try {
    const before = Date.now();
    await c.kv.set(["session", "s1"], { user: "a" }, { expireIn: 60_000 });
    await c.kv.set(["kept"], 1);
    // Expiry is only visible in the file (Deno removes expired keys in the background, later).
    const db = new DatabaseSync(`${dir}/kv`, { readOnly: true });
    const expiry = (key: Deno.KvKey) =>
      (db.prepare("select expiration_ms from kv where k = ?").get(encodeKey(key)) as {
        expiration_ms: number;
      })
        .expiration_ms;
    const at = expiry(["session", "s1"]);
    assert.ok(at >= before + 60_000 && at <= Date.now() + 60_000, `expires at ${at}`);
    assert.equal(expiry(["kept"]), -1);
    db.close();
  } finally {
    await c.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("kv connect - watch streams the current values, then every change committed through the server", async () => {
  const c = await connected(":memory:", { pingMs: 50 });
  const other = await openRemote(c.server.url); // a second client, as another process would be
  try {
    await c.kv.set(["w", 1], "one");
    const stream = c.kv.watch([["w", 1], ["w", 2]]);
    const reader = stream.getReader();
    const first = (await reader.read()).value!;
    assert.deepEqual(first.map((e) => e.value), ["one", null]);
    await other.set(["w", 2], "two");
    let next = (await reader.read()).value!;
    assert.deepEqual(next[1].value, "two");
    // Like the hosted service, the server marks ["w", 1] unchanged; Deno 2.9's client then reports
    // it as absent (null, no versionstamp) where a local watch repeats its value. The desk only
    // uses watches to wake up and re-read, so this costs it at most a spurious wake-up.
    assert.deepEqual([next[0].value, next[0].versionstamp], [null, null]);
    await other.delete(["w", 1]);
    next = (await reader.read()).value!;
    assert.deepEqual(next[0], { key: ["w", 1], value: null, versionstamp: null });
    await other.set(["w", 1], "uno");
    next = (await reader.read()).value!;
    assert.equal(next[0].value, "uno");
    await reader.cancel();
    assert.equal(c.server.stats.watches, 1);
  } finally {
    other.close();
    await c.close();
  }
});

Deno.test("kv connect - a wrong token is refused at the metadata exchange and on the data path", async () => {
  const c = await connected();
  try {
    // Deno's client exchanges metadata when opening: a wrong token fails there, with the server's text.
    await assert.rejects(
      () => openRemote(c.server.url, "not-the-right-token"),
      /401 Unauthorized: Invalid access token/,
    );
    const md = await fetch(`${c.server.url}/`, {
      method: "POST",
      headers: { authorization: "Bearer not-the-right-token" },
      body: JSON.stringify({ supportedVersions: [2, 3] }),
    });
    assert.equal(md.status, 401);
    assert.equal(await md.text(), "Invalid access token.");
    const data = await fetch(`${c.server.url}/v2/snapshot_read`, {
      method: "POST",
      headers: {
        authorization: "Bearer nope",
        "x-denokv-version": "3",
        "x-denokv-database-id": c.server.databaseId,
      },
      body: encodeSnapshotRead([{
        start: new Uint8Array([1]),
        end: new Uint8Array([2]),
        limit: 1,
        reverse: false,
      }]),
    });
    assert.equal(data.status, 401);
    await data.body?.cancel();
    // Without a body, a client is taken for protocol version 1, which the service does not serve.
    const v1 = await fetch(`${c.server.url}/`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(v1.status, 400);
    await v1.body?.cancel();
    const exchange = async (supportedVersions: number[]) =>
      (await fetch(`${c.server.url}/`, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify({ supportedVersions }),
      })).json();
    const v2 = await exchange([1, 2]);
    assert.deepEqual(Object.keys(v2).sort(), ["databaseId", "endpoints", "expiresAt", "token", "version"]);
    assert.equal(v2.version, 2);
    assert.deepEqual(v2.endpoints, [{ url: "/v2", consistency: "strong" }]);
    assert.equal((await exchange([1, 2, 3])).version, 3);
    assert.equal(c.server.stats.atomicWrites, 0);
  } finally {
    await c.close();
  }
});

/** Posts an atomic write as raw protobuf (what Deno's client refuses to send itself). */
async function rawWrite(url: string, databaseId: string, mutations: Mutation[], extra = {}) {
  const res = await fetch(`${url}/v2/atomic_write`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${TOKEN}`,
      "x-denokv-version": "3",
      "x-denokv-database-id": databaseId,
      "content-type": "application/x-protobuf",
    },
    body: encodeAtomicWrite({ checks: [], mutations, enqueues: [], ...extra }),
  });
  const body = new Uint8Array(await res.arrayBuffer());
  return { status: res.status, text: new TextDecoder().decode(body), body };
}

const v8Set = (key: Deno.KvKey, data: Uint8Array): Mutation => ({
  key: encodeKey(key),
  value: { data, encoding: ValueEncoding.BYTES },
  type: MutationType.SET,
  expireAtMs: 0n,
  sumMin: new Uint8Array(),
  sumMax: new Uint8Array(),
  sumClamp: false,
});

Deno.test("kv connect - commits over the service's limits are refused with its status and text, and change nothing", async () => {
  const c = await connected();
  try {
    // 11 checks: Deno's client allows it (a local store takes 100), the service does not.
    let op = c.kv.atomic();
    for (let i = 0; i < 11; i++) op = op.check({ key: ["c", i], versionstamp: null });
    await assert.rejects(() => op.set(["written"], 1).commit(), /Too many checks included in atomic write/);
    op = c.kv.atomic();
    for (let i = 0; i < 10; i++) op = op.check({ key: ["c", i], versionstamp: null });
    assert.ok((await op.set(["ten"], 1).commit()).ok, "10 checks pass");
    // Deno's client refuses these before sending; the server refuses them too.
    const { url, databaseId } = c.server;
    const cases: [string, Mutation[], object, string][] = [
      [
        "value over 64 KiB",
        [v8Set(["big"], new Uint8Array(65_537))],
        {},
        "A value exceeds the value size limit.",
      ],
      [
        "key over 2 KiB",
        [v8Set([new Uint8Array(2_050)], new Uint8Array(1))],
        {},
        "A key exceeds the key size limit.",
      ],
      [
        "1,001 mutations",
        Array.from({ length: 1_001 }, (_, i) => v8Set(["m", i], new Uint8Array(1))),
        {},
        "Too many mutations / enqueues included in atomic write.",
      ],
      [
        "over 800 KiB in all",
        Array.from({ length: 13 }, (_, i) => v8Set(["t", i], new Uint8Array(65_000))),
        {},
        "The total size of the atomic write is too large.",
      ],
      [
        "an enqueue",
        [],
        { enqueues: [{ payload: new Uint8Array([1]) }] },
        "Enqueue operations are not supported over KV Connect.",
      ],
    ];
    for (const [what, mutations, extra, text] of cases) {
      const r = await rawWrite(url, databaseId, mutations, extra);
      assert.deepEqual([r.status, r.text], [400, text], what);
    }
    // Exactly at the limits passes.
    const atLimit = await rawWrite(url, databaseId, [v8Set(["big"], new Uint8Array(65_536))]);
    assert.equal(decodeAtomicWriteOutput(atLimit.body).status, AtomicWriteStatus.SUCCESS);
    assert.equal(decodeAtomicWriteOutput(atLimit.body).versionstamp.length, 10);
    const written = await Array.fromAsync(c.backing.list({ prefix: [] }));
    assert.deepEqual(written.map((e) => e.key), [["big"], ["ten"]]);
    // Enqueue through Deno's client: refused by the client itself; listenQueue never delivers.
    await assert.rejects(() => c.kv.enqueue({ hello: 1 }), /enqueue|queue/i);
  } finally {
    await c.close();
  }
});

Deno.test("kv connect - reads over the limits and malformed requests get a 400, never a 5xx", async () => {
  const c = await connected();
  try {
    const post = (path: string, body: Uint8Array<ArrayBuffer>) =>
      fetch(`${c.server.url}/v2/${path}`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${TOKEN}`,
          "x-denokv-version": "3",
          "x-denokv-database-id": c.server.databaseId,
        },
        body,
      }).then(async (r) => [r.status, await r.text()]);
    const range = (limit: number) => ({
      start: new Uint8Array([1]),
      end: new Uint8Array([2]),
      limit,
      reverse: false,
    });
    assert.deepEqual(
      await post("snapshot_read", encodeSnapshotRead(Array.from({ length: 11 }, () => range(1)))),
      [
        400,
        "Too many read ranges requested in one read request.",
      ],
    );
    assert.deepEqual((await post("snapshot_read", encodeSnapshotRead([range(600), range(401)])))[0], 400);
    assert.deepEqual((await post("snapshot_read", encodeSnapshotRead([range(0)])))[0], 400);
    assert.equal((await post("snapshot_read", new Uint8Array([0x0a, 0x05, 1])))[0], 400); // truncated
    assert.equal((await post("atomic_write", new Uint8Array([0xff])))[0], 400);
    // Bytes that are no key (an unknown type code).
    const bad = v8Set([], new Uint8Array(1));
    bad.key = new Uint8Array([0x99]);
    assert.equal((await rawWrite(c.server.url, c.server.databaseId, [bad])).status, 400);
    const wrongDb = await fetch(`${c.server.url}/v2/atomic_write`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "x-denokv-version": "3", "x-denokv-database-id": "x" },
    });
    assert.deepEqual([wrongDb.status, await wrongDb.text()], [400, "Invalid database id."]);
  } finally {
    await c.close();
  }
});

Deno.test("kv connect - deno task kv-connect serves a file; stopped, the file is an ordinary store", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kv_connect_cli_" });
  const child = new Deno.Command(Deno.execPath(), {
    args: ["task", "--quiet", "kv-connect", `--path=${dir}/remote.kv`, "--port=0", `--token=${TOKEN}`],
    cwd: new URL("..", import.meta.url).pathname,
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  try {
    const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let out = "";
    while (!/listening on (http:\/\/\S+)/.test(out)) {
      const { value, done } = await lines.read();
      if (done) throw new Error(`kv-connect exited: ${out}`);
      out += value;
    }
    lines.releaseLock();
    const url = out.match(/listening on (http:\/\/\S+)/)![1];
    const kv = await openRemote(url);
    await kv.set(["greeting"], { text: "hello", at: new Date(0) });
    kv.close();
    child.kill("SIGTERM");
    assert.equal((await child.status).code, 0);
    const local = await Deno.openKv(`${dir}/remote.kv`);
    assert.deepEqual((await local.get(["greeting"])).value, { text: "hello", at: new Date(0) });
    local.close();
  } finally {
    try {
      child.kill("SIGKILL");
    } catch { /* already stopped */ }
    await child.stdout.cancel().catch(() => {});
    await child.status;
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("kv connect - random bytes on every data-path endpoint answer 200 or 400, never a 5xx, and the store is intact", async () => {
  const seed = Number(Deno.env.get("KV_CONNECT_SEED") ?? Math.floor(Math.random() * 2 ** 31));
  const random = seeded(seed);
  const c = await connected();
  try {
    await c.kv.set(["kept"], "value");
    for (let i = 0; i < 150; i++) {
      const path = ["snapshot_read", "atomic_write", "watch"][i % 3];
      // Mostly small messages with plausible tags (field 1..4, any wire type), some pure noise.
      const body = Uint8Array.from(
        { length: Math.floor(random() * 24) },
        () =>
          random() < 0.5 ? (1 + Math.floor(random() * 4)) << 3 | Math.floor(random() * 6) : random() * 256,
      );
      const abort = new AbortController();
      const res = await fetch(`${c.server.url}/v2/${path}`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${TOKEN}`,
          "x-denokv-version": "3",
          "x-denokv-database-id": c.server.databaseId,
        },
        body,
        signal: abort.signal,
      });
      assert.ok([200, 400].includes(res.status), `seed ${seed}, ${path} [${body}]: ${res.status}`);
      abort.abort(); // a watch that decoded streams on: stop it
      await res.body?.cancel().catch(() => {});
    }
    assert.equal((await c.kv.get(["kept"])).value, "value");
  } finally {
    await c.close();
  }
});
