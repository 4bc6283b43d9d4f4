import assert from "node:assert/strict";
import { isBusy, retryWhenLocked } from "./kv_busy.ts";

/** Concurrent checked commits through two handles on one file; returns the errors seen. */
async function contend(a: Deno.Kv, b: Deno.Kv, perHandle: number): Promise<unknown[]> {
  const errors: unknown[] = [];
  const writer = (kv: Deno.Kv, name: string) =>
    Array.from({ length: perHandle }, async (_, i) => {
      try {
        const res = await kv.atomic()
          .check({ key: [name, i], versionstamp: null })
          .set([name, i], i)
          .sum(["count"], 1n)
          .commit();
        assert.ok(res.ok);
      } catch (e) {
        errors.push(e);
      }
    });
  await Promise.all([...writer(a, "a"), ...writer(b, "b")]);
  return errors;
}

Deno.test("kv_busy - commits that find a shared file locked are retried until they land", async () => {
  const path = await Deno.makeTempFile({ suffix: ".kv" });
  const raw = [await Deno.openKv(path), await Deno.openKv(path)];
  try {
    // Without the retry the store refuses some of these commits (what this module is for). Whether
    // two commits overlap is up to the scheduler, so a round may see none: up to 10 rounds.
    let bare: unknown[] = [];
    for (let round = 0; round < 10 && bare.length === 0; round++) {
      for await (const e of raw[0].list({ prefix: [] })) await raw[0].delete(e.key);
      bare = await contend(raw[0], raw[1], 40);
    }
    assert.ok(bare.length > 0 && bare.every(isBusy), `expected "locked" refusals, got ${bare.length}`);
    await raw[0].delete(["count"]);
    const [a, b] = raw.map(retryWhenLocked);
    for await (const e of a.list({ prefix: [] })) await a.delete(e.key);
    assert.deepEqual(await contend(a, b, 40), []);
    assert.equal((await a.get<Deno.KvU64>(["count"])).value?.value, 80n);
  } finally {
    for (const kv of raw) kv.close();
    await Deno.remove(path);
  }
});
