/**
 * The reply assistant's similar-questions index (SPEC K4), one per desk process. It lives in
 * memory: rebuilt from the stored pairs when the desk starts, then kept current by the commits
 * of this process (replies, anonymisations) at once, and by those of any other process sharing
 * the store through the pair log (`log.ts`), polled by `followPairLog`.
 */
import { keys } from "../../lib/server/keys.ts";
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

export class PairIndex {
  readonly index = new TextIndex();
  readonly pairs = new Map<string, QaPair>();
  #removed = 0;

  get size(): number {
    return this.pairs.size;
  }

  /** Adds or replaces a pair (the question counts double). */
  put(p: QaPair): void {
    this.pairs.set(p.id, p);
    this.index.add({
      id: p.id,
      language: p.language,
      categories: p.categories,
      fields: [{ text: questionText(p), weight: 2 }, { text: p.answer, weight: 1 }],
    });
  }

  remove(id: string): void {
    if (!this.pairs.delete(id)) return;
    this.index.remove(id);
    if (++this.#removed >= COMPACT_AFTER) {
      this.#removed = 0;
      this.index.compact();
    }
  }

  search(
    query: string,
    o: { language?: string | null; categories?: readonly string[]; limit?: number },
  ): SimilarHit[] {
    return this.index.search(query, o).flatMap((h) => {
      const p = this.pairs.get(h.id);
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

/** Rebuilds the desk's index from every stored pair; returns the count and the time taken. */
export async function loadPairIndex(desk: Desk): Promise<{ pairs: number; ms: number }> {
  const started = performance.now();
  // Changes committed while the pairs are read are in the log: the tail starts before them.
  tails.set(desk, new PairLogTail(desk, () => pairIndexOf(desk), Date.now()));
  const ix = new PairIndex();
  for await (const e of desk.kv.list<QaPair>({ prefix: keys.assistantPairs() }, { batchSize: 1000 })) {
    ix.put(e.value);
  }
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
