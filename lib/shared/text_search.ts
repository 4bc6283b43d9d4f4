/**
 * A ranked full-text index (BM25) over typed arrays, language-aware: French and English words
 * are reduced by Orama's Snowball stemmers (`@orama/stemmers`), stop words are dropped, and
 * accents are folded after stemming so "facture" finds "factures" and "facturé".
 *
 * Why not Orama's or MiniSearch's own index: measured here over 100,000 question/answer pairs
 * with a realistic (Zipf) vocabulary, both spent 60–700 ms at p99 on queries holding a common
 * word and 6–14 s to build. Postings in typed arrays, a reused score accumulator and a bounded
 * prefix expansion keep a query to a few milliseconds and a build to about a second.
 *
 * Pure and in-memory: the caller feeds it documents and keeps it current.
 */
import { stemmer as englishStemmer } from "@orama/stemmers/english";
import { stemmer as frenchStemmer } from "@orama/stemmers/french";

export type IndexedField = { text: string; weight: number };
export type IndexedDoc = {
  id: string;
  language: string | null;
  categories: readonly string[];
  fields: IndexedField[];
};
export type SearchOptions = {
  /** Documents in this language first; other languages only when nothing else matches. */
  language?: string | null;
  /** Documents sharing one of these categories rank in a first tier. */
  categories?: readonly string[];
  limit?: number;
  /** Treat the last word as a prefix (search as you type). Default: when the query does not end with a space. */
  prefix?: boolean;
};
export type SearchHit = { id: string; score: number; tier: number };

const STOP: Record<string, ReadonlySet<string>> = {
  en: new Set(
    ("a an and are as at be but by for from has have he her his i if in into is it its me my no not of on or our " +
      "so that the their them then there these they this to was we were what when which who will with you your " +
      "can do does did am been had hi hello please thanks thank").split(" "),
  ),
  fr: new Set(
    ("a au aux avec ce ces c ça cette d dans de des du elle en est et eu il ils j je l la le les leur lui m ma " +
      "mais me mes moi mon n ne nos notre nous on ou par pas pour qu que qui s sa se ses son sur t ta te tes " +
      "toi ton tu un une vos votre vous y été être avoir ai as avez ont suis es sont bonjour merci svp")
      .split(" "),
  ),
};

const STEMMERS: Record<string, (w: string) => string> = { en: englishStemmer, fr: frenchStemmer };
/** Per language: word → term ("" for a stop word). Bounded; words repeat a lot in practice. */
const termCache = new Map<string, Map<string, string>>();

const fold = (s: string) => s.normalize("NFD").replace(/\p{M}+/gu, "");

/** Lower-cased words of `text` (letters and digits; apostrophes split "l'adresse"). */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

function cacheOf(lang: string): Map<string, string> {
  let cache = termCache.get(lang);
  if (!cache) termCache.set(lang, cache = new Map());
  return cache;
}

function term(cache: Map<string, string>, lang: string, word: string): string {
  let t = cache.get(word);
  if (t === undefined) {
    if (cache.size > 300_000) cache.clear();
    const stem = STEMMERS[lang];
    t = STOP[lang]?.has(word) ? "" : fold(stem ? stem(word) : word);
    cache.set(word, t);
  }
  return t;
}

/** The index term of a word in a language: stemmed (en, fr), accent-folded; null for a stop word. */
export function termOf(word: string, language: string | null): string | null {
  const lang = language?.slice(0, 2) ?? "";
  return term(cacheOf(lang), lang, word) || null;
}

/** Index terms of `text` in `language` (stop words dropped). */
export function termsOf(text: string, language: string | null): string[] {
  const lang = language?.slice(0, 2) ?? "";
  const cache = cacheOf(lang);
  const out: string[] = [];
  for (const w of words(text)) {
    const t = term(cache, lang, w);
    if (t) out.push(t);
  }
  return out;
}

const K1 = 1.2;
const B = 0.75;
const MAX_QUERY_WORDS = 16;
const MAX_PREFIX_TERMS = 24;
const PREFIX_SCAN = 4_000;
const PREFIX_WEIGHT = 0.7;

/**
 * One term's documents and their term frequencies, in two plain arrays created with the first
 * entry. Most terms of a real corpus (order numbers, names, typos) occur in one document, and
 * for those the array headers are the whole cost: two typed arrays took ~560 bytes a term,
 * two arrays grown from empty by `push` ~490 (V8 reserves 17 slots at the first push), two
 * made with their first element ~200 (`scripts/dev/index_memory.ts`). Their elements are small
 * integers (weights are whole numbers), stored unboxed, and read as fast as a typed array's.
 */
class Postings {
  docs: number[];
  tf: number[];
  constructor(doc: number, tf: number) {
    this.docs = [doc];
    this.tf = [tf];
  }
  get size(): number {
    return this.docs.length;
  }
  push(doc: number, tf: number): void {
    this.docs.push(doc);
    this.tf.push(tf);
  }
  /** Keeps the first `n` entries. */
  truncate(n: number): void {
    this.docs.length = n;
    this.tf.length = n;
  }
}

