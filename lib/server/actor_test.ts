import assert from "node:assert/strict";
import {
  lastWrites,
  MAX_CHECKS,
  read,
  stats,
  type StoredFeedEntry,
  TooMuchContention,
  transact,
  type Tx,
} from "./actor.ts";
import { keys } from "./keys.ts";
import { Conflict } from "../shared/errors.ts";
import type { AgentEventName } from "../shared/wire/events.ts";
import { withKv } from "../testing/kv.ts";

/** The runtime stores any payload: these tests emit made-up events, outside the typed map. */
const emit = (tx: Tx, agentId: string, event: string, data: Record<string, unknown>) =>
  tx.emit(agentId, event as AgentEventName, data as never);

/** Runs `fn` against a fresh in-memory KV, closed afterwards. */
async function feedEntries(kv: Deno.Kv, agentId: string): Promise<Deno.KvEntry<StoredFeedEntry>[]> {
  return await Array.fromAsync(kv.list<StoredFeedEntry>({ prefix: keys.feed(agentId) }));
}
async function feedOf(kv: Deno.Kv, agentId: string): Promise<StoredFeedEntry[]> {
  return (await feedEntries(kv, agentId)).map((e) => e.value);
}

Deno.test("actor - a transaction commits every staged write at once", () => {
  return withKv(async (kv) => {
    await kv.set(["gone"], 1);
    const result = await transact(kv, async (tx) => {
      const n = (await tx.get<number>(["n"])) ?? 0;
      tx.set(["n"], n + 1);
      tx.set(["other"], "x");
      tx.delete(["gone"]);
      return "done";
    });
    assert.equal(result, "done");
    const [n, other, gone] = await kv.getMany([["n"], ["other"], ["gone"]]);
    assert.equal(n.value, 1);
    assert.equal(other.value, "x");
    assert.equal(gone.value, null);
    assert.equal(n.versionstamp, other.versionstamp, "one commit");
  });
});

Deno.test("actor - a body reads its own staged writes", () => {
  return withKv(async (kv) => {
    await kv.set(["k"], "stored");
    await transact(kv, async (tx) => {
      assert.equal(await tx.get(["k"]), "stored");
      tx.set(["k"], "staged");
      assert.equal(await tx.get(["k"]), "staged");
      tx.delete(["k"]);
      assert.equal(await tx.get(["k"]), null);
    });
  });
});

Deno.test("actor - a conflicting write re-runs the body and nothing of the failed attempt lands", () => {
  return withKv(async (kv) => {
    await kv.set(["balance"], 100);
    const attempts: number[] = [];
    let hookRuns = 0;
    const result = await transact(kv, async (tx, attempt) => {
      attempts.push(attempt);
      const balance = (await tx.get<number>(["balance"]))!;
      if (attempt === 1) {
        // Someone else writes what we read, before we commit.
        await kv.set(["balance"], 150);
        tx.set(["only_first_attempt"], true);
      }
      tx.after(() => void hookRuns++);
      tx.set(["balance"], balance - 30);
      tx.set(["log", attempt], balance);
      return balance;
    });
    assert.deepEqual(attempts, [1, 2]);
    assert.equal(result, 150, "the retry saw the concurrent write");
    assert.equal((await kv.get(["balance"])).value, 120);
    assert.equal((await kv.get(["only_first_attempt"])).value, null);
    assert.equal((await kv.get(["log", 1])).value, null);
    assert.equal((await kv.get(["log", 2])).value, 150);
    assert.equal(hookRuns, 1, "post-commit hooks run once, for the attempt that committed");
  });
});

Deno.test("actor - a read of a missing key is checked too (no double create)", () => {
  return withKv(async (kv) => {
    const attempts: number[] = [];
    await transact(kv, async (tx, attempt) => {
      attempts.push(attempt);
      const existing = await tx.get<string>(["owner"]);
      if (attempt === 1) await kv.set(["owner"], "someone-else");
      if (!existing) tx.set(["owner"], "me");
    });
    assert.deepEqual(attempts, [1, 2]);
    assert.equal((await kv.get(["owner"])).value, "someone-else");
  });
});

