import assert from "node:assert/strict";
import { encodeTime } from "ulid";
import { newId, type StoredFeedEntry, transact, type Tx } from "../lib/server/actor.ts";
import { keys } from "../lib/server/keys.ts";
import type { AgentEventName } from "../lib/shared/wire/events.ts";
import { feedCursor, FeedReader, parseFeedId, RESUME_WINDOW_MS, rewriteFeedEntry } from "./feed.ts";
import { withKv } from "../lib/testing/kv.ts";

/** The runtime stores any payload: these tests emit made-up events, outside the typed map. */
const emitAny = (tx: Tx, agentId: string, event: string, data: Record<string, unknown>) =>
  tx.emit(agentId, event as AgentEventName, data as never);

const emit = (kv: Deno.Kv, n: number, tag = "e") =>
  transact(kv, (tx) => {
    for (let i = 0; i < n; i++) emitAny(tx, "alice", "interaction.updated", { interactionId: `${tag}${i}` });
    return Promise.resolve();
  });

/**
 * What a commit of another process looks like when it landed late: its entry's commit id was
 * taken `agoMs` before it committed (a slow commit, another machine's clock).
 */
async function lateCommit(kv: Deno.Kv, agoMs: number, tag: string) {
  const commitId = encodeTime(Date.now() - agoMs, 10) + "0".repeat(16);
  await kv.atomic()
    .set(keys.feedEntry("alice", commitId, 0), {
      event: "interaction.updated",
      data: { interactionId: tag },
      at: Date.now(),
    })
    .sum(keys.feedHead("alice"), 1n)
    .commit();
}

const tags = (items: { data: Record<string, unknown> }[]) => items.map((i) => i.data.interactionId);

Deno.test("feed - a reader opened without a position starts at the head, then follows every commit in order", () => {
  return withKv(async (kv) => {
    await emit(kv, 2, "old");
    const reader = await FeedReader.open(kv, "alice");
    assert.deepEqual(await reader.next(), [], "nothing from before");
    await emit(kv, 2, "a");
    await emit(kv, 1, "b");
    const items = await reader.next();
    assert.deepEqual(tags(items), ["a0", "a1", "b0"]);
    assert.deepEqual(await reader.next(), [], "each entry once");
    const ids = items.map((i) => parseFeedId(i.id)!);
    assert.ok(ids.every((p) => p !== null), "ids parse");
  });
});

Deno.test("feed - an entry that lands after later ids were read is still given out, once, in commit order", () => {
  return withKv(async (kv) => {
    const reader = await FeedReader.open(kv, "alice");
    await emit(kv, 1, "a");
    assert.deepEqual(tags(await reader.next()), ["a0"]);
    // A commit whose id sorts before everything read so far lands now, then a normal one.
    await lateCommit(kv, 3_000, "late");
    await emit(kv, 1, "b");
    assert.deepEqual(tags(await reader.next()), ["late", "b0"]);
    // Much later still (beyond the near window): found by the count all the same.
    await lateCommit(kv, 5 * RESUME_WINDOW_MS, "very-late");
    assert.deepEqual(tags(await reader.next()), ["very-late"]);
    assert.deepEqual(await reader.next(), []);
  });
});

Deno.test("feed - resuming after an event id gives out exactly what followed it, late commits included", () => {
  return withKv(async (kv) => {
    const reader = await FeedReader.open(kv, "alice");
    await emit(kv, 3, "a");
    const first = await reader.next();
    // The client saw a0 only; a1 and a2 were in the same commit.
    const resumed = await FeedReader.open(kv, "alice", first[0].id);
    await lateCommit(kv, 2_000, "late");
    await emit(kv, 1, "b");
    assert.deepEqual(tags(await resumed.next()), ["a1", "a2", "late", "b0"]);
    assert.deepEqual(
      (await FeedReader.open(kv, "alice", first[2].id).then((r) => r.next())).map((i) => i.id),
      (await FeedReader.open(kv, "alice", first[2].id).then((r) => r.next())).map((i) => i.id),
      "ids are stable",
    );
  });
});

