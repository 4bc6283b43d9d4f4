/**
 * Folder counts (`GET /api/v1/me`): one `Deno.KvU64` counter per agent and folder, summed by the
 * commit that moves an interaction into or out of the folder (desk/persist.ts). Reading them is
 * three point reads, however long an agent's history grows.
 *
 * A store written before the counters existed has folder entries but no counters: the first
 * start recounts them from the folders (`ensureFolderCounts`), as `rebuild-indexes` does.
 */
import { MAX_CHECKS } from "../lib/server/actor.ts";
import { keys } from "../lib/server/keys.ts";
import { FOLDER_NAMES as FOLDERS, type FolderName } from "../lib/shared/wire/views.ts";

/** A counter read back: sums wrap modulo 2^64, so a (never expected) underflow reads as 0. */
const countOf = (v: Deno.KvU64 | null): number => (!v || v.value >= 2n ** 63n ? 0 : Number(v.value));

export async function folderCounts(kv: Deno.Kv, agentId: string): Promise<Record<FolderName, number>> {
  const entries = await kv.getMany<Deno.KvU64[]>(FOLDERS.map((f) => keys.folderCount(agentId, f)));
  return Object.fromEntries(FOLDERS.map((f, i) => [f, countOf(entries[i].value)])) as Record<
    FolderName,
    number
  >;
}

/**
 * Sets every counter to the number of entries its folder holds now (and deletes counters of
 * empty folders). For a stopped desk, or one not yet serving: a commit landing between the
 * listing and the writes would be overwritten.
 */
export async function recountFolders(kv: Deno.Kv): Promise<number> {
  const counted = new Map<string, { key: Deno.KvKey; n: number }>();
  for await (const e of kv.list({ prefix: keys.folders() })) {
    const key = keys.folderCount(String(e.key[1]), e.key[2] as FolderName);
    const id = JSON.stringify(key);
    const c = counted.get(id) ?? { key, n: 0 };
    c.n++;
    counted.set(id, c);
  }
  let op = kv.atomic();
  let staged = 0;
  const flush = async () => {
    if (staged && !(await op.commit()).ok) throw new Error("recounting folders: commit failed");
    op = kv.atomic();
    staged = 0;
  };
  for await (const e of kv.list({ prefix: keys.folderCounts() })) {
    if (!counted.has(JSON.stringify(e.key))) {
      op.delete(e.key);
      if (++staged >= MAX_CHECKS * 10) await flush();
    }
  }
  for (const { key, n } of counted.values()) {
    op.set(key, new Deno.KvU64(BigInt(n)));
    if (++staged >= MAX_CHECKS * 10) await flush();
  }
  op.set(keys.folderCountsReady(), true);
  staged++;
  await flush();
  return counted.size;
}

/** Computes the counters once for a store that predates them (start-up, before serving). */
export async function ensureFolderCounts(kv: Deno.Kv): Promise<void> {
  if ((await kv.get(keys.folderCountsReady())).value) return;
  await recountFolders(kv);
}