/**
 * The index. Documents are added (or replaced by id) and removed; removed documents stay in
 * the postings as tombstones until `compact()` (run it after many removals).
 */
export class TextIndex {
  #terms = new Map<string, Postings>();
  /** Scratch term frequencies of the document being added. */
  #tf = new Map<string, number>();
  /** Terms in sorted order for prefix lookups, plus the terms added since the last sort. */
  #sorted: string[] = [];
  #recent: string[] = [];
  #ids: string[] = [];
  #byId = new Map<string, number>();
  #len = new Float32Array(1024);
  #alive = new Uint8Array(1024);
  /** Language code per document: 0 = none, else `#langCodes` (at most 255 languages). */
  #docLang = new Uint8Array(1024);
  #langCodes = new Map<string, number>();
  #cats: (readonly string[])[] = [];
  #live = 0;
  #totalLen = 0;
  #score = new Float32Array(1024);
  #mask = new Uint32Array(1024);
  #touched = new Uint32Array(1024);

  get size(): number {
    return this.#live;
  }

  has(id: string): boolean {
    return this.#byId.has(id);
  }

  /** Adds a document, replacing any document with the same id. */
  add(doc: IndexedDoc): void {
    this.remove(doc.id);
    const n = this.#ids.length;
    this.#grow(n + 1);
    const tf = this.#tf;
    tf.clear();
    let len = 0;
    for (const f of doc.fields) {
      for (const t of termsOf(f.text, doc.language)) {
        tf.set(t, (tf.get(t) ?? 0) + f.weight);
        len += f.weight;
      }
    }
    for (const [t, n0] of tf) {
      const p = this.#terms.get(t);
      if (p) p.push(n, n0);
      else {
        this.#terms.set(t, new Postings(n, n0));
        this.#recent.push(t);
      }
    }
    this.#ids.push(doc.id);
    this.#byId.set(doc.id, n);
    this.#len[n] = len;
    this.#alive[n] = 1;
    this.#docLang[n] = this.#codeOf(doc.language);
    this.#cats.push(doc.categories);
    this.#live++;
    this.#totalLen += len;
  }

  remove(id: string): boolean {
    const n = this.#byId.get(id);
    if (n === undefined) return false;
    this.#byId.delete(id);
    this.#alive[n] = 0;
    this.#live--;
    this.#totalLen -= this.#len[n];
    return true;
  }