Deno.test("actor - 20 concurrent increments of one counter all land", () => {
  return withKv(async (kv) => {
    const conflictsBefore = stats.conflicts;
    let runs = 0;
    await Promise.all(Array.from({ length: 20 }, () =>
      transact(kv, async (tx) => {
        runs++;
        const n = (await tx.get<number>(["counter"])) ?? 0;
        tx.set(["counter"], n + 1);
      })));
    assert.equal((await kv.get(["counter"])).value, 20);
    assert.ok(runs > 20, "some bodies had to re-run");
    assert.ok(stats.conflicts > conflictsBefore);
  });
});

Deno.test("actor - a body that only reads commits nothing but still runs its hooks", () => {
  return withKv(async (kv) => {
    await kv.set(["k"], 1);
    const before = stats.commits;
    const vs = (await kv.get(["k"])).versionstamp;
    let attempts = 0;
    let hooked = false;
    const v = await transact(kv, async (tx) => {
      attempts++;
      const value = await tx.get<number>(["k"]);
      // A write by someone else does not matter: nothing of ours depends on it.
      await kv.set(["k"], 2);
      tx.after(() => void (hooked = true));
      return value;
    });
    assert.equal(v, 1);
    assert.equal(attempts, 1);
    assert.equal(stats.commits, before);
    assert.equal(hooked, true);
    assert.notEqual((await kv.get(["k"])).versionstamp, vs);
    assert.equal((await kv.get(["k"])).value, 2);
    const empty = await read(kv, async (tx) => await tx.get<number>(["k"]));
    assert.equal(empty, 2);
  });
});

Deno.test("actor - a commit that would check more than 10 keys is refused", () => {
  return withKv(async (kv) => {
    await assert.rejects(
      transact(kv, async (tx) => {
        for (let i = 0; i <= MAX_CHECKS; i++) await tx.get(["k", i]);
        tx.set(["out"], 1);
      }),
      /max 10/,
    );
    assert.equal((await kv.get(["out"])).value, null);
    // Exactly ten is fine.
    await transact(kv, async (tx) => {
      for (let i = 0; i < MAX_CHECKS; i++) await tx.get(["k", i]);
      tx.set(["out"], 1);
    });
    assert.equal((await kv.get(["out"])).value, 1);
  });
});

Deno.test("actor - an event adds no check: a body with ten reads may still emit", () => {
  return withKv(async (kv) => {
    await transact(kv, async (tx) => {
      for (let i = 0; i < MAX_CHECKS; i++) await tx.get(["k", i]);
      emit(tx, "alice", "interaction.updated", {});
    });
    assert.deepEqual((await feedOf(kv, "alice")).map((e) => e.event), ["interaction.updated"]);
  });
});

Deno.test("actor - reading the same key twice is one check", () => {
  return withKv(async (kv) => {
    await transact(kv, async (tx) => {
      for (let i = 0; i < 3 * MAX_CHECKS; i++) await tx.get(["same"]);
      tx.set(["out"], 1);
    });
    assert.equal((await kv.get(["out"])).value, 1);
  });
});

Deno.test("actor - a record that never stops changing ends in a contention error", () => {
  return withKv(async (kv) => {
    let attempts = 0;
    await assert.rejects(
      transact(kv, async (tx) => {
        attempts++;
        await tx.get(["hot"]);
        await kv.set(["hot"], attempts);
        tx.set(["out"], attempts);
      }),
      (e) => e instanceof TooMuchContention && e.status === 409 && e.code === "contention",
    );
    assert.ok(attempts > 1);
    assert.equal((await kv.get(["out"])).value, null);
  });
});

Deno.test("actor - feed events are written with the commit, in order per agent, and counted on the head", () => {
  return withKv(async (kv) => {
    await transact(kv, (tx) => {
      tx.set(["state"], 1);
      emit(tx, "alice", "interaction.offered", { interactionId: "i1" });
      emit(tx, "bruno", "interaction.updated", { interactionId: "i2" });
      emit(tx, "alice", "interaction.updated", { interactionId: "i1" });
      return Promise.resolve();
    });
    const stamp = (await kv.get(["state"])).versionstamp;
    const alice = await feedEntries(kv, "alice");
    assert.deepEqual(alice.map((e) => [e.key.at(-1), e.value.event, e.value.data]), [
      [0, "interaction.offered", { interactionId: "i1" }],
      [1, "interaction.updated", { interactionId: "i1" }],
    ]);
    assert.ok(alice.every((e) => e.versionstamp === stamp), "in the commit itself");
    assert.deepEqual((await feedOf(kv, "bruno")).map((e) => e.event), ["interaction.updated"]);
    assert.equal((await kv.get<Deno.KvU64>(keys.feedHead("alice"))).value?.value, 2n);
    assert.equal((await kv.get<Deno.KvU64>(keys.feedHead("bruno"))).value?.value, 1n);
  });
});

