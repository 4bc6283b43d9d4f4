/**
 * Test helper: a Deno KV for one test body, closed whatever the body does. Without a path, a
 * fresh in-memory store; with one, that file (a store a server process wrote, read after it).
 */
export async function withKv<T>(fn: (kv: Deno.Kv) => Promise<T>): Promise<T>;
export async function withKv<T>(path: string, fn: (kv: Deno.Kv) => Promise<T>): Promise<T>;
export async function withKv<T>(
  a: string | ((kv: Deno.Kv) => Promise<T>),
  b?: (kv: Deno.Kv) => Promise<T>,
): Promise<T> {
  const [path, fn] = typeof a === "string" ? [a, b!] : [":memory:", a];
  const kv = await Deno.openKv(path);
  try {
    return await fn(kv);
  } finally {
    kv.close();
  }
}
