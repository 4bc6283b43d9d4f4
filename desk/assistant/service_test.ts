/**
 * The similar-questions index is bounded: past its limit the oldest pairs leave it (searches no
 * longer find them), a pair put again counts as new, and a rebuild keeps the latest by time.
 */
import assert from "node:assert/strict";
import { latestPairs, PairIndex } from "./service.ts";
import type { QaPair } from "./pairs.ts";
import { keys } from "../../lib/server/keys.ts";

const pair = (n: number, text = `question number${n} about parcel`): QaPair => ({
  id: `a${n}`,
  threadId: `t${n}`,
  questions: [{ id: `q${n}`, text }],
  answer: `answer ${n}`,
  language: "en",
  categories: [],
  agentId: null,
  at: new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString(),
});

/** A store holding every pair the tests put (the index reads its hits from KV). */
const kv = await Deno.openKv(":memory:");
const put = async (ix: PairIndex, p: QaPair) => {
  await kv.set(keys.assistantPair(p.threadId, p.id), p);
  ix.put(p);
};

const found = async (ix: PairIndex, n: number) =>
  (await ix.search(kv, `number${n}`, { limit: 5 })).some((h) => h.id === `a${n}`);

Deno.test("assistant index - holds at most maxPairs, dropping the oldest", async () => {
  const ix = new PairIndex(3);
  for (let n = 1; n <= 5; n++) await put(ix, pair(n));
  assert.equal(ix.size, 3);
  assert.deepEqual([...ix.pairs.keys()], ["a3", "a4", "a5"]);
  assert.equal(await found(ix, 1), false);
  assert.equal(await found(ix, 2), false);
  assert.equal(await found(ix, 5), true);
  // Put again (an edit, an anonymisation): it becomes the newest, and a3 is the one to go next.
  await put(ix, pair(3, "question number3 edited"));
  await put(ix, pair(6));
  assert.deepEqual([...ix.pairs.keys()], ["a5", "a3", "a6"]);
  assert.equal(await found(ix, 4), false);
  assert.equal(await found(ix, 3), true);
});

Deno.test("assistant index - many evictions keep searches right across compactions", async () => {
  const ix = new PairIndex(100);
  for (let n = 1; n <= 12_000; n++) await put(ix, pair(n));
  assert.equal(ix.size, 100);
  assert.equal(await found(ix, 11_900), false);
  assert.equal(await found(ix, 11_901), true);
  assert.equal(await found(ix, 12_000), true);
});

Deno.test("assistant index - a rebuild past the limit keeps the latest pairs by time", () => {
  // Stored by thread id: not in time order.
  const stored = [pair(5), pair(1), pair(4), pair(2), pair(3)];
  assert.deepEqual(latestPairs(stored, 10).map((p) => p.id), ["a5", "a1", "a4", "a2", "a3"]);
  assert.deepEqual(latestPairs(stored, 3).map((p) => p.id), ["a3", "a4", "a5"]);
});

Deno.test("assistant index - hits are read from KV as they are now: rewritten there, shown so; gone, left out", async () => {
  const ix = new PairIndex(10);
  await put(ix, pair(7));
  await put(ix, pair(8));
  // Another process anonymised pair 7 and removed pair 8; its log has not reached this index.
  await kv.set(keys.assistantPair("t7", "a7"), { ...pair(7), answer: "[removed]" });
  await kv.delete(keys.assistantPair("t8", "a8"));
  const [hit] = await ix.search(kv, "number7", { limit: 5 });
  assert.equal(hit.id, "a7");
  assert.equal(hit.answer, "[removed]");
  assert.deepEqual(await ix.search(kv, "number8", { limit: 5 }), []);
  // More hits than one KV read takes (ten keys): all of them, in the index's order.
  const big = new PairIndex(100);
  for (let n = 20; n < 45; n++) await put(big, pair(n, `question about parcel ${"parcel ".repeat(n % 3)}`));
  const many = await big.search(kv, "parcel", { limit: 25 });
  assert.equal(many.length, 25);
  assert.deepEqual(many.map((h) => h.id), big.index.search("parcel", { limit: 25 }).map((h) => h.id));
  assert.ok(many.every((h) => h.question.startsWith("question about parcel")));
});
