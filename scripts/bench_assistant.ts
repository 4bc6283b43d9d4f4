/**
 * The reply-assistant benchmark (issue 6): `deno run -A scripts/bench_assistant.ts [--pairs 100000]
 * [--queries 2000] [--kv <new file>]`.
 *
 * Writes N question/answer pairs (French and English, Zipf-distributed vocabulary, stop words
 * and all) into a Deno KV file the way replies store them, then measures the start-up rebuild
 * of the similar-questions index from KV (`loadPairIndex`, what `startDesk` runs) and the
 * latency of searches as an agent types them (1–3 words, the last one a prefix, in the
 * thread's language and categories). Prints a table and one `BENCH_JSON {...}` line. Exits 0
 * even when a target is missed: it is a measurement.
 */
import { parseArgs } from "node:util";
import { parseConfig } from "../lib/config.ts";
import { keys } from "../lib/keys.ts";
import { Desk } from "../desk/desk.ts";
import type { QaPair } from "../desk/assistant/pairs.ts";
import { loadPairIndex, pairIndexOf } from "../desk/assistant/service.ts";
import { loadAverage, percentile, round } from "./bench/stats.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    pairs: { type: "string", default: "100000" },
    queries: { type: "string", default: "2000" },
    kv: { type: "string" },
  },
});
const N = Math.max(1, Math.min(1_000_000, Number(values.pairs)));
const QUERIES = Math.max(10, Math.min(100_000, Number(values.queries)));

// A deterministic generator: the same corpus every run.
let seed = 20261123;
const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
const pick = <T>(list: readonly T[]) => list[Math.floor(rnd() * list.length)];
/** Zipf-like: the first words of a list are by far the most frequent. */
const zipf = <T>(list: readonly T[]) => list[Math.floor(Math.pow(rnd(), 2.2) * list.length)];

const EN = (
  "the a to and my is i you for of it in have not on with your this was we be please can order invoice payment " +
  "refund delivery package parcel account password login subscription cancel card address shipping price discount " +
  "return product broken missing late help problem error update change billing charge receipt tracking number email " +
  "phone store voucher warranty size color exchange damaged wrong twice week yesterday today still received sent " +
  "waiting answer question customer service contract plan upgrade downgrade renewal fee credit debit bank transfer"
).split(" ");
const FR = (
  "le la les de des un une et je vous mon ma mes est pas pour sur avec ce cette il elle nous commande facture " +
  "paiement remboursement livraison colis compte mot passe connexion abonnement annuler carte adresse expédition " +
  "prix remise retour produit cassé manquant retard aide problème erreur modifier changer facturation prélèvement " +
  "reçu suivi numéro courriel téléphone magasin bon garantie taille couleur échange endommagé mauvais deux fois " +
  "semaine hier aujourd'hui toujours reçu envoyé attente réponse question client service contrat forfait frais"
).split(" ");
// Rarer words: product names, references, typos — the long tail of a real corpus.
const TAIL = Array.from({ length: 20_000 }, () => {
  let w = "";
  const n = 4 + Math.floor(rnd() * 7);
  for (let j = 0; j < n; j++) w += "abcdefghijklmnopqrstuvwxyzéè"[Math.floor(rnd() * 28)];
  return w;
});
const sentence = (lang: "en" | "fr", words: number) =>
  Array.from({ length: words }, () => (rnd() < 0.75 ? zipf(lang === "en" ? EN : FR) : zipf(TAIL))).join(" ");
const CATEGORIES = ["billing", "tech", "delivery", "account"];

const config = parseConfig({
  teams: [{ id: "t", name: "T" }],
  roles: { agent: ["reply"] },
  categories: CATEGORIES.map((id) => ({ id, name: id })),
});

