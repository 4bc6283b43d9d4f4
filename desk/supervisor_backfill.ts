/**
 * A store written before supervision existed has interactions but no gauges and no
 * open-interaction indexes: the first start computes them from the interactions, once (as
 * `ensureFolderCounts` does for folder counts). Today's counters cannot be recovered and start
 * at zero. For a desk not yet serving: a commit landing meanwhile would be overwritten.
 */
import { MAX_CHECKS } from "../lib/server/actor.ts";
import { keys } from "../lib/server/keys.ts";
import type { InteractionState } from "../actors/interaction.ts";
import { openIndexKeys, openIndexValue } from "./supervisor_counters.ts";

export async function ensureSupervision(kv: Deno.Kv): Promise<void> {
  if ((await kv.get(keys.supervisionReady())).value) return;
  const gauges = new Map<string, { key: Deno.KvKey; n: number }>();
  let op = kv.atomic();
  let staged = 0;
  const flush = async () => {
    if (staged && !(await op.commit()).ok) throw new Error("computing supervision indexes: commit failed");
    op = kv.atomic();
    staged = 0;
  };
  const stage = async (f: (o: Deno.AtomicOperation) => void) => {
    f(op);
    if (++staged >= MAX_CHECKS * 10) await flush();
  };
  for await (const e of kv.list<InteractionState>({ prefix: keys.interactionsPrefix() })) {
    const s = e.value;
    if (s.state === "completed") continue;
    const key = keys.supervisionGauge(s.sourceId, s.state);
    const g = gauges.get(JSON.stringify(key)) ?? { key, n: 0 };
    g.n++;
    gauges.set(JSON.stringify(key), g);
    for (const k of openIndexKeys(s)) await stage((o) => o.set(k, openIndexValue(k, s)));
  }
  for await (const e of kv.list({ prefix: keys.supervisionGauges() })) {
    if (!gauges.has(JSON.stringify(e.key))) await stage((o) => o.delete(e.key));
  }
  for (const { key, n } of gauges.values()) await stage((o) => o.set(key, new Deno.KvU64(BigInt(n))));
  await stage((o) => o.set(keys.supervisionReady(), true));
  await flush();
}

/**
 * Deletes what a store written by an older version holds in keys no longer kept (the by-agent
 * copies of open interactions, `keys.retiredOpenByAgent`; the dispatcher's former head,
 * `keys.retiredAgentPoolHead`): nothing reads them, and left alone they would keep stale views
 * forever. Once they are gone this is one empty listing and one read.
 */
export async function dropRetiredIndexes(kv: Deno.Kv): Promise<number> {
  let dropped = 0;
  const head = await kv.get(keys.retiredAgentPoolHead());
  if (head.versionstamp && (await kv.atomic().check(head).delete(head.key).commit()).ok) dropped++;
  for (;;) {
    const batch: Deno.KvKey[] = [];
    for await (const e of kv.list({ prefix: keys.retiredOpenByAgent() }, { limit: 500 })) batch.push(e.key);
    if (!batch.length) return dropped;
    for (let i = 0; i < batch.length; i += 100) {
      const op = kv.atomic();
      for (const k of batch.slice(i, i + 100)) op.delete(k);
      await op.commit();
    }
    dropped += batch.length;
  }
}
