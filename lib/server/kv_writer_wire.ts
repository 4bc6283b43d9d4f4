/**
 * Server-only: what the main thread and the KV writer worker (lib/server/kv_writer.ts) say to
 * each other. Plain, structured-clonable data: `Deno.KvU64` does not survive a structured clone
 * (it arrives as `{value}`), so it travels as a bigint with a flag and is rebuilt on arrival.
 */

/** One mutation of a commit. */
export type WireMutation =
  | { type: "set"; key: Deno.KvKey; value: unknown; u64?: true; expireIn?: number }
  | { type: "delete"; key: Deno.KvKey }
  | { type: "sum" | "min" | "max"; key: Deno.KvKey; value: bigint };

export type WireEnqueue = { value: unknown; options?: Parameters<Deno.AtomicOperation["enqueue"]>[1] };

/** One atomic commit, as recorded on the main thread. */
export type WireCommit = {
  id: number;
  checks: Deno.AtomicCheck[];
  mutations: WireMutation[];
  enqueues: WireEnqueue[];
};

/** The worker's answer to one commit: its result, or the error it threw (name and message). */
export type WireResult =
  | { id: number; ok: true; versionstamp: string }
  | { id: number; ok: false }
  | { id: number; error: { name: string; message: string } };

/** Main thread → worker. */
export type ToWriter =
  | { open: string }
  | { commits: WireCommit[] }
  | { close: true };

/** Worker → main thread. */
export type FromWriter =
  | { opened: true }
  | { failed: { name: string; message: string } }
  | { results: WireResult[] }
  | { closed: true };

/** A mutation in the store's own terms (the worker's side). */
export function toKvMutation(m: WireMutation): Deno.KvMutation {
  switch (m.type) {
    case "set":
      return {
        type: "set",
        key: m.key,
        value: m.u64 ? new Deno.KvU64(m.value as bigint) : m.value,
        ...(m.expireIn === undefined ? {} : { expireIn: m.expireIn }),
      };
    case "delete":
      return m;
    default:
      return { type: m.type, key: m.key, value: new Deno.KvU64(m.value) };
  }
}

/** A mutation as it travels (the main thread's side). */
export function toWireMutation(m: Deno.KvMutation): WireMutation {
  switch (m.type) {
    case "set": {
      const u64 = m.value instanceof Deno.KvU64;
      return {
        type: "set",
        key: m.key,
        value: u64 ? (m.value as Deno.KvU64).value : m.value,
        ...(u64 ? { u64: true as const } : {}),
        ...(m.expireIn === undefined ? {} : { expireIn: m.expireIn }),
      };
    }
    case "delete":
      return { type: "delete", key: m.key };
    default:
      return { type: m.type, key: m.key, value: m.value.value };
  }
}

/** An error as it travels: its class name and message (the stack stays in the worker). */
export const wireError = (e: unknown): { name: string; message: string } =>
  e instanceof Error ? { name: e.name, message: e.message } : { name: "Error", message: String(e) };

/** The error rebuilt on the main thread, of the same class where it is a standard one. */
export function fromWireError(e: { name: string; message: string }): Error {
  const Ctor = e.name === "TypeError"
    ? TypeError
    : e.name === "RangeError"
    ? RangeError
    : e.name === "SyntaxError"
    ? SyntaxError
    : Error;
  const err = new Ctor(e.message);
  if (err.name !== e.name) err.name = e.name;
  return err;
}