Deno.test("actor - commits emitting to one agent never conflict over its feed, and keep each commit's events together", () => {
  return withKv(async (kv) => {
    const before = stats.conflicts;
    await Promise.all(Array.from({ length: 15 }, (_, i) =>
      transact(kv, async (tx) => {
        // Unrelated keys: the only thing shared is the agents' feeds.
        tx.set(["work", i], true);
        await new Promise((r) => setTimeout(r, 1));
        emit(tx, "alice", "a", { i, part: 1 });
        emit(tx, "alice", "a", { i, part: 2 });
        emit(tx, "bruno", "b", { i });
      })));
    assert.equal(stats.conflicts, before, "no checked counter: nothing to retry");
    // Commit order: versionstamp, then index within the commit.
    const alice = (await feedEntries(kv, "alice")).sort((a, b) =>
      a.versionstamp < b.versionstamp ? -1 : a.versionstamp > b.versionstamp ? 1 : 0
    );
    assert.equal(alice.length, 30);
    for (let k = 0; k < 30; k += 2) {
      assert.equal(alice[k].versionstamp, alice[k + 1].versionstamp);
      assert.equal(alice[k].value.data.i, alice[k + 1].value.data.i);
      assert.deepEqual([alice[k].value.data.part, alice[k + 1].value.data.part], [1, 2]);
    }
    assert.equal(new Set(alice.map((e) => e.value.data.i)).size, 15);
    assert.equal((await feedOf(kv, "bruno")).length, 15);
    assert.equal((await kv.get<Deno.KvU64>(keys.feedHead("alice"))).value?.value, 30n);
    assert.equal((await kv.get<Deno.KvU64>(keys.feedHead("bruno"))).value?.value, 15n);
  });
});

Deno.test("actor - a failing post-commit hook does not undo the commit or stop the others", () => {
  return withKv(async (kv) => {
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void errors.push(args);
    let second = false;
    try {
      await transact(kv, (tx) => {
        tx.set(["k"], 1);
        tx.after(() => {
          throw new Error("hook failed");
        });
        tx.after(() => void (second = true));
        return Promise.resolve();
      });
    } finally {
      console.error = original;
    }
    assert.equal((await kv.get(["k"])).value, 1);
    assert.equal(second, true);
    assert.equal(errors.length, 1);
  });
});

Deno.test("actor - an error thrown by the body commits nothing", () => {
  return withKv(async (kv) => {
    await assert.rejects(
      transact(kv, async (tx) => {
        tx.set(["k"], 1);
        emit(tx, "alice", "x", {});
        await Promise.resolve();
        throw new Error("nope");
      }),
      /nope/,
    );
    assert.equal((await kv.get(["k"])).value, null);
    assert.equal((await kv.get(keys.feedHead("alice"))).value, null);
  });
});

Deno.test("actor - counters summed by concurrent commits never conflict, and go down as well as up", () => {
  return withKv(async (kv) => {
    const before = stats.conflicts;
    // Each commit also writes its own key: only the sums touch the shared counter.
    await Promise.all(Array.from({ length: 20 }, (_, i) =>
      transact(kv, (tx) => {
        tx.set(["item", i], true);
        tx.sum(["count"], i % 4 === 0 ? -1 : 1);
        return Promise.resolve();
      })));
    assert.equal(stats.conflicts, before, "a sum is not a read: nothing to check, nothing to retry");
    assert.equal((await kv.get<Deno.KvU64>(["count"])).value?.value, 10n);
  });
});

