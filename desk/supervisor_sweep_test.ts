import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { keys } from "../lib/server/keys.ts";
import { testConfig, within } from "../lib/testing/fixtures.ts";
import { inboundMessageSchema } from "../lib/shared/wire/api.ts";
import { receiveMessage } from "./inbound.ts";
import { setPresence } from "./agents.ts";
import { startDesk } from "./runtime.ts";
import { MINUTE_KEYS_KEPT_MS, sweepOldMinutes } from "./supervisor_sweep.ts";

const T0 = Date.parse("2031-03-01T09:00:30Z");

/** The stored expiry (ms, or -1 for none) of every key of a Deno KV sqlite file, by key bytes. */
function storedExpiries(path: string): Map<string, number> {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const rows = db.prepare("select k, expiration_ms from kv").all() as {
      k: Uint8Array;
      expiration_ms: number;
    }[];
    return new Map(
      rows.map((r) => [new TextDecoder().decode(r.k).replace(/\W/g, ""), Number(r.expiration_ms)]),
    );
  } finally {
    db.close();
  }
}

Deno.test("Deno KV: a sum mutation never expires, and clears the expiry a set gave its key", async () => {
  const path = await Deno.makeTempFile({ suffix: ".sqlite3" });
  try {
    const kv = await Deno.openKv(path);
    await kv.set(["plainset"], 1, { expireIn: 3_600_000 });
    await kv.atomic()
      .mutate(
        {
          type: "sum",
          key: ["sumwithexpiry"],
          value: new Deno.KvU64(1n),
          expireIn: 3_600_000,
        } as Deno.KvMutation,
      )
      .commit();
    await kv.set(["setthensum"], new Deno.KvU64(5n), { expireIn: 3_600_000 });
    await kv.atomic().sum(["setthensum"], 1n).commit();
    kv.close();
    const expiry = storedExpiries(path);
    assert.ok(expiry.get("plainset")! > Date.now(), "a set with expireIn stores its expiry");
    // Why the per-minute trend keys are swept rather than given an expireIn (supervisor_sweep.ts).
    assert.equal(expiry.get("sumwithexpiry"), -1);
    assert.equal(expiry.get("setthensum"), -1);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("supervision: per-minute trend keys older than two hours are swept, the trends' hour kept", async () => {
  const clock = { at: T0, now: () => clock.at };
  const kv = await Deno.openKv(":memory:");
  const runtime = await startDesk({ kv, config: await testConfig(), clock, tickMs: 600_000 });
  const desk = runtime.desk;
  const minuteKeys = async () => {
    const out: Deno.KvKey[] = [];
    for (const prefix of [keys.statMinutes(), keys.statMinutesAvailable()]) {
      for await (const e of kv.list({ prefix })) out.push(e.key);
    }
    return out;
  };
  const inbound = (id: string) =>
    receiveMessage(
      desk,
      "webchat",
      inboundMessageSchema.parse({ id, thread: { id }, author: { id: "c", name: "C" }, body: "Hi" }),
    );
  try {
    // At T0: one waiting (stat_minute "in") and alice available (stat_minute_available "in").
    await inbound("old");
    await setPresence(desk, "alice", "available");
    // More old keys than one commit deletes: 25 minutes of moves just before T0.
    const seeded = kv.atomic();
    for (let i = 1; i <= 25; i++) seeded.sum(keys.statMinute(T0 - 30_000 - i * 60_000, "webchat", "in"), 1n);
    await seeded.commit();
    await desk.dispatcher.settle(); // alice is offered the waiting one: a waiting "out" move too.
    const atT0 = await minuteKeys();
    assert.ok(atT0.length >= 27, `keys at T0: ${atT0.length}`);

    // An hour later the trends still show those minutes: nothing is swept.
    clock.at = T0 + 3600_000;
    assert.equal(await sweepOldMinutes(desk), 0);
    assert.deepEqual(await minuteKeys(), atT0);

    // A new move now, then past the kept window of every seeded minute: only the new one stays.
    await setPresence(desk, "alice", "away");
    clock.at = T0 + MINUTE_KEYS_KEPT_MS + 60_000;
    const deleted = await sweepOldMinutes(desk);
    assert.equal(deleted, atT0.length);
    const left = await minuteKeys();
    assert.deepEqual(left, [keys.statMinuteAvailable(T0 + 3600_000 - 30_000, "alice", "out")]);
    // Sweeping again is harmless (another process may sweep the same minutes).
    assert.equal(await sweepOldMinutes(desk), 0);
  } finally {
    await runtime.stop();
    kv.close();
  }
});

Deno.test("supervision: the runtime's tick sweeps old per-minute keys", async () => {
  const clock = { at: T0 + MINUTE_KEYS_KEPT_MS + 3600_000, now: () => clock.at };
  const kv = await Deno.openKv(":memory:");
  await kv.atomic().sum(keys.statMinute(T0 - 30_000, "webchat", "in"), 1n).commit();
  const runtime = await startDesk({ kv, config: await testConfig(), clock, tickMs: 20 });
  try {
    await within(
      (async () => {
        while ((await kv.get(keys.statMinute(T0 - 30_000, "webchat", "in"))).versionstamp) {
          await new Promise((r) => setTimeout(r, 20));
        }
      })(),
      5_000,
      "the tick's sweep",
    );
  } finally {
    await runtime.stop();
    kv.close();
  }
});
