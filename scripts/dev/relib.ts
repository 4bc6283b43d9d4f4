/**
 * Codemod for the split of `lib/` by where code runs (server-only, shared, browser). Run it in
 * any checkout after rebasing on the split: `deno run -A scripts/dev/relib.ts [root]`.
 *
 * 1. Moves a module (and its `_test` sibling) from its old path to its new one when the old file
 *    is still there (a branch that created or kept it).
 * 2. Rewrites every relative path string in .ts/.tsx files (imports, dynamic imports,
 *    `new URL("…", import.meta.url)`) that points at an old path, and the relative paths inside a
 *    moved file, which were written for its old folder.
 * 3. Rewrites root-relative mentions (`lib/server/keys.ts`, `lib/browser/`) in Markdown, deno.json, `.ci/run`
 *    and in .ts/.tsx comments and strings.
 *
 * Idempotent: a second run finds nothing to change. Prints every file it changed.
 */

/** Old path → new path, from the project root. `_test` siblings follow their module. */
export const MOVES: Record<string, string> = {
  // Server-only: KV, the actor runtime, key shapes, crypto, bundling, HTTP helpers.
  "lib/actor.ts": "lib/server/actor.ts",
  "lib/blobs.ts": "lib/server/blobs.ts",
  "lib/bundler.ts": "lib/server/bundler.ts",
  "lib/crypto.ts": "lib/server/crypto.ts",
  "lib/cursor.ts": "lib/server/cursor.ts",
  "lib/keyed_lock.ts": "lib/server/keyed_lock.ts",
  "lib/keys.ts": "lib/server/keys.ts",
  "lib/kv_busy.ts": "lib/server/kv_busy.ts",
  "lib/metrics.ts": "lib/server/metrics.ts",
  "lib/openapi.ts": "lib/server/openapi.ts",
  "lib/rate_limit.ts": "lib/server/rate_limit.ts",
  "lib/scheduler.ts": "lib/server/scheduler.ts",
  "lib/signed_links.ts": "lib/server/signed_links.ts",
  "lib/streams.ts": "lib/server/streams.ts",
  "lib/uploads.ts": "lib/server/uploads.ts",
  "lib/wake_ups.ts": "lib/server/wake_ups.ts",
  "lib/widget_build.ts": "lib/server/widget_build.ts",
  "lib/islands/build.ts": "lib/server/islands/build.ts",
  "lib/islands/server.tsx": "lib/server/islands/render.tsx",
  "lib/islands/server_test.tsx": "lib/server/islands/render_test.tsx",
  // Shared: pure and browser-safe (schemas, errors, i18n, routing decisions).
  "lib/admin_schemas.ts": "lib/shared/wire/admin.ts",
  "lib/config.ts": "lib/shared/config.ts",
  "lib/errors.ts": "lib/shared/errors.ts",
  "lib/routing.ts": "lib/shared/routing.ts",
  "lib/safe_text.ts": "lib/shared/safe_text.ts",
  "lib/schemas.ts": "lib/shared/wire/api.ts",
  "lib/supervision.ts": "lib/shared/supervision.ts",
  "lib/text_search.ts": "lib/shared/text_search.ts",
  "lib/time.ts": "lib/shared/time.ts",
  "lib/webchat_schemas.ts": "lib/shared/wire/webchat.ts",
  // Second step: the zod wire schemas gather in lib/shared/wire/ (one schema per shape).
  "lib/shared/admin_schemas.ts": "lib/shared/wire/admin.ts",
  "lib/shared/schemas.ts": "lib/shared/wire/api.ts",
  "lib/shared/webchat_schemas.ts": "lib/shared/wire/webchat.ts",
  "lib/i18n/en.ts": "lib/shared/i18n/en.ts",
  "lib/i18n/fr.ts": "lib/shared/i18n/fr.ts",
  "lib/i18n/mod.ts": "lib/shared/i18n/mod.ts",
  "lib/i18n/i18n_test.ts": "lib/shared/i18n/i18n_test.ts",
  "lib/i18n/widget_catalogue.ts": "lib/shared/i18n/widget_catalogue.ts",
  // Browser: the islands' client side and their stores.
  "lib/islands/client.ts": "lib/browser/hydrate.ts",
  ...Object.fromEntries(
    [
      "actions",
      "admin_api",
      "admin_diff",
      "admin_paths",
      "admin_store",
      "alerts",
      "api",
      "format",
      "keyboard",
      "live",
      "memo",
      "shortcuts",
      "store",
      "types",
      "typing",
    ].map((m) => [`lib/ui/${m}.ts`, `lib/browser/${m}.ts`]),
  ),
};

/** Symbols that left their module when it moved: `from old` importing only these goes here. */
const SPLIT: { from: string; names: string[]; to: string }[] = [
  { from: "lib/config.ts", names: ["loadConfigFile"], to: "lib/server/config_file.ts" },
];

/** Folder mentions in prose (`lib/ui/`): only folders that moved as a whole. */
const FOLDERS: Record<string, string> = {
  "lib/ui/": "lib/browser/",
  "lib/ui": "lib/browser",
  "lib/i18n/": "lib/shared/i18n/",
  "lib/i18n": "lib/shared/i18n",
};

/** Not rewritten: generated or ignored folders, and this file (its map names the old paths). */
const SKIP = /^(\.git|data|static\/build|test-artifacts|node_modules|scripts\/dev\/relib(_test)?\.ts)(\/|$)/;