Deno.test("actor - a refusal decided on reads torn by another commit is retried, not answered", () => {
  return withKv(async (kv) => {
    // A pair that every commit keeps equal (like a thread and its open interaction).
    await kv.atomic().set(["pair", "a"], 1).set(["pair", "b"], 1).commit();
    let attempts = 0;
    const result = await transact(kv, async (tx) => {
      attempts++;
      const a = await tx.get<number>(["pair", "a"]);
      // Another commit lands between the two reads of the first attempt.
      if (attempts === 1) await kv.atomic().set(["pair", "a"], 2).set(["pair", "b"], 2).commit();
      const b = await tx.get<number>(["pair", "b"]);
      if (a !== b) throw new Conflict(`a is ${a} but b is ${b}`, "invalid_state");
      return a;
    });
    assert.equal(result, 2);
    assert.equal(attempts, 2);
  });
});

Deno.test("actor - an answer drawn from torn reads, with nothing to commit, is looked at again", () => {
  return withKv(async (kv) => {
    await kv.atomic().set(["pair", "a"], 1).set(["pair", "b"], 1).commit();
    let attempts = 0;
    const seen = await transact(kv, async (tx) => {
      attempts++;
      const a = await tx.get<number>(["pair", "a"]);
      if (attempts === 1) await kv.atomic().set(["pair", "a"], 2).set(["pair", "b"], 2).commit();
      return [a, await tx.get<number>(["pair", "b"])];
    });
    assert.deepEqual(seen, [2, 2], "never a pair that was not stored together");
  });
});

Deno.test("actor - a refusal on consistent reads is answered at once", () => {
  return withKv(async (kv) => {
    await kv.atomic().set(["pair", "a"], 1).set(["pair", "b"], 2).commit();
    let attempts = 0;
    await assert.rejects(
      transact(kv, async (tx) => {
        attempts++;
        const [a, b] = [await tx.get<number>(["pair", "a"]), await tx.get<number>(["pair", "b"])];
        throw new Conflict(`a is ${a} but b is ${b}`, "invalid_state");
      }),
      Conflict,
    );
    assert.equal(attempts, 1);
  });
});

Deno.test("actor - commands holding the lock on one key take turns: no conflict, no re-run", () => {
  return withKv(async (kv) => {
    const before = stats.conflicts;
    let runs = 0;
    await Promise.all(Array.from({ length: 20 }, () =>
      transact(kv, async (tx) => {
        runs++;
        const n = (await tx.get<number>(["counter"])) ?? 0;
        await new Promise((r) => setTimeout(r, 0));
        tx.set(["counter"], n + 1);
      }, { lock: [["counter"]] })));
    assert.equal((await kv.get(["counter"])).value, 20);
    assert.equal(runs, 20);
    assert.equal(stats.conflicts, before);
  });
});

Deno.test("actor - post-commit hooks run after the lock is released", () => {
  return withKv(async (kv) => {
    let inner = "";
    await transact(kv, (tx) => {
      tx.set(["a"], 1);
      // A hook may run a command on the same key (e.g. dispatch for the agent just freed).
      tx.after(async () => {
        inner = await transact(kv, (tx2) => Promise.resolve(void tx2.set(["a"], 2)).then(() => "ran"), {
          lock: [["a"]],
        });
      });
      return Promise.resolve();
    }, { lock: [["a"]] });
    assert.equal(inner, "ran");
    assert.equal((await kv.get(["a"])).value, 2);
  });
});

