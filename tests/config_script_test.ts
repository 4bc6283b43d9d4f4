/**
 * `deno task config export|import|diff` (SPEC M1a, configuration as code), run as a subprocess
 * on the KV file of a running server: the server applies an imported version within 2 s.
 */
import assert from "node:assert/strict";
import { startServer, testConfig } from "./harness.ts";

const ROOT = new URL("..", import.meta.url).pathname;

async function configScript(kvPath: string, ...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "scripts/config.ts", ...args],
    cwd: ROOT,
    env: { KV_PATH: kvPath, NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("config script - export, diff and import against a running server's store", async () => {
  const dir = await Deno.makeTempDir({ prefix: "config_script_" });
  const kvPath = `${dir}/routing.kv`;
  const config = await testConfig({}, [{ id: "alice", categories: ["billing"] }]);
  const s = await startServer({ config, kvPath });
  try {
    // export: the whole stored configuration (a backup: secrets and hashes included).
    const exported = await configScript(kvPath, "export");
    assert.equal(exported.code, 0, exported.stderr);
    const full = JSON.parse(exported.stdout);
    assert.deepEqual(full, JSON.parse(JSON.stringify(s.desk.config)));
    assert.equal(full.sources[0].secret, config.sources[0].secret);
    const redacted = JSON.parse((await configScript(kvPath, "export", "--redacted")).stdout);
    assert.equal(redacted.sources[0].secret, "********");
    assert.equal(redacted.agents[0].passwordHash, undefined);

    // diff: nothing against itself (exit 0), the changes of an edited file (exit 1).
    const same = `${dir}/same.json`;
    await Deno.writeTextFile(same, exported.stdout);
    const none = await configScript(kvPath, "diff", same);
    assert.equal(none.code, 0, none.stderr);
    assert.equal(none.stdout.trim(), "no change against version 1");
    const edited = `${dir}/edited.json`;
    await Deno.writeTextFile(
      edited,
      JSON.stringify({
        ...redacted,
        routing: { ...redacted.routing, strategy: "round_robin" },
        agents: [{ ...redacted.agents[0], capacity: { realtime: { capacity: 3, maxCapacity: 3 } } }],
      }),
    );
    const diff = await configScript(kvPath, "diff", edited);
    assert.equal(diff.code, 1, diff.stderr);
    assert.deepEqual(diff.stdout.trim().split("\n"), [
      "routing strategy least_occupied → round_robin",
      "realtime capacity of Alice 2 → 3",
    ]);

    // import: a new version by the script, applied by the running server within 2 s.
    const imported = await configScript(kvPath, "import", edited);
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(
      imported.stdout,
      /^version 2: routing strategy least_occupied → round_robin; realtime capacity/,
    );
    const since = Date.now();
    while (s.desk.ctx.configVersion !== 2) {
      assert.ok(Date.now() - since < 2000, "the server did not apply the imported version within 2 s");
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(s.desk.config.routing.strategy, "round_robin");
    // The redacted secret in the file kept the stored one.
    assert.equal(s.desk.config.sources[0].secret, config.sources[0].secret);
    const again = await configScript(kvPath, "import", edited);
    assert.match(again.stdout, /^no change: version 2/);

    // Refusals change nothing: an invalid file (every path listed), a stale --if-match.
    const bad = `${dir}/bad.json`;
    await Deno.writeTextFile(bad, JSON.stringify({ ...redacted, bogus: 1, languages: [] }));
    const invalid = await configScript(kvPath, "import", bad);
    assert.equal(invalid.code, 1);
    assert.match(invalid.stderr, /"path": "bogus"/);
    assert.match(invalid.stderr, /"path": "languages"/);
    const stale = await configScript(kvPath, "import", same, "--if-match", "1");
    assert.equal(stale.code, 1);
    assert.match(stale.stderr, /current version is 2/);
    assert.equal((await configScript(kvPath, "diff", edited)).code, 0);

    // export --version: any stored version; usage errors exit 2.
    const v1 = JSON.parse((await configScript(kvPath, "export", "--version", "1")).stdout);
    assert.equal(v1.routing.strategy, "least_occupied");
    assert.equal((await configScript(kvPath, "export", "--version", "9")).code, 2);
    assert.equal((await configScript(kvPath, "import")).code, 2);
    assert.equal((await configScript(kvPath, "frobnicate")).code, 2);
  } finally {
    await s.close();
    await Deno.remove(dir, { recursive: true });
  }
});