const path = values.kv ?? `${await Deno.makeTempDir({ prefix: "bench-assistant-" })}/kv.sqlite`;
const kv = await Deno.openKv(path);
try {
  // 1. The stored pairs, written as a reply's commit writes them (one key each, by thread).
  const t0 = performance.now();
  for (let i = 0; i < N; i += 500) {
    const op = kv.atomic();
    for (let j = i; j < Math.min(N, i + 500); j++) {
      const language = j % 3 === 0 ? "en" : "fr";
      const threadId = `T${String(Math.floor(j / 3)).padStart(8, "0")}`;
      const id = `M${String(j).padStart(10, "0")}`;
      const pair: QaPair = {
        id,
        threadId,
        questions: [{ id: `Q${j}`, text: sentence(language, 6 + Math.floor(rnd() * 24)) }],
        answer: sentence(language, 10 + Math.floor(rnd() * 40)),
        language,
        categories: rnd() < 0.7 ? [pick(CATEGORIES)] : [],
        agentId: "a",
        at: new Date(1_700_000_000_000 + j * 1000).toISOString(),
      };
      op.set(keys.assistantPair(threadId, id), pair);
    }
    const r = await op.commit();
    if (!r.ok) throw new Error("setup commit failed");
  }
  const setupMs = performance.now() - t0;

  // 2. The start-up rebuild from KV.
  const desk = new Desk({ kv, config });
  const rebuild = await loadPairIndex(desk);
  const ix = pairIndexOf(desk);
  const heapMb = Deno.memoryUsage().heapUsed / 1024 / 1024;

  // 3. Searches as typed: 1–3 words, the last one cut short half of the time (prefix).
  const queries = Array.from({ length: QUERIES }, () => {
    const language = rnd() < 0.5 ? "en" : "fr";
    const words = sentence(language, 1 + Math.floor(rnd() * 3)).split(" ");
    const last = words.at(-1)!;
    if (rnd() < 0.5 && last.length > 3) {
      words[words.length - 1] = last.slice(0, 2 + Math.floor(rnd() * (last.length - 2)));
    }
    return { q: words.join(" "), language, categories: rnd() < 0.7 ? [pick(CATEGORIES)] : [] };
  });
  for (const q of queries.slice(0, 50)) ix.search(q.q, { ...q, limit: 10 }); // warm-up
  const lat: number[] = [];
  let hits = 0;
  for (const q of queries) {
    const s = performance.now();
    hits += ix.search(q.q, { ...q, limit: 10 }).length;
    lat.push(performance.now() - s);
  }
  const p99 = percentile(lat, 99);
  const rows = [
    { metric: "pairs indexed", value: String(rebuild.pairs), target: String(N), pass: rebuild.pairs === N },
    {
      metric: "rebuild from KV at start-up (ms)",
      value: String(rebuild.ms),
      target: "≤ 5000",
      pass: rebuild.ms <= 5000,
    },
    { metric: "search p50 (ms)", value: String(round(percentile(lat, 50), 3)), target: "", pass: null },
    { metric: "search p99 (ms)", value: String(round(p99, 3)), target: "≤ 10", pass: p99 <= 10 },
    { metric: "search max (ms)", value: String(round(Math.max(...lat), 3)), target: "", pass: null },
    { metric: "mean hits per query", value: String(round(hits / QUERIES, 1)), target: "", pass: null },
    { metric: "heap after rebuild (MB)", value: String(round(heapMb, 0)), target: "", pass: null },
    { metric: "setup: writing the pairs (ms)", value: String(Math.round(setupMs)), target: "", pass: null },
  ];
  console.log(
    `reply-assistant benchmark: ${N} pairs, ${QUERIES} queries, load average ${loadAverage() ?? "?"}`,
  );
  for (const r of rows) {
    const verdict = r.pass === null ? "" : r.pass ? "PASS" : "MISS";
    console.log(`${r.metric.padEnd(36)} ${r.value.padStart(10)}  ${r.target.padEnd(8)} ${verdict}`);
  }
  console.log(
    "BENCH_JSON " +
      JSON.stringify({
        bench: "assistant",
        pairs: rebuild.pairs,
        rebuildMs: rebuild.ms,
        searchP50Ms: round(percentile(lat, 50), 3),
        searchP99Ms: round(p99, 3),
        searchMaxMs: round(Math.max(...lat), 3),
        heapMb: round(heapMb, 0),
        loadAverage: loadAverage(),
        pass: rebuild.ms <= 5000 && p99 <= 10,
      }),
  );
} finally {
  kv.close();
  if (!values.kv) await Deno.remove(path.replace(/\/kv\.sqlite$/, ""), { recursive: true }).catch(() => {});
}
