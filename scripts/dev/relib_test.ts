import assert from "node:assert/strict";
import { relib } from "./relib.ts";

/** Writes `files` (path → text) under a fresh temporary root. */
async function tree(files: Record<string, string>): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "relib-" });
  for (const [path, text] of Object.entries(files)) {
    if (path.includes("/")) await Deno.mkdir(`${root}/${path.replace(/\/[^/]*$/, "")}`, { recursive: true });
    await Deno.writeTextFile(`${root}/${path}`, text);
  }
  return root;
}

const read = (root: string, path: string) => Deno.readTextFile(`${root}/${path}`);
const exists = (root: string, path: string) => Deno.stat(`${root}/${path}`).then(() => true, () => false);

Deno.test("relib - moves old modules with their tests and rewrites the paths inside and towards them", async () => {
  const root = await tree({
    "lib/keys.ts": 'import type { Config } from "./config.ts";\nexport const keys = {};\n',
    "lib/keys_test.ts": 'import { keys } from "./keys.ts";\n',
    "lib/config.ts": 'import { Invalid } from "./errors.ts";\nexport const parseConfig = 1;\n',
    "lib/errors.ts": "export class Invalid {}\n",
    "lib/widget_build.ts": 'const ROOT = new URL("../", import.meta.url);\n',
    "lib/ui/store.ts": 'import { translate } from "../i18n/mod.ts";\nimport type { X } from "./types.ts";\n',
    "lib/ui/types.ts": "export type X = 1;\n",
    "lib/i18n/mod.ts": 'import { en } from "./en.ts";\n',
    "lib/i18n/en.ts": "export const en = {};\n",
    "desk/thing.ts": [
      'import { keys } from "../lib/keys.ts";',
      'import { loadConfigFile } from "../lib/config.ts";',
      'import { parseConfig } from "../lib/config.ts";',
      'const m = await import("../lib/ui/store.ts");',
      'import { other } from "./other.ts";',
      "",
    ].join("\n"),
    "desk/other.ts": "export const other = 1;\n",
    "README.md": "State in `lib/ui/`, keys in `lib/keys.ts`, not in `desk/lib/keys.ts`.\n",
    "deno.json": '{ "tasks": { "i18n": "deno run lib/i18n/mod.ts" } }\n',
  });
  try {
    const report = await relib(root);
    assert.ok(report.includes("moved lib/keys.ts → lib/server/keys.ts"), report.join("\n"));
    assert.ok(await exists(root, "lib/server/keys_test.ts"));
    assert.ok(await exists(root, "lib/browser/store.ts"));
    assert.ok(!await exists(root, "lib/ui"), "an emptied folder is removed");

    assert.equal(
      await read(root, "lib/server/keys.ts"),
      'import type { Config } from "../shared/config.ts";\nexport const keys = {};\n',
    );
    assert.equal(await read(root, "lib/server/keys_test.ts"), 'import { keys } from "./keys.ts";\n');
    assert.equal(
      await read(root, "lib/server/widget_build.ts"),
      'const ROOT = new URL("../../", import.meta.url);\n',
    );
    assert.equal(
      await read(root, "lib/browser/store.ts"),
      'import { translate } from "../shared/i18n/mod.ts";\nimport type { X } from "./types.ts";\n',
    );
    assert.equal(await read(root, "lib/shared/i18n/mod.ts"), 'import { en } from "./en.ts";\n');
    assert.equal(
      await read(root, "desk/thing.ts"),
      [
        'import { keys } from "../lib/server/keys.ts";',
        'import { loadConfigFile } from "../lib/server/config_file.ts";',
        'import { parseConfig } from "../lib/shared/config.ts";',
        'const m = await import("../lib/browser/store.ts");',
        'import { other } from "./other.ts";',
        "",
      ].join("\n"),
    );
    assert.equal(
      await read(root, "README.md"),
      "State in `lib/browser/`, keys in `lib/server/keys.ts`, not in `desk/lib/keys.ts`.\n",
    );
    assert.equal(
      await read(root, "deno.json"),
      '{ "tasks": { "i18n": "deno run lib/shared/i18n/mod.ts" } }\n',
    );

    assert.deepEqual(await relib(root), [], "a second run changes nothing");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("relib - after a rebase, a moved file's new import written for its old folder is fixed", async () => {
  // A branch added `./keys.ts` to lib/supervision.ts; git moved the file to lib/shared/ on rebase.
  const root = await tree({
    "lib/shared/supervision.ts": 'import { keys } from "./keys.ts";\nimport { now } from "./time.ts";\n',
    "lib/shared/time.ts": "export const now = 1;\n",
    "lib/server/keys.ts": "export const keys = {};\n",
    "lib/new_module.ts": 'import { keys } from "./keys.ts";\n',
    // Moved twice (lib/schemas.ts → lib/shared/schemas.ts → lib/shared/wire/api.ts).
    "lib/shared/wire/api.ts": "export const errorSchema = 1;\n",
    "lib/server/openapi.ts": 'import { errorSchema } from "../shared/schemas.ts";\n',
  });
  try {
    assert.deepEqual((await relib(root)).sort(), [
      "lib/new_module.ts",
      "lib/server/openapi.ts",
      "lib/shared/supervision.ts",
    ]);
    assert.equal(
      await read(root, "lib/server/openapi.ts"),
      'import { errorSchema } from "../shared/wire/api.ts";\n',
    );
    assert.equal(
      await read(root, "lib/shared/supervision.ts"),
      'import { keys } from "../server/keys.ts";\nimport { now } from "./time.ts";\n',
    );
    assert.equal(await read(root, "lib/new_module.ts"), 'import { keys } from "./server/keys.ts";\n');
    assert.deepEqual(await relib(root), []);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
