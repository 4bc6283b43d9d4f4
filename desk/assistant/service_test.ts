/**
 * The similar-questions index is bounded: past its limit the oldest pairs leave it (searches no
 * longer find them), a pair put again counts as new, and a rebuild keeps the latest by time.
 */
import assert from "node:assert/strict";
import { latestPairs, PairIndex } from "./service.ts";
import type { QaPair } from "./pairs.ts";

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

const found = (ix: PairIndex, n: number) =>
  ix.search(`number${n}`, { limit: 5 }).some((h) => h.id === `a${n}`);

Deno.test("assistant index - holds at most maxPairs, dropping the oldest", () => {
  const ix = new PairIndex(3);
  for (let n = 1; n <= 5; n++) ix.put(pair(n));
  assert.equal(ix.size, 3);
  assert.deepEqual([...ix.pairs.keys()], ["a3", "a4", "a5"]);
  assert.equal(found(ix, 1), false);
  assert.equal(found(ix, 2), false);
  assert.equal(found(ix, 5), true);
  // Put again (an edit, an anonymisation): it becomes the newest, and a3 is the one to go next.
  ix.put(pair(3, "question number3 edited"));
  ix.put(pair(6));
  assert.deepEqual([...ix.pairs.keys()], ["a5", "a3", "a6"]);
  assert.equal(found(ix, 4), false);
  assert.equal(found(ix, 3), true);
});

Deno.test("assistant index - many evictions keep searches right across compactions", () => {
  const ix = new PairIndex(100);
  for (let n = 1; n <= 12_000; n++) ix.put(pair(n));
  assert.equal(ix.size, 100);
  assert.equal(found(ix, 11_900), false);
  assert.equal(found(ix, 11_901), true);
  assert.equal(found(ix, 12_000), true);
});

Deno.test("assistant index - a rebuild past the limit keeps the latest pairs by time", () => {
  // Stored by thread id: not in time order.
  const stored = [pair(5), pair(1), pair(4), pair(2), pair(3)];
  assert.deepEqual(latestPairs(stored, 10).map((p) => p.id), ["a5", "a1", "a4", "a2", "a3"]);
  assert.deepEqual(latestPairs(stored, 3).map((p) => p.id), ["a3", "a4", "a5"]);
});
