/**
 * Seeds for tests that make random choices (fast-check properties, fuzzing). A failure is only
 * worth something when it can be replayed, so every seed is printed, and `TEST_SEED` (or a
 * test-specific variable) replays it.
 */

/** The seed for `name`: `$envVar` or `TEST_SEED` when set, else a fresh one; printed either way. */
export function seedFor(name: string, envVar = "TEST_SEED"): number {
  const given = Deno.env.get(envVar) ?? Deno.env.get("TEST_SEED");
  const seed = given !== undefined && given !== "" ? Number(given) : Math.floor(Math.random() * 2 ** 31);
  if (!Number.isSafeInteger(seed)) throw new Error(`${envVar} must be an integer, got ${given}`);
  console.log(`${name}: seed ${seed} (replay with ${envVar}=${seed})`);
  return seed;
}

/**
 * A copy of `s` with its last `n` characters replaced by different ones: a forged token or
 * signature that is never, by chance, the real one (replacing the tail with a constant such as
 * "00" is the real token whenever it already ends so).
 */
export function forgeTail(s: string, n = 1): string {
  if (s.length < n) {
    throw new Error(`cannot forge the last ${n} characters of a ${s.length}-character string`);
  }
  const tail = [...s.slice(s.length - n)].map((ch) => (ch === "0" ? "1" : "0")).join("");
  return s.slice(0, s.length - n) + tail;
}
