/**
 * Per-minute trend keys end (issue 14): `stat_minute` and `stat_minute_available` are `sum`
 * counters, and a `sum` cannot expire in Deno KV — the sqlite backend writes every sum with no
 * expiry, clearing one a `set` gave the key (denokv `sqlite/backend.rs` `mutate_le64`;
 * `tests/supervisor_sweep_test.ts` reads the stored expiry to keep us honest). So the desk
 * deletes minutes older than the trends show, from the runtime's tick. Minutes are the first
 * key part, so the sweep reads only keys it is about to delete (no history is scanned), and
 * each batch checks what it read: a commit that raced it makes the batch retry, not lose a sum.
 */
import { transact } from "../lib/server/actor.ts";
import { keys } from "../lib/server/keys.ts";
import type { Desk } from "./desk.ts";
import { minuteOf } from "./supervisor_counters.ts";

/** How long per-minute moves are kept: the trends' hour, and an hour of slack for late readers. */
export const MINUTE_KEYS_KEPT_MS = 2 * 3600_000;
/** Deletions per commit: each checks the entry it read (≤ 10 checks per commit). */
const BATCH = 10;
/** Commits per sweep at most, so a long backlog is eaten over several ticks. */
const MAX_BATCHES = 50;

/** The trend key families, each ordered by minute first. */
const FAMILIES = [keys.statMinutes(), keys.statMinutesAvailable()] as const;

/**
 * Deletes per-minute keys of minutes that ended more than `MINUTE_KEYS_KEPT_MS` ago (by the
 * desk's clock). Idempotent: two processes sweeping at once delete the same keys. Returns how
 * many it deleted.
 */
export async function sweepOldMinutes(desk: Desk): Promise<number> {
  const cutoff = minuteOf(desk.ctx.now()) - MINUTE_KEYS_KEPT_MS;
  let deleted = 0;
  for (const family of FAMILIES) {
    for (let batch = 0; batch < MAX_BATCHES; batch++) {
      // Listed inside the attempt: a retry after a conflict sees the entries as they are now.
      const n = await transact(desk.kv, async (tx) => {
        let n = 0;
        for await (const e of desk.kv.list({ start: family, end: [...family, cutoff] }, { limit: BATCH })) {
          tx.assume(e.key, e.versionstamp, e.value);
          tx.delete(e.key);
          n++;
        }
        return n;
      });
      deleted += n;
      if (n < BATCH) break;
    }
  }
  return deleted;
}

const lastSweep = new WeakMap<Desk, number>();

/** Sweeps at most once a minute per process (the tick runs more often). */
export async function sweepOldMinutesEveryMinute(desk: Desk): Promise<void> {
  const now = desk.ctx.now();
  if (now - (lastSweep.get(desk) ?? -Infinity) < 60_000) return;
  lastSweep.set(desk, now);
  await sweepOldMinutes(desk);
}
