/**
 * Backup (SPEC O1): `export` writes every key as one JSON line `{key, value, versionstamp}` with
 * types kept (codec.ts); `import` loads such a file into an EMPTY store, create-only (each key is
 * checked absent in its commit). KV queue messages cannot be listed, so import re-arms them from
 * the records that drive them: a timer message per pending timer record, a delivery message per
 * delivery that is neither sent nor undeliverable. Expiring keys (sessions, feed entries) get
 * their remaining lifetime back, and are skipped once expired. An agent and its available-agent
 * entries are written in one commit, so they share a versionstamp as the dispatcher expects.
 */
import { keys } from "../../lib/server/keys.ts";
import { MAX_CHECKS } from "../../lib/server/actor.ts";
import type { TimerMessage } from "../../desk/persist.ts";
import { scheduleAt } from "../../desk/schedule.ts";
import { decodeKey, decodeValue, encodeKey, encodeValue } from "./codec.ts";

/** Feed entries live this long (lib/server/actor.ts writes them with this expiry). */
const FEED_TTL_MS = 24 * 3600_000;

const family = (key: Deno.KvKey) => [key[0]];

export async function exportTo(kv: Deno.Kv, path: string): Promise<number> {
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  const writer = file.writable.getWriter();
  const enc = new TextEncoder();
  let n = 0;
  try {
    for await (const e of kv.list({ prefix: [] })) {
      const line = JSON.stringify({
        key: encodeKey(e.key),
        value: encodeValue(e.value),
        versionstamp: e.versionstamp,
      });
      await writer.write(enc.encode(line + "\n"));
      n++;
    }
  } finally {
    await writer.close();
  }
  return n;
}

/** When a key written by the app expires (ms since epoch), or null when it does not. */
function expiryOf(key: Deno.KvKey, value: unknown): number | null {
  const v = value as { expiresAt?: unknown; at?: unknown } | null;
  if (key[0] === family(keys.session(""))[0] && typeof v?.expiresAt === "number") return v.expiresAt;
  if (key[0] === family(keys.feed(""))[0] && key.length === 4 && typeof v?.at === "number") {
    return v.at + FEED_TTL_MS;
  }
  return null;
}

export type ImportResult = {
  keys: number;
  expiredSkipped: number;
  timersArmed: number;
  deliveriesArmed: number;
};

export async function importFrom(
  kv: Deno.Kv,
  path: string,
  now = Date.now(),
  queues = true,
): Promise<ImportResult> {
  const mode = { queues, now: () => now };
  for await (const _ of kv.list({ prefix: [] }, { limit: 1 })) {
    throw new Error("the target store is not empty: import only restores into a new KV file");
  }
  const text = await Deno.readTextFile(path);
  const entries: { key: Deno.KvKey; value: unknown }[] = [];
  for (const [i, line] of text.split("\n").entries()) {
    if (!line.trim()) continue;
    try {
      const j = JSON.parse(line);
      entries.push({ key: decodeKey(j.key), value: decodeValue(j.value) });
    } catch (e) {
      throw new Error(`line ${i + 1}: ${(e as Error).message}`);
    }
  }
  const result: ImportResult = { keys: 0, expiredSkipped: 0, timersArmed: 0, deliveriesArmed: 0 };
  const present = new Set(entries.map((e) => JSON.stringify(encodeKey(e.key))));
  const has = (key: Deno.KvKey) => present.has(JSON.stringify(encodeKey(key)));

  let op = kv.atomic();
  let checks = 0;
  const flush = async () => {
    if (checks === 0) return;
    const r = await op.commit();
    if (!r.ok) throw new Error("a key being imported already exists: is a server using this store?");
    op = kv.atomic();
    checks = 0;
  };
  for (const { key, value } of entries) {
    const expiresAt = expiryOf(key, value);
    if (expiresAt !== null && expiresAt <= now) {
      result.expiredSkipped++;
      continue;
    }
    op.check({ key, versionstamp: null });
    op.set(key, value, expiresAt !== null ? { expireIn: expiresAt - now } : undefined);
    result.keys++;
    if (key[0] === keys.timers()[0]) {
      const t = value as TimerMessage;
      const msg: TimerMessage = {
        type: "timer",
        interactionId: t.interactionId,
        epoch: t.epoch,
        dueAt: t.dueAt,
      };
      scheduleAt(op, mode, msg, t.dueAt);
      result.timersArmed++;
    } else if (
      key[0] === keys.deliveries()[0] && key.length === 2 && !has(keys.undeliverable(String(key[1])))
    ) {
      scheduleAt(op, mode, { type: "delivery", id: String(key[1]) }, now, {
        keysIfUndelivered: [keys.undeliverable(String(key[1]))],
      });
      result.deliveriesArmed++;
    }
    if (++checks >= MAX_CHECKS) await flush();
  }
  await flush();
  // The imported timers and deliveries were armed for this scheduling mode.
  await kv.set(keys.schedulerMode(), queues ? "on" : "off");
  return result;
}