Deno.test("actor - a key written several times in one commit is written once, as last staged; sums are added up", async () => {
  const set = (k: string, value: unknown) => ({ op: "set" as const, key: [k], value });
  const del = (k: string) => ({ op: "delete" as const, key: [k] });
  const sum = (k: string, n = 1n) => ({ op: "sum" as const, key: [k], value: new Deno.KvU64(n) });
  assert.deepEqual(
    lastWrites([set("t", 1), set("a", 1), set("t", 2), del("a"), set("t", 3)]),
    [del("a"), set("t", 3)],
  );
  const mixed = [set("n", 1), sum("n"), set("n", 5)];
  assert.deepEqual(lastWrites(mixed), mixed, "a key both set and summed keeps its order");
  // Sums of one key: one sum of the total where the first was (wrapping: 5 - 3 = 2).
  assert.deepEqual(
    lastWrites([sum("h"), sum("g", 5n), set("x", 1), sum("h", 2n), sum("g", 2n ** 64n - 3n)]),
    [sum("h", 3n), sum("g", 2n), set("x", 1)],
  );
  const kv = await Deno.openKv(":memory:");
  try {
    await kv.set(["gone"], "before");
    await transact(kv, (tx) => {
      tx.set(["thread"], { v: 1 });
      tx.delete(["gone"]);
      tx.set(["thread"], { v: 2 });
      tx.set(["gone"], "again");
      tx.set(["thread"], { v: 3 });
      tx.delete(["gone"]);
      return Promise.resolve();
    });
    assert.deepEqual((await kv.get(["thread"])).value, { v: 3 });
    assert.equal((await kv.get(["gone"])).value, null);
    // Sums added up in a commit land as the store would have added them one by one.
    await kv.set(["count"], new Deno.KvU64(10n));
    await transact(kv, (tx) => {
      for (const d of [3, -1, 4, -10, 1]) tx.sum(["count"], d);
      tx.sum(["fresh"], 2);
      tx.sum(["fresh"], 5);
      return Promise.resolve();
    });
    assert.equal((await kv.get<Deno.KvU64>(["count"])).value?.value, 7n);
    assert.equal((await kv.get<Deno.KvU64>(["fresh"])).value?.value, 7n);
  } finally {
    kv.close();
  }
});

Deno.test("actor - a prefetched key is checked only once the body gets it", async () => {
  await withKv(async (kv) => {
    await kv.set(["used"], 1);
    await kv.set(["unused"], 1);
    let runs = 0;
    const seen = await transact(kv, async (tx) => {
      runs++;
      await tx.prefetch([["used"], ["unused"]]);
      // Both change after the prefetch, before the commit: only the key the body asked for counts.
      if (runs === 1) await kv.set(["used"], 2), await kv.set(["unused"], 2);
      const used = await tx.get<number>(["used"]);
      tx.set(["out"], used);
      return used;
    });
    assert.equal(runs, 2, "the change to the key it used made the first attempt retry");
    assert.equal(seen, 2);
    runs = 0;
    await transact(kv, async (tx) => {
      runs++;
      await tx.prefetch([["unused"]]);
      if (runs === 1) await kv.set(["unused"], 3);
      tx.set(["out"], "x");
    });
    assert.equal(runs, 1, "a key prefetched but never asked for is not checked");
  });
});

Deno.test("actor - prefetch keeps read-your-writes and is read in one round trip", async () => {
  await withKv(async (kv) => {
    await kv.set(["a"], "stored");
    await kv.set(["m", 1], "one");
    const { kv: counted, reads } = countingReads(kv);
    await transact(counted, async (tx) => {
      tx.set(["a"], "staged");
      await tx.prefetch([["a"], ["b"], ["m", 1], ["m", 2], ["b"]]);
      assert.equal(reads.calls, 1);
      assert.deepEqual(
        reads.keys,
        [["b"], ["m", 1], ["m", 2]],
        "a key this body wrote is not read, nor one twice",
      );
      assert.equal(await tx.get(["a"]), "staged");
      assert.equal(await tx.get(["b"]), null);
      const [one, two, three] = await tx.getManyUnchecked<string>([["m", 1], ["m", 2], ["m", 3]]);
      assert.deepEqual([one.value, two.value, three.value], ["one", null, null]);
      assert.equal(reads.calls, 2, "only the key not prefetched was read again");
      tx.set(["done"], true);
    });
  });
});

/** A store whose point reads (`get`, `getMany`) are counted, with the keys they asked for. */
function countingReads(kv: Deno.Kv) {
  const reads = { calls: 0, keys: [] as Deno.KvKey[] };
  const proxy = new Proxy(kv, {
    get(target, p) {
      const v = Reflect.get(target, p, target);
      if (p === "getMany") {
        return (ks: Deno.KvKey[]) => (reads.calls++, reads.keys.push(...ks), target.getMany(ks));
      }
      if (p === "get") return (k: Deno.KvKey) => (reads.calls++, reads.keys.push(k), target.get(k));
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  return { kv: proxy, reads };
}
