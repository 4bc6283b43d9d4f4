/**
 * Server-only: an atomic operation recorded as plain data (`WireCommit`), built like a
 * `Deno.AtomicOperation` and committed by a function of its owner's choice: replayed on a handle
 * and tried again while the file is locked (lib/server/kv_busy.ts), or sent to the KV writer
 * worker (lib/server/kv_writer.ts), which replays it there.
 */
import { toKvMutation, toWireMutation, type WireCommit, type WireEnqueue } from "./kv_writer_wire.ts";

export type CommitOutcome = Deno.KvCommitResult | Deno.KvCommitError;
export type RecordedCommit = Omit<WireCommit, "id">;

export class RecordedAtomic {
  readonly #commit: RecordedCommit = { checks: [], mutations: [], enqueues: [] };
  constructor(private readonly send: (c: RecordedCommit) => Promise<CommitOutcome>) {}

  check(...checks: Deno.AtomicCheck[]): this {
    for (const c of checks) this.#commit.checks.push({ key: c.key, versionstamp: c.versionstamp });
    return this;
  }
  mutate(...mutations: Deno.KvMutation[]): this {
    for (const m of mutations) this.#commit.mutations.push(toWireMutation(m));
    return this;
  }
  set(key: Deno.KvKey, value: unknown, options?: { expireIn?: number }): this {
    return this.mutate({ type: "set", key, value, ...(options?.expireIn === undefined ? {} : options) });
  }
  delete(key: Deno.KvKey): this {
    return this.mutate({ type: "delete", key });
  }
  sum(key: Deno.KvKey, n: bigint): this {
    return this.mutate({ type: "sum", key, value: new Deno.KvU64(n) });
  }
  min(key: Deno.KvKey, n: bigint): this {
    return this.mutate({ type: "min", key, value: new Deno.KvU64(n) });
  }
  max(key: Deno.KvKey, n: bigint): this {
    return this.mutate({ type: "max", key, value: new Deno.KvU64(n) });
  }
  enqueue(value: unknown, options?: WireEnqueue["options"]): this {
    this.#commit.enqueues.push(options === undefined ? { value } : { value, options });
    return this;
  }
  commit(): Promise<CommitOutcome> {
    return this.send(this.#commit);
  }
}

/** Builds the recorded operation on `kv` and commits it once. */
export function replay(kv: Deno.Kv, c: RecordedCommit): Promise<CommitOutcome> {
  const op = kv.atomic();
  if (c.checks.length) op.check(...c.checks);
  if (c.mutations.length) op.mutate(...c.mutations.map(toKvMutation));
  for (const e of c.enqueues) op.enqueue(e.value, e.options);
  return op.commit();
}
