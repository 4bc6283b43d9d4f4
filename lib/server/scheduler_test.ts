import assert from "node:assert/strict";
import fc from "fast-check";
import { type Lease, planLeases, SCHEDULE_SHARDS, shardOf } from "./scheduler.ts";
import { MAX_CHECKS } from "./actor.ts";

const none = (n = SCHEDULE_SHARDS): (Lease | null)[] => Array(n).fill(null);

Deno.test("scheduler - a shard is a stable function of the id, within range", () => {
  fc.assert(fc.property(fc.string(), (id) => {
    const s = shardOf(id);
    assert.ok(Number.isInteger(s) && s >= 0 && s < SCHEDULE_SHARDS);
    assert.equal(shardOf(id), s);
  }));
  const used = new Set(Array.from({ length: 200 }, (_, i) => shardOf(`delivery:${i}`)));
  assert.equal(used.size, SCHEDULE_SHARDS, "ids spread over every shard");
});

Deno.test("scheduler - a lone process claims every free shard", () => {
  const plan = planLeases({ me: "a", shards: 8, now: 1000, leases: none(8), members: 1 });
  assert.deepEqual([...plan.claim].sort((x, y) => x - y), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(plan.renew, []);
  assert.deepEqual(plan.release, []);
});

Deno.test("scheduler - live leases of others are never claimed; expired ones are", () => {
  const leases: (Lease | null)[] = none(4);
  leases[0] = { owner: "b", until: 2000 }; // live
  leases[1] = { owner: "b", until: 999 }; // expired: b died
  leases[2] = { owner: "a", until: 2000 }; // mine
  const plan = planLeases({ me: "a", shards: 4, now: 1000, leases, members: 1 });
  assert.deepEqual(plan.renew, [2]);
  assert.deepEqual([...plan.claim].sort(), [1, 3]);
  assert.ok(!plan.claim.includes(0));
});

Deno.test("scheduler - a process holding more than its share gives the extra back", () => {
  const leases = Array.from({ length: 8 }, () => ({ owner: "a", until: 5000 }));
  const plan = planLeases({ me: "a", shards: 8, now: 1000, leases, members: 2 });
  assert.equal(plan.renew.length, 4);
  assert.equal(plan.release.length, 4);
  assert.deepEqual(plan.claim, []);
  assert.deepEqual([...plan.renew, ...plan.release].sort(), [0, 1, 2, 3, 4, 5, 6, 7]);
});

Deno.test("scheduler - over rounds, live processes end up holding every shard exactly once", () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 16 }), (n, shards) => {
    const procs = Array.from({ length: n }, (_, i) => `p${i}`);
    const leases: (Lease | null)[] = Array(shards).fill(null);
    // Rounds in turn: each applies its plan on what it read (as the checked commits would).
    for (let round = 0; round < 4; round++) {
      for (const me of procs) {
        const plan = planLeases({ me, shards, now: round, leases, members: n });
        for (const s of plan.release) leases[s] = null;
        for (const s of [...plan.renew, ...plan.claim]) {
          assert.ok(leases[s] === null || leases[s]!.owner === me, "never takes a live lease");
          leases[s] = { owner: me, until: round + 10 };
        }
      }
    }
    assert.ok(leases.every((l) => l !== null), "every shard held");
    const share = Math.ceil(shards / n);
    for (const me of procs) assert.ok(leases.filter((l) => l!.owner === me).length <= share);
  }));
});

Deno.test("scheduler - every lease can be renewed in one commit (within the store's check limit)", () => {
  assert.ok(SCHEDULE_SHARDS <= MAX_CHECKS);
});
