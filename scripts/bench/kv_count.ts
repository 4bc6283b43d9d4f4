/**
 * A counting and timing wrapper around Deno.Kv for the bench server: every KV operation the desk
 * makes, through `transact` or directly, reaches the real store untouched and is counted.
 */
/**
 * Every KV operation the desk makes, whether through `transact` or directly (sessions, outbox):
 * writes, point reads and list entries read.
 */
export type KvOps = {
  atomicCommits: number;
  sets: number;
  deletes: number;
  /** Keys read by `get` and `getMany`. */
  keysRead: number;
  /** Entries read by `list`. */
  listEntries: number;
  /** Point reads (`get`/`getMany` calls) and the time spent awaiting them, in ms. */
  reads: number;
  readMs: number;
  /** How long each atomic commit took (ms), successful or not: the store's share of latency. */
  commitMs: number[];
  /** Keys and list entries read per key family (the key's first part): where reads go. */
  readsByFamily: Record<string, number>;
};

const familyOf = (key: unknown): string => Array.isArray(key) && key.length ? String(key[0]) : "?";

/**
 * A Deno.Kv whose operations are counted (and commits timed). Everything goes to the real
 * store untouched; methods are bound to it (Deno.Kv uses private fields).
 */
export function countingKv(kv: Deno.Kv): { kv: Deno.Kv; ops: KvOps } {
  const ops: KvOps = {
    atomicCommits: 0,
    sets: 0,
    deletes: 0,
    keysRead: 0,
    listEntries: 0,
    reads: 0,
    readMs: 0,
    commitMs: [],
    readsByFamily: {},
  };
  const countFamily = (key: unknown) => {
    const f = familyOf(key);
    ops.readsByFamily[f] = (ops.readsByFamily[f] ?? 0) + 1;
  };
  const proxy = new Proxy(kv, {
    get(target, prop) {
      if (prop === "atomic") {
        return () => {
          const op = target.atomic();
          const commit = op.commit.bind(op);
          op.commit = async () => {
            const t = performance.now();
            const r = await commit();
            if (ops.commitMs.length < 1_000_000) ops.commitMs.push(performance.now() - t);
            if (r.ok) ops.atomicCommits++;
            return r;
          };
          return op;
        };
      }
      if (prop === "list") {
        return (...a: Parameters<Deno.Kv["list"]>) => {
          const iter = target.list(...a);
          const sel = a[0] as { prefix?: Deno.KvKey; start?: Deno.KvKey };
          const family = sel.prefix ?? sel.start;
          const next = iter.next.bind(iter);
          // `for await` calls next() on the iterator itself, so `cursor` and the rest stay intact.
          iter.next = async () => {
            const r = await next();
            if (!r.done) ops.listEntries++, countFamily(family);
            return r;
          };
          return iter;
        };
      }
      const v = Reflect.get(target, prop, target);
      if (typeof v !== "function") return v;
      if (prop === "set") return (...a: unknown[]) => (ops.sets++, v.apply(target, a));
      if (prop === "delete") return (...a: unknown[]) => (ops.deletes++, v.apply(target, a));
      const timed = async (p: Promise<unknown>) => {
        const t = performance.now();
        try {
          return await p;
        } finally {
          ops.reads++;
          ops.readMs += performance.now() - t;
        }
      };
      if (prop === "get") {
        return (...a: unknown[]) => (ops.keysRead++, countFamily(a[0]), timed(v.apply(target, a)));
      }
      if (prop === "getMany") {
        return (
          keys: unknown[],
          ...a: unknown[]
        ) => (ops.keysRead += keys.length, keys.forEach(countFamily), timed(v.call(target, keys, ...a)));
      }
      return v.bind(target);
    },
  });
  return { kv: proxy, ops };
}
