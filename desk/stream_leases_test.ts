import assert from "node:assert/strict";
import type { ClosingEvent } from "../lib/server/streams.ts";
import { evictions, LEASE_TTL_MS, RENEW_AFTER_MS, StreamLeases } from "./stream_leases.ts";

const lease = (openedAt: number, renewedAt = openedAt) => ({ openedAt, renewedAt });

Deno.test("stream leases - the oldest live leases beyond the limit are evicted; expired ones do not count", () => {
  const now = 100_000;
  const live = [
    { id: "c", lease: lease(3_000, now) },
    { id: "a", lease: lease(1_000, now) },
    { id: "b", lease: lease(2_000, now) },
    { id: "dead", lease: lease(500, now - LEASE_TTL_MS) },
  ];
  assert.deepEqual(evictions(live, 5, now), []);
  assert.deepEqual(evictions(live, 3, now), ["a"]);
  assert.deepEqual(evictions(live, 2, now), ["a", "b"]);
  assert.deepEqual(evictions(live, 1, now), ["a", "b", "c"]);
});

/** The lease ids (oldest first: they start with their opening time). */
async function leaseIds(kv: Deno.Kv): Promise<string[]> {
  const ids: string[] = [];
  for await (const e of kv.list<{ evicted?: true }>({ prefix: ["stream_lease"] })) {
    if (!e.value.evicted) ids.push(String(e.key[2]));
  }
  return ids.toSorted();
}

/** Live leases (those marked evicted left out: their holder is about to close them). */
async function leaseCount(kv: Deno.Kv): Promise<number> {
  return (await leaseIds(kv)).length;
}

Deno.test("stream leases - two processes on one store share the limit: the oldest stream closes, on either", async () => {
  const kv = await Deno.openKv(":memory:");
  // Two processes' registries over one store (renewal driven by hand: no timers in the test).
  const one = new StreamLeases(kv, 3, Date.now, 3_600_000);
  const two = new StreamLeases(kv, 3, Date.now, 3_600_000);
  const closed: string[] = [];
  const closer = (name: string) => (e: ClosingEvent) => {
    assert.equal(e.event, "stream.replaced");
    closed.push(name);
  };
  const releases: (() => void)[] = [];
  const settle = async () => {
    for (let i = 0; i < 50 && (await leaseCount(kv)) !== Math.min(3, one.size + two.size); i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  try {
    releases.push(one.open("session:s", closer("one-1")));
    await settle();
    releases.push(one.open("session:s", closer("one-2")));
    await settle();
    releases.push(two.open("session:s", closer("two-1")));
    await settle();
    assert.equal(await leaseCount(kv), 3);
    assert.deepEqual(closed, []);
    // A fourth, on the second process: the oldest lease (the first process's) goes at once ...
    const before = await leaseIds(kv);
    releases.push(two.open("session:s", closer("two-2")));
    let after = before;
    for (let i = 0; i < 50 && after.join() === before.join(); i++) {
      await new Promise((r) => setTimeout(r, 10));
      after = await leaseIds(kv);
    }
    assert.equal(after.length, 3);
    assert.deepEqual(before.filter((id) => !after.includes(id)), [before[0]], "the oldest lease went");
    // ... and its stream closes when its process next renews.
    assert.deepEqual(closed, []);
    await one.renew();
    assert.deepEqual(closed, ["one-1"]);
    await two.renew();
    assert.deepEqual(closed, ["one-1"], "renewing keeps the others");
    // Another owner has its own limit; the owner's token is not in any key.
    releases.push(two.open("session:other", closer("other")));
    for (let i = 0; i < 50 && (await leaseCount(kv)) !== 4; i++) await new Promise((r) => setTimeout(r, 10));
    for await (const e of kv.list({ prefix: [] })) assert.ok(!JSON.stringify(e.key).includes("session:"));
    // Closing releases the lease.
    releases[1]();
    for (let i = 0; i < 50 && (await leaseCount(kv)) !== 3; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(await leaseCount(kv), 3);
    assert.equal(one.size, 0);
  } finally {
    for (const r of releases) r();
    await new Promise((r) => setTimeout(r, 50));
    kv.close();
  }
});

Deno.test("stream leases - a lease that expired unrenewed is claimed again; one marked evicted closes its stream", async () => {
  const kv = await Deno.openKv(":memory:");
  const one = new StreamLeases(kv, 5, Date.now, 3_600_000);
  const closed: string[] = [];
  const release = one.open("visitor:v", () => closed.push("v"));
  try {
    for (let i = 0; i < 50 && (await leaseCount(kv)) !== 1; i++) await new Promise((r) => setTimeout(r, 10));
    // Gone as an expired lease goes (a process too starved to renew): the stream stays, leased again.
    for await (const e of kv.list({ prefix: ["stream_lease"] })) await kv.delete(e.key);
    await one.renew();
    for (let i = 0; i < 50 && (await leaseCount(kv)) !== 1; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(closed, []);
    assert.equal(await leaseCount(kv), 1);
    assert.equal(one.size, 1);
    // Marked evicted (an opening elsewhere, past the limit): closed, and the renewal keeps the mark.
    for await (const e of kv.list<Record<string, unknown>>({ prefix: ["stream_lease"] })) {
      await kv.set(e.key, { ...e.value, evicted: true });
    }
    await one.renew();
    assert.deepEqual(closed, ["v"]);
    assert.equal(one.size, 0);
  } finally {
    release();
    kv.close();
  }
});

Deno.test("stream leases - renewing rewrites only leases a third of their life old, and keeps them", async () => {
  const kv = await Deno.openKv(":memory:");
  let t = 1_000_000;
  const one = new StreamLeases(kv, 5, () => t, 3_600_000);
  const releases = [one.open("session:r", () => {}), one.open("session:r", () => {})];
  const renewedAt = async () => {
    const out: number[] = [];
    for await (const e of kv.list<{ renewedAt: number }>({ prefix: ["stream_lease"] })) {
      out.push(e.value.renewedAt);
    }
    return out;
  };
  try {
    for (let i = 0; i < 50 && (await renewedAt()).length !== 2; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    t += RENEW_AFTER_MS - 1;
    await one.renew();
    assert.deepEqual(await renewedAt(), [1_000_000, 1_000_000], "young leases are left alone");
    t += 1;
    await one.renew();
    assert.deepEqual(await renewedAt(), [t, t]);
    assert.equal(one.size, 2);
  } finally {
    for (const r of releases) r();
    await new Promise((r) => setTimeout(r, 50));
    kv.close();
  }
});
