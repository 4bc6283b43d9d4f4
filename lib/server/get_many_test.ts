import assert from "node:assert/strict";
import { getManyInChunks } from "./get_many.ts";

Deno.test("getManyInChunks - reads any number of keys, ten a read, in the order asked, missing ones null", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const op = kv.atomic();
    for (let i = 0; i < 45; i++) if (i % 7 !== 3) op.set(["k", i], i * 2);
    await op.commit();
    const keys = Array.from({ length: 45 }, (_, i) => ["k", 44 - i]);
    let reads = 0;
    const counting = new Proxy(kv, {
      get(target, prop) {
        if (prop === "getMany") {
          return (ks: Deno.KvKey[]) => {
            reads++;
            assert.ok(ks.length <= 10, `a read of ${ks.length} keys`);
            return target.getMany(ks);
          };
        }
        const v = Reflect.get(target, prop, target);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    const got = await getManyInChunks<number>(counting, keys, 2);
    assert.equal(reads, 5);
    assert.deepEqual(
      got.map((e) => e.value),
      keys.map(([, i]) => (Number(i) % 7 === 3 ? null : Number(i) * 2)),
    );
    assert.deepEqual(await getManyInChunks(kv, []), []);
  } finally {
    kv.close();
  }
});