Deno.test("feed - the cursor of a rendered page resumes after everything committed before it", () => {
  return withKv(async (kv) => {
    await emit(kv, 2, "before");
    const cursor = await feedCursor(kv, "alice");
    await emit(kv, 1, "after");
    const reader = await FeedReader.open(kv, "alice", cursor);
    assert.deepEqual(tags(await reader.next()), ["after0"]);
    // An empty feed has a cursor too.
    const none = await FeedReader.open(kv, "bruno", await feedCursor(kv, "bruno"));
    assert.deepEqual(await none.next(), []);
  });
});

Deno.test("feed - two stores on one file (two processes) see each other's events, with no conflict", async () => {
  const dir = await Deno.makeTempDir();
  const a = await Deno.openKv(`${dir}/kv`);
  const b = await Deno.openKv(`${dir}/kv`);
  try {
    const reader = await FeedReader.open(a, "alice");
    await Promise.all([emit(a, 2, "a"), emit(b, 2, "b"), emit(a, 1, "c"), emit(b, 1, "d")]);
    const items = await reader.next();
    assert.deepEqual(new Set(tags(items)), new Set(["a0", "a1", "b0", "b1", "c0", "d0"]));
    // Each commit's events adjacent and in index order.
    const pos = (t: string) => tags(items).indexOf(t);
    assert.equal(pos("a1"), pos("a0") + 1);
    assert.equal(pos("b1"), pos("b0") + 1);
  } finally {
    a.close();
    b.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("feed - ids that are not feed ids (old numbers, garbage) are no position", () => {
  for (const id of ["12", "", "x.y.z", `${"0".repeat(20)}.1.${newId().toLowerCase()}`]) {
    assert.equal(parseFeedId(id), null, id);
  }
  assert.notEqual(parseFeedId(`${"0".repeat(20)}.1.${newId()}`), null);
});

Deno.test("feed - an entry rewritten in place (anonymised) keeps its place: never missed, never given twice", () => {
  return withKv(async (kv) => {
    const reader = await FeedReader.open(kv, "alice");
    await emit(kv, 2, "a");
    assert.deepEqual(tags(await reader.next()), ["a0", "a1"]);
    const rewriteAll = async () => {
      for await (const e of kv.list<StoredFeedEntry>({ prefix: keys.feed("alice") })) {
        assert.ok(await rewriteFeedEntry(kv, e, { ...e.value.data, scrubbed: true }));
      }
    };
    // The anonymisation's own event, then the scrub of every copy (that event's included) before
    // the stream's next round: the rewrite must not make the new event look "not landed yet".
    await emit(kv, 1, "b");
    await rewriteAll();
    const items = await reader.next();
    assert.deepEqual(tags(items), ["b0"], "the new event once, the rewritten old ones not again");
    assert.equal(items[0].data.scrubbed, true, "with the rewritten data");
    assert.deepEqual(await reader.next(), []);
    // A stream resuming from before the rewrite gets the later events once, in their first order.
    const resumed = await FeedReader.open(kv, "alice", items[0].id);
    await emit(kv, 1, "c");
    await rewriteAll();
    assert.deepEqual(tags(await resumed.next()), ["c0"]);
    assert.deepEqual(tags(await reader.next()), ["c0"]);
  });
});

/** Counts the store's list calls (a reader's listing of the feed). */
function countLists(kv: Deno.Kv): { lists: number } {
  const counter = { lists: 0 };
  const list = kv.list.bind(kv);
  kv.list = ((selector: Deno.KvListSelector, options?: Deno.KvListOptions) => {
    counter.lists++;
    return list(selector, options);
  }) as typeof kv.list;
  return counter;
}

Deno.test("feed - a live reader takes this process's commits from memory: same items as KV, no listing", () => {
  return withKv(async (kv) => {
    const live = await FeedReader.open(kv, "alice");
    const fromKv = await FeedReader.open(kv, "alice");
    const woken: string[] = [];
    const stop = live.live((versionstamp) => woken.push(versionstamp));
    const counter = countLists(kv);
    await emit(kv, 2, "a");
    await emit(kv, 1, "b");
    const items = await live.next();
    assert.equal(counter.lists, 0, "nothing listed");
    assert.deepEqual(tags(items), ["a0", "a1", "b0"]);
    assert.deepEqual(items, await fromKv.next(), "the same ids, events and data as read from KV");
    const head = await kv.get(keys.feedHead("alice"));
    assert.equal(woken.length, 2, "woken once per commit");
    assert.equal(woken[1], head.versionstamp, "with the head's versionstamp");
    assert.deepEqual(await live.next(), []);
    stop();
    await emit(kv, 1, "c");
    assert.deepEqual(tags(await live.next()), ["c0"], "stopped: read from KV");
    assert.equal(woken.length, 2, "and no longer woken");
    assert.ok(counter.lists > 0);
  });
});

Deno.test("feed - a live reader reads KV when another process committed in between: in order, once", async () => {
  const dir = await Deno.makeTempDir();
  const a = await Deno.openKv(`${dir}/kv`);
  const b = await Deno.openKv(`${dir}/kv`);
  try {
    const reader = await FeedReader.open(a, "alice");
    const stop = reader.live(() => {});
    const counter = countLists(a);
    await emit(a, 1, "a");
    await emit(b, 2, "b");
    await emit(a, 1, "c");
    assert.deepEqual(tags(await reader.next()), ["a0", "b0", "b1", "c0"]);
    assert.ok(counter.lists > 0, "the other process's entries came from KV");
    const listed = counter.lists;
    await emit(a, 1, "d");
    assert.deepEqual(tags(await reader.next()), ["d0"]);
    assert.equal(counter.lists, listed, "this process's alone: from memory again");
    // Another process's commit alone, then ours: never one twice, none missed.
    await emit(b, 1, "e");
    await emit(a, 1, "f");
    assert.deepEqual(tags(await reader.next()), ["e0", "f0"]);
    assert.deepEqual(await reader.next(), []);
    stop();
  } finally {
    a.close();
    b.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("feed - a live reader that fell far behind drops what it holds and reads KV", () => {
  return withKv(async (kv) => {
    const reader = await FeedReader.open(kv, "alice");
    const stop = reader.live(() => {});
    const counter = countLists(kv);
    for (let i = 0; i < 11; i++) await emit(kv, 100, `r${i}-`);
    const items = await reader.next();
    assert.equal(items.length, 1_100);
    assert.equal(tags(items)[0], "r0-0");
    assert.equal(tags(items).at(-1), "r10-99");
    assert.ok(counter.lists > 0, "more than it may hold: read from KV");
    stop();
  });
});

Deno.test("feed - the heads of streams woken together are read together, ten a read", () => {
  return withKv(async (kv) => {
    const agents = Array.from({ length: 12 }, (_, i) => `agent-${i}`);
    const readers = await Promise.all(agents.map((a) => FeedReader.open(kv, a)));
    await transact(kv, (tx) => {
      for (const a of agents) emitAny(tx, a, "interaction.updated", { interactionId: a });
      return Promise.resolve();
    });
    const getMany = kv.getMany.bind(kv);
    const reads: number[] = [];
    kv.getMany = ((ks: Deno.KvKey[], o?: { consistency?: Deno.KvConsistencyLevel }) => {
      reads.push(ks.length);
      return getMany(ks, o);
    }) as typeof kv.getMany;
    const items = await Promise.all(readers.map((r) => r.next()));
    assert.deepEqual(items.map(tags), agents.map((a) => [a]), "each its own");
    assert.deepEqual(reads, [10, 2]);
  });
});