  /** Drops removed documents from the postings (renumbers documents). */
  compact(): void {
    const keep = new Int32Array(this.#ids.length).fill(-1);
    let next = 0;
    for (let i = 0; i < this.#ids.length; i++) if (this.#alive[i]) keep[i] = next++;
    for (const [t, p] of this.#terms) {
      let w = 0;
      for (let i = 0; i < p.size; i++) {
        const to = keep[p.docs[i]];
        if (to >= 0) {
          p.docs[w] = to;
          p.tf[w++] = p.tf[i];
        }
      }
      p.truncate(w);
      if (w === 0) this.#terms.delete(t);
    }
    const ids: string[] = [], cats: (readonly string[])[] = [];
    const len = new Float32Array(Math.max(1024, next));
    const docLang = new Uint8Array(len.length);
    for (let i = 0; i < this.#ids.length; i++) {
      const to = keep[i];
      if (to < 0) continue;
      ids.push(this.#ids[i]);
      docLang[to] = this.#docLang[i];
      cats.push(this.#cats[i]);
      len[to] = this.#len[i];
    }
    this.#ids = ids;
    this.#docLang = docLang;
    this.#cats = cats;
    this.#len = len;
    this.#alive = new Uint8Array(len.length).fill(1, 0, next);
    this.#byId = new Map(ids.map((id, i) => [id, i]));
    this.#sorted = [...this.#terms.keys()].sort();
    this.#recent = [];
    this.#score = new Float32Array(len.length);
    this.#mask = new Uint32Array(len.length);
    this.#touched = new Uint32Array(len.length);
  }

  #codeOf(language: string | null): number {
    if (!language) return 0;
    let c = this.#langCodes.get(language);
    if (c === undefined) {
      c = Math.min(255, this.#langCodes.size + 1);
      this.#langCodes.set(language, c);
    }
    return c;
  }

  #grow(n: number): void {
    if (n <= this.#len.length) return;
    const cap = Math.max(n, this.#len.length * 2);
    const grow = <T extends Float32Array | Uint8Array | Uint32Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap);
      b.set(a);
      return b;
    };
    this.#len = grow(this.#len, (c) => new Float32Array(c));
    this.#alive = grow(this.#alive, (c) => new Uint8Array(c));
    this.#docLang = grow(this.#docLang, (c) => new Uint8Array(c));
    this.#score = new Float32Array(cap);
    this.#mask = new Uint32Array(cap);
    this.#touched = new Uint32Array(cap);
  }

  /** Terms starting with `prefix`, the most frequent first (at most `MAX_PREFIX_TERMS`). */
  #prefixTerms(prefix: string): string[] {
    if (this.#recent.length > 2_000) {
      this.#sorted = [...this.#terms.keys()].sort();
      this.#recent = [];
    }
    const found: string[] = [];
    const s = this.#sorted;
    let lo = 0, hi = s.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (s[mid] < prefix) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < s.length && found.length < PREFIX_SCAN && s[i].startsWith(prefix); i++) {
      found.push(s[i]);
    }
    for (const t of this.#recent) if (t.startsWith(prefix) && found.length < PREFIX_SCAN) found.push(t);
    // Short prefixes are ambiguous and expensive: fewer expansions, the most frequent terms.
    const max = prefix.length <= 2 ? 4 : prefix.length === 3 ? 10 : MAX_PREFIX_TERMS;
    const df = (t: string) => this.#terms.get(t)?.size ?? 0;
    return found.length <= max ? found : found.sort((a, b) => df(b) - df(a)).slice(0, max);
  }

  /**
   * Ranks documents for `query` by BM25, scaled by the share of query words each matches.
   * Hits come in tiers: 0 = same language and a shared category, 1 = same language, 2 = other
   * languages (only when tiers 0–1 are empty); within a tier, by score.
   */
  search(query: string, o: SearchOptions = {}): SearchHit[] {
    const limit = Math.max(1, Math.min(o.limit ?? 10, 100));
    const ws = words(query).slice(0, MAX_QUERY_WORDS);
    if (!ws.length || this.#live === 0) return [];
    const prefixLast = o.prefix ?? !/\s$/.test(query);
    const langs = o.language ? [o.language] : ["en", "fr"];
    // One slot per query word: its exact terms (weight 1) and, for the last word, prefix terms.
    const slots: Map<string, number>[] = [];
    ws.forEach((w, i) => {
      const terms = new Map<string, number>();
      for (const l of langs) {
        const t = termOf(w, l);
        if (t) terms.set(t, 1);
      }
      if (i === ws.length - 1 && prefixLast && w.length >= 2) {
        for (const t of this.#prefixTerms(fold(w))) if (!terms.has(t)) terms.set(t, PREFIX_WEIGHT);
      }
      if (terms.size) slots.push(terms);
    });
    if (!slots.length) return [];
    const want = o.language ? this.#langCodes.get(o.language) ?? -2 : -1;
    // Documents in the thread's language (or none) first; other languages only when none match.
    const same = this.#run(slots, want, o.categories ?? [], limit);
    return same.length || want === -1
      ? same
      : this.#run(slots, -1, [], limit).map((h) => ({ ...h, tier: 2 }));
  }

  /**
   * Scores the documents matching any slot (only those of language code `lang`, or without a
   * language, unless `lang` is -1) and keeps the best `limit` of tiers 0 (shared category)
   * and 1, tier 0 first.
   */
  #run(
    slots: Map<string, number>[],
    lang: number,
    categories: readonly string[],
    limit: number,
  ): SearchHit[] {
    const N = this.#live;
    const avg = this.#totalLen / N || 1;
    const score = this.#score,
      mask = this.#mask,
      touched = this.#touched,
      len = this.#len,
      alive = this.#alive;
    const docLang = this.#docLang;
    let nTouched = 0;
    slots.forEach((terms, slot) => {
      const bit = 1 << slot;
      for (const [t, weight] of terms) {
        const p = this.#terms.get(t);
        if (!p) continue;
        const idf = Math.log(1 + (N - p.size + 0.5) / (p.size + 0.5)) * weight;
        const docs = p.docs, tfs = p.tf;
        for (let i = 0; i < p.size; i++) {
          const d = docs[i];
          if (!alive[d] || (lang !== -1 && docLang[d] !== 0 && docLang[d] !== lang)) continue;
          const tf = tfs[i];
          if (mask[d] === 0) touched[nTouched++] = d;
          mask[d] |= bit;
          score[d] += idf * (tf * (K1 + 1)) / (tf + K1 * (1 - B + B * len[d] / avg));
        }
      }
    });
    const cats = new Set(categories);
    const tiers: SearchHit[][] = [[], []];
    const n = slots.length;
    for (let i = 0; i < nTouched; i++) {
      const d = touched[i];
      let bits = mask[d], matched = 0;
      while (bits) {
        bits &= bits - 1;
        matched++;
      }
      const s = score[d] * (matched / n) * (matched / n);
      score[d] = 0;
      mask[d] = 0;
      // Cheap rejection before the category check: worse than the worst kept of both tiers.
      const t0 = tiers[0], t1 = tiers[1];
      if (t0.length >= limit && t1.length >= limit && s <= t0[limit - 1].score && s <= t1[limit - 1].score) {
        continue;
      }
      const tier = cats.size && this.#cats[d].some((c) => cats.has(c)) ? 0 : 1;
      const list = tiers[tier];
      if (list.length >= limit && s <= list[limit - 1].score) continue;
      // Kept sorted, best first (lists are short).
      let at = list.length;
      while (at > 0 && list[at - 1].score < s) at--;
      list.splice(at, 0, { id: this.#ids[d], score: s, tier });
      if (list.length > limit) list.length = limit;
    }
    return [...tiers[0], ...tiers[1]].slice(0, limit);
  }
}
