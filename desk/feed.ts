/** Reading an agent's live feed (ARCHITECTURE.md "Live updates"). */
import { keys } from "../lib/keys.ts";
import type { Desk } from "./desk.ts";

export type FeedItem = { seq: number; event: string; data: Record<string, unknown>; at: number };

export async function feedHead(desk: Desk, agentId: string): Promise<number> {
  return (await desk.kv.get<number>(keys.feedHead(agentId))).value ?? 0;
}

/** Feed entries after `afterSeq`, oldest first. */
export async function feedAfter(
  desk: Desk,
  agentId: string,
  afterSeq: number,
  limit = 500,
): Promise<FeedItem[]> {
  const out: FeedItem[] = [];
  const iter = desk.kv.list<FeedItem>({
    start: keys.feedEntry(agentId, afterSeq + 1),
    end: [...keys.feed(agentId), Infinity],
  }, { limit });
  for await (const e of iter) out.push(e.value);
  return out;
}

/** Watches an agent's feed head; yields whenever it moves. */
export function watchFeed(desk: Desk, agentId: string): ReadableStream<Deno.KvEntryMaybe<unknown>[]> {
  return desk.kv.watch([keys.feedHead(agentId)]);
}