function withTests(moves: Record<string, string>): Map<string, string> {
  const all = new Map<string, string>();
  for (const [from, to] of Object.entries(moves)) {
    all.set(from, to);
    const test = (p: string) => p.replace(/\.(tsx?)$/, "_test.$1");
    if (!from.includes("_test.")) all.set(test(from), test(to));
  }
  return all;
}

/** Normalises `a/b/../c` to `a/c`; null when the path leaves the root. */
function normalise(path: string): string | null {
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "." || part === "") continue;
    if (part === "..") {
      if (!out.length) return null;
      out.pop();
    } else out.push(part);
  }
  return out.join("/") + (path.endsWith("/") && out.length ? "/" : "");
}

const dirOf = (p: string) => p.includes("/") ? p.slice(0, p.lastIndexOf("/") + 1) : "";

function relative(fromFile: string, to: string): string {
  const from = dirOf(fromFile).split("/").filter(Boolean);
  const target = to.split("/");
  let i = 0;
  while (i < from.length && i < target.length - 1 && from[i] === target[i]) i++;
  const up = from.length - i;
  const rest = target.slice(i).join("/");
  return (up ? "../".repeat(up) : "./") + rest;
}

async function walk(root: string, dir = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(`${root}/${dir || "."}`)) {
    const path = dir ? `${dir}/${e.name}` : e.name;
    if (SKIP.test(path)) continue;
    if (e.isDirectory) out.push(...await walk(root, path));
    else if (e.isFile) out.push(path);
  }
  return out;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export async function relib(root: string): Promise<string[]> {
  const moves = withTests(MOVES);
  const back = new Map([...moves].map(([a, b]) => [b, a]));
  const exists = async (p: string) => {
    try {
      await Deno.stat(`${root}/${p}`);
      return true;
    } catch {
      return false;
    }
  };

  // 1. Moves still to do.
  const movedNow = new Set<string>();
  for (const [from, to] of moves) {
    if (!await exists(from) || await exists(to)) continue;
    await Deno.mkdir(`${root}/${dirOf(to)}`, { recursive: true });
    await Deno.rename(`${root}/${from}`, `${root}/${to}`);
    movedNow.add(to);
  }
  for (const dir of ["lib/ui", "lib/islands", "lib/i18n"]) {
    try {
      await Deno.remove(`${root}/${dir}`); // only when empty
    } catch { /* not empty or gone */ }
  }

  const files = await walk(root);
  const present = new Set(files);
  const changed: string[] = [];

  // 2 + 3. Rewrite paths.
  const prose = [...moves, ...Object.entries(FOLDERS)].sort((a, b) => b[0].length - a[0].length);
  const mention = new RegExp(`(?<![\\w./-])(${prose.map(([a]) => escape(a)).join("|")})(?![\\w])`, "g");
  const proseMap = new Map(prose);
  /** The new spelling of `spec` in `file`, or null to leave it. */
  const retarget = (file: string, spec: string): string | null => {
    const old = back.get(file);
    const dir = spec.endsWith("/") || /(^|\/)\.\.?$/.test(spec);
    const spelled = (to: string) =>
      dir
        ? relative(file, `${to ? to.replace(/\/$/, "") + "/" : ""}x`).replace(/x$/, "")
        : relative(file, to);
    if (old && movedNow.has(file)) {
      // Moved by this run: every relative path was written for the old folder.
      const target = normalise(dirOf(old) + spec);
      if (target === null) return null;
      const to = moves.get(target) ?? target;
      const next = spelled(to);
      return next === spec ? null : next;
    }
    const here = normalise(dirOf(file) + spec);
    if (here === null || dir || present.has(here)) return null;
    // An old path seen from here, or (a file at its new path) a path written for its old folder.
    const candidates = [moves.get(here)];
    const before = old ? normalise(dirOf(old) + spec) : null;
    if (before !== null) candidates.push(moves.get(before) ?? before);
    const to = candidates.find((c) => c !== undefined && present.has(c));
    return to ? spelled(to) : null;
  };
  for (const file of files) {
    const code = /\.tsx?$/.test(file);
    const text = file === "deno.json" || file === ".ci/run" || /\.md$/.test(file) || code;
    if (!text) continue;
    const before = await Deno.readTextFile(`${root}/${file}`);
    let after = before;
    if (code) {
      after = after.replace(/(["'`])(\.\.?\/[^"'`\s$]*)\1/g, (whole, q: string, spec: string) => {
        const target = retarget(file, spec);
        return target === null ? whole : `${q}${target}${q}`;
      });
      // Symbols split out of a moved module.
      for (const s of SPLIT) {
        const target = moves.get(s.from)!;
        const spec = relative(file, target);
        const re = new RegExp(`import\\s*\\{([^}]*)\\}\\s*from\\s*"${escape(spec)}"`, "g");
        after = after.replace(re, (whole, names: string) => {
          const list = names.split(",").map((n) => n.trim()).filter(Boolean);
          if (!list.every((n) => s.names.includes(n.replace(/^type\s+/, "")))) return whole;
          return `import {${names}} from "${relative(file, s.to)}"`;
        });
      }
    }
    after = after.replace(mention, (m) => proseMap.get(m) ?? m);
    if (after !== before) {
      await Deno.writeTextFile(`${root}/${file}`, after);
      changed.push(file);
    }
  }
  return [...[...movedNow].map((f) => `moved ${back.get(f)} → ${f}`), ...changed];
}

if (import.meta.main) {
  const root = Deno.args[0] ?? Deno.cwd();
  for (const line of await relib(root)) console.log(line);
}
