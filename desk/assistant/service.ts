/**
 * The reply assistant's similar-questions index (SPEC K4), one per desk process. It lives in
 * memory: rebuilt from the stored pairs when the desk starts, then kept current by the commits
 * of this process (replies, anonymisations) at once, and by those of any other process sharing
 * the store through the pair log (`log.ts`), polled by `followPairLog`.
 */
import { keys } from "../../lib/server/keys.ts";
import { getManyInChunks } from "../../lib/server/get_many.ts";
import { TextIndex } from "../../lib/shared/text_search.ts";
import type { Desk } from "../desk.ts";
import { PairLogTail } from "./log.ts";
import { type QaPair, questionText } from "./pairs.ts";

export type SimilarHit = {
  id: string;
  threadId: string;
  question: string;
  answer: string;
  language: string | null;
  categories: string[];
  at: string;
  score: number;
};

/** Removals after which the index drops its tombstones. */
const COMPACT_AFTER = 5_000;

/**
 * The most pairs the index holds: the latest ones. Each takes about 0.65 KiB of heap (its terms'
 * postings and its ids; a word unique to it, such as an order number, costs most: measured by
 * `scripts/dev/index_memory.ts`, 1.3 KiB before the pairs' text moved out), so this bounds the
 * index near 65 MiB where it would otherwise grow with every answer for as long as the process
 * runs. 100,000 is the size the bench measures search at; older pairs stay in KV.
 */
export const MAX_PAIRS = 100_000;

export class PairIndex {
  readonly index = new TextIndex();
  /**
   * Pair id → its thread id, in the order they were put (a pair put again moves to the end):
   * the first is the oldest. The pairs themselves stay in KV and are read for the hits only,
   * which took ~0.4 KiB a pair (the question, the answer and their ids).
   */
  readonly pairs = new Map<string, string>();
  #removed = 0;

  constructor(readonly maxPairs = MAX_PAIRS) {}

  get size(): number {
    return this.pairs.size;
  }

  /** Adds or replaces a pair (the question counts double); past `maxPairs` the oldest goes. */
  put(p: QaPair): void {
    this.pairs.delete(p.id);
    this.pairs.set(p.id, p.threadId);
    this.index.add({
      id: p.id,
      language: p.language,
      categories: p.categories,
      fields: [{ text: questionText(p), weight: 2 }, { text: p.answer, weight: 1 }],
    });
    while (this.pairs.size > this.maxPairs) this.remove(this.pairs.keys().next().value!);
  }

  remove(id: string): void {
    if (!this.pairs.delete(id)) return;
    this.index.remove(id);
    if (++this.#removed >= COMPACT_AFTER) {
      this.#removed = 0;
      this.index.compact();
    }
  }

  /**
   * The best pairs for `query`, read from KV as they are now (a pair another process has just
   * rewritten or removed shows its current text, or is left out, before the log reaches here).
   */
  async search(
    kv: Deno.Kv,
    query: string,
    o: { language?: string | null; categories?: readonly string[]; limit?: number },
  ): Promise<SimilarHit[]> {
    const hits = this.index.search(query, o).filter((h) => this.pairs.has(h.id));
    const stored = (await getManyInChunks<QaPair>(
      kv,
      hits.map((h) => keys.assistantPair(this.pairs.get(h.id)!, h.id)),
    )).map((e) => e.value);
    return hits.flatMap((h, i) => {
      const p = stored[i];
      if (!p) return [];
      return [{
        id: p.id,
        threadId: p.threadId,
        question: questionText(p),
        answer: p.answer,
        language: p.language,
        categories: p.categories,
        at: p.at,
        score: Math.round(h.score * 1000) / 1000,
      }];
    });
  }
}

const indexes = new WeakMap<Desk, PairIndex>();

/** The desk's similar-questions index (empty until `loadPairIndex` ran). */
export function pairIndexOf(desk: Desk): PairIndex {
  let ix = indexes.get(desk);
  if (!ix) indexes.set(desk, ix = new PairIndex());
  return ix;
}

const tails = new WeakMap<Desk, PairLogTail>();

/**
 * The pairs a rebuild puts, oldest first: all of them, or past `max` the latest `max` by time
 * (they are stored by thread, not by time).
 */
export function latestPairs(stored: QaPair[], max: number): QaPair[] {
  if (stored.length <= max) return stored;
  return stored.toSorted((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0)).slice(-max);
}

/** Rebuilds the desk's index from every stored pair; returns the count and the time taken. */
export async function loadPairIndex(desk: Desk): Promise<{ pairs: number; ms: number }> {
  const started = performance.now();
  // Changes committed while the pairs are read are in the log: the tail starts before them.
  tails.set(desk, new PairLogTail(desk, () => pairIndexOf(desk), Date.now()));
  const ix = new PairIndex();
  const stored: QaPair[] = [];
  for await (const e of desk.kv.list<QaPair>({ prefix: keys.assistantPairs() }, { batchSize: 1000 })) {
    stored.push(e.value);
  }
  for (const p of latestPairs(stored, ix.maxPairs)) ix.put(p);
  indexes.set(desk, ix);
  return { pairs: ix.size, ms: Math.round(performance.now() - started) };
}

/**
 * Applies the pair changes other processes logged since the last call (run periodically by the
 * runtime; a missing tail means `loadPairIndex` has not run yet).
 */
export async function followPairLog(desk: Desk): Promise<number> {
  return (await tails.get(desk)?.poll()) ?? 0;
}
