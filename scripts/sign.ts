/**
 * Prints the X-Signature of a request body: `deno run scripts/sign.ts <secret> <file | ->`.
 * Connectors compute the same hex HMAC-SHA512 of the raw body with their source secret.
 */
import { sign } from "../lib/server/crypto.ts";

if (import.meta.main) {
  const [secret, file] = Deno.args;
  if (!secret || !file) {
    console.error("usage: deno run --allow-read scripts/sign.ts <secret> <body-file | ->");
    Deno.exit(2);
  }
  const body = file === "-"
    ? new Uint8Array(await new Response(Deno.stdin.readable).arrayBuffer())
    : await Deno.readFile(file);
  console.log(await sign(secret, body));
}
