/**
 * Island bundles (ARCHITECTURE.md "Islands"): one browser entry per `islands/*.tsx`, built with
 * Deno's built-in bundler (esbuild), code-split so shared modules (Preact, signals, the UI
 * store) load once, minified, and named by content hash so they can be cached forever.
 * Stylesheets in `static/` are hashed the same way. Everything is kept in memory and served
 * from there; a copy goes to `static/build/` (git-ignored) for inspection and CDNs.
 */
import { bundle } from "../bundler.ts";
import { contentHash } from "../crypto.ts";

export type Asset = { body: Uint8Array; contentType: string };

export type Assets = {
  /** File name (under `/static/build/`) → content. */
  files: Map<string, Asset>;
  /** Island name → its entry URL and the URLs of the chunks it imports (for modulepreload). */
  islands: Record<string, { src: string; preload: string[] }>;
  /** Stylesheet name (e.g. `app.css`) → URL. */
  styles: Record<string, string>;
};

export const BUILD_URL = "/static/build/";

export type BuildOptions = {
  /** The project root (contains `islands/` and `static/`). */
  root: URL;
  islands: string[];
  styles: string[];
  /** Also write the files to `static/build/` (best effort). */
  writeToDisk?: boolean;
};

const JS = "text/javascript; charset=utf-8";
const CSS = "text/css; charset=utf-8";

/** Builds every island and stylesheet. Throws with esbuild's messages when a bundle fails. */
export async function buildAssets(o: BuildOptions): Promise<Assets> {
  const files = new Map<string, Asset>();
  const islands: Assets["islands"] = {};
  const tmp = await Deno.makeTempDir({ prefix: "islands-" });
  try {
    // One generated entry per island: import the component, hydrate its markers.
    const entries = await Promise.all(o.islands.map(async (name) => {
      const path = `${tmp}/${name}.ts`;
      const component = new URL(`islands/${name}.tsx`, o.root).href;
      const client = new URL("lib/browser/hydrate.ts", o.root).href;
      await Deno.writeTextFile(
        path,
        `import Island from ${JSON.stringify(component)};\nimport { hydrateIslands } from ${
          JSON.stringify(client)
        };\n` +
          `hydrateIslands(${JSON.stringify(name)}, Island);\n`,
      );
      return path;
    }));
    const result = await bundle({
      entrypoints: entries,
      outputDir: `${tmp}/out`,
      platform: "browser",
      format: "esm",
      minify: true,
      codeSplitting: true,
      write: false,
    });
    if (!result.success || !result.outputFiles) {
      throw new Error(
        `island bundle failed: ${result.errors.map((e) => e.text ?? JSON.stringify(e)).join("\n")}`,
      );
    }
    const entryNames = new Set(o.islands.map((n) => `${n}.js`));
    const chunkImports = new Map<string, string[]>();
    for (const f of result.outputFiles) {
      const base = f.path.split("/").pop()!;
      const body = f.contents ?? new Uint8Array();
      const imports = [
        ...new TextDecoder().decode(body).matchAll(
          /from"\.\/(chunk-[\w-]+\.js)"|import"\.\/(chunk-[\w-]+\.js)"/g,
        ),
      ]
        .map((m) => m[1] ?? m[2]);
      if (entryNames.has(base)) {
        const name = base.slice(0, -3);
        const file = `${name}-${await contentHash(body)}.js`;
        files.set(file, { body, contentType: JS });
        chunkImports.set(name, imports);
        islands[name] = { src: BUILD_URL + file, preload: [] };
      } else {
        // esbuild already names chunks by content hash.
        files.set(base, { body, contentType: JS });
        chunkImports.set(base, imports);
      }
    }
    for (const name of Object.keys(islands)) {
      const seen = new Set<string>();
      const walk = (key: string) => {
        for (const c of chunkImports.get(key) ?? []) {
          if (!seen.has(c)) {
            seen.add(c);
            walk(c);
          }
        }
      };
      walk(name);
      islands[name].preload = [...seen].map((c) => BUILD_URL + c);
    }
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
  const styles: Assets["styles"] = {};
  for (const name of o.styles) {
    const body = await Deno.readFile(new URL(`static/${name}`, o.root));
    const file = `${name.replace(/\.css$/, "")}-${await contentHash(body)}.css`;
    files.set(file, { body, contentType: CSS });
    styles[name] = BUILD_URL + file;
  }
  if (o.writeToDisk) await writeOut(new URL("static/build/", o.root), files);
  return { files, islands, styles };
}

async function writeOut(dir: URL, files: Map<string, Asset>): Promise<void> {
  try {
    await Deno.mkdir(dir, { recursive: true });
    for (const [name, f] of files) {
      const target = new URL(name, dir);
      // Content-hashed names: an existing file already has these bytes.
      if (await Deno.stat(target).then(() => true, () => false)) continue;
      const tmp = new URL(`.${name}.${crypto.randomUUID()}.tmp`, dir);
      await Deno.writeFile(tmp, f.body);
      await Deno.rename(tmp, target);
    }
  } catch {
    // A read-only deployment still serves from memory.
  }
}
