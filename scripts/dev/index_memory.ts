/**
 * Heap per document of the reply assistant's similar-questions index (README, Soak): N pairs
 * shaped like the soak's ("Question <n>" answered "Thanks, looking.": one word unique to each
 * pair, as an order number is), measured after V8's most thorough GC.
 * `deno run -A --v8-flags=--expose-gc scripts/dev/index_memory.ts [pairs|text|shared] [N=20000]`
 * - `pairs`: the desk's `PairIndex` (the text index and the pair ids it keeps);
 * - `text`: the `TextIndex` alone;
 * - `shared`: the `TextIndex` with no word unique to a document (what a unique word costs is
 *   the difference).
 * Measured on 2026-12-03 (20,000): pairs 1,339 → 650 bytes, text 820 → 503, shared 207 → 218, after
 * postings became plain arrays made with their first entry and the pairs' text stayed in KV.
 */
import { PairIndex } from "../../desk/assistant/service.ts";
import { TextIndex } from "../../lib/shared/text_search.ts";
import { newId } from "../../lib/server/actor.ts";

const gc = (globalThis as { gc?: (o?: unknown) => void }).gc;
if (!gc) throw new Error("run with --v8-flags=--expose-gc");
const used = () => {
  gc({ type: "major", execution: "sync", flavor: "last-resort" });
  const m = Deno.memoryUsage();
  return m.heapUsed + m.external;
};

const kind = Deno.args[0] ?? "pairs";
const N = Number(Deno.args[1] ?? 20_000);
const before = used();
let held: { size: number };
if (kind === "pairs") {
  const ix = new PairIndex(N);
  for (let i = 0; i < N; i++) {
    ix.put({
      id: newId(),
      threadId: newId(),
      questions: [{ id: newId(), text: `Question ${i + 1}` }],
      answer: "Thanks, looking.",
      language: "en",
      categories: [],
      agentId: "agent-07",
      at: new Date().toISOString(),
    });
  }
  held = ix;
} else if (kind === "text" || kind === "shared") {
  const ix = new TextIndex();
  for (let i = 0; i < N; i++) {
    const question = kind === "text" ? `Question ${i + 1}` : "Question";
    ix.add({
      id: newId(),
      language: "en",
      categories: [],
      fields: [{ text: question, weight: 2 }, { text: "Thanks, looking.", weight: 1 }],
    });
  }
  held = ix;
} else throw new Error(`unknown kind ${kind}: pairs, text or shared`);
const after = used();
// `held` is read after the measurement, so the index is still alive when it is taken.
console.log(`${kind}: ${held.size} documents, ${((after - before) / N).toFixed(0)} bytes each`);
