/**
 * Import directions (ARCHITECTURE.md "Arrows go one way"): a static scan of every module's
 * imports that fails on a forbidden arrow. Browser code (islands, components, widget, lib/browser)
 * must not reach server code (desk/, routes/, lib/server/) or KV, even through another module;
 * lib/shared/ runs on both sides, so it imports neither lib/server/ nor lib/browser/; lib/ must not import actors/,
 * desk/ or routes/; actors/ only lib/; desk/ never routes/; scripts/ never tests/; and a unit test
 * beside its code never pulls in the end-to-end harness. Known exceptions are listed below with
 * the helper fixing them; an entry that no longer matches anything fails too, so the list only
 * shrinks.
 */
import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url);
const SKIP = /^(\.git|data|static\/build|test-artifacts|node_modules)(\/|$)/;

type Edge = { from: string; to: string; typeOnly: boolean };

/** Every .ts/.tsx file of the project, as a path relative to the root. */
async function sources(dir = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(new URL(dir || ".", ROOT))) {
    const path = dir ? `${dir}/${e.name}` : e.name;
    if (SKIP.test(path)) continue;
    if (e.isDirectory) out.push(...await sources(path));
    else if (/\.tsx?$/.test(e.name)) out.push(path);
  }
  return out;
}

const IMPORT = /(?:^|\n)\s*(import|export)\s+(type\s+)?(?:[^"';]*?\sfrom\s+)?["']([^"']+)["']/g;
const DYNAMIC = /\bimport\(\s*["']([^"']+)["']\s*\)/g;

/** The project files `path` imports (relative specifiers only: packages are not arrows here). */
function importsOf(path: string, text: string): Edge[] {
  const edges: Edge[] = [];
  const add = (spec: string, typeOnly: boolean) => {
    if (!spec.startsWith(".")) return;
    const to = new URL(spec, new URL(path, ROOT)).pathname.slice(ROOT.pathname.length);
    edges.push({ from: path, to, typeOnly });
  };
  for (const m of text.matchAll(IMPORT)) add(m[3], !!m[2]);
  for (const m of text.matchAll(DYNAMIC)) add(m[1], false);
  return edges;
}

const isTest = (p: string) => /_test\.tsx?$/.test(p);
const under = (p: string, ...dirs: string[]) => dirs.some((d) => p.startsWith(d));
const LIB_FOLDERS = ["lib/server/", "lib/shared/", "lib/browser/", "lib/testing/"];
const BROWSER = ["islands/", "components/", "widget/", "lib/browser/"];
/** Server-only modules: KV, the actor runtime, key shapes, crypto, operations, HTTP. */
const isServerOnly = (p: string) =>
  under(p, "desk/", "routes/", "lib/server/") || ["main.ts", "app.ts"].includes(p);

type Rule = { name: string; applies: (from: string) => boolean; forbids: (to: string) => boolean };
const RULES: Rule[] = [
  {
    name: "browser code imports server code (even a type)",
    applies: (f) => under(f, ...BROWSER) && !isTest(f),
    forbids: isServerOnly,
  },
  {
    name: "lib/shared imports lib/server or lib/browser (shared code runs on both sides)",
    applies: (f) => under(f, "lib/shared/"),
    forbids: (t) => under(t, "lib/server/", "lib/browser/"),
  },
  {
    name: "lib imports actors, desk or routes",
    applies: (f) => under(f, "lib/"),
    forbids: (t) => under(t, "actors/", "desk/", "routes/"),
  },
  {
    name: "actors import desk or routes",
    applies: (f) => under(f, "actors/"),
    forbids: (t) => under(t, "desk/", "routes/"),
  },
  { name: "desk imports routes", applies: (f) => under(f, "desk/"), forbids: (t) => under(t, "routes/") },
  { name: "scripts import tests", applies: (f) => under(f, "scripts/"), forbids: (t) => under(t, "tests/") },
  {
    name: "a unit test beside its code imports the end-to-end harness",
    applies: (f) => isTest(f) && !under(f, "tests/"),
    forbids: (t) => t === "tests/harness.ts",
  },
];

/** Known arrows against the rules, each with who removes it. `from` and `to` are exact paths. */
const ALLOWED: { from: string; to: string; owner: string }[] = [];

async function graph() {
  const files = await sources();
  const edges: Edge[] = [];
  const texts = new Map<string, string>();
  for (const f of files) {
    const text = await Deno.readTextFile(new URL(f, ROOT));
    texts.set(f, text);
    edges.push(...importsOf(f, text));
  }
  return { files, edges, texts };
}

const allowed = (e: Edge) => ALLOWED.some((a) => a.from === e.from && a.to === e.to);

Deno.test("layering - the scan reads the project's imports", async () => {
  const { files, edges } = await graph();
  assert.ok(files.length > 100, `${files.length} files`);
  // Known arrows must be seen, or the scan is broken rather than the code clean.
  assert.ok(edges.some((e) => e.from === "desk/actions.ts" && e.to === "actors/interaction.ts"));
  assert.ok(edges.some((e) => e.from === "islands/routing_view.tsx" && e.to === "lib/browser/store.ts"));
  assert.ok(edges.some((e) => e.from === "widget/main.ts" && e.to === "widget/composer.ts"));
  assert.ok(edges.some((e) => e.from === "lib/server/actor.ts" && e.to === "lib/shared/errors.ts"));
});

Deno.test("layering - every lib/ module says where it runs (server, shared, browser or testing)", async () => {
  const { files } = await graph();
  const loose = files.filter((f) => under(f, "lib/") && !under(f, ...LIB_FOLDERS));
  assert.deepEqual(loose, [], "move them into one of lib/{server,shared,browser}/ (scripts/dev/relib.ts)");
  for (const folder of LIB_FOLDERS.slice(0, 3)) assert.ok(files.some((f) => under(f, folder)), folder);
});

Deno.test("layering - no module imports against the direction of the layers", async () => {
  const { edges } = await graph();
  const bad = edges.filter((e) => RULES.some((r) => r.applies(e.from) && r.forbids(e.to)) && !allowed(e))
    .map((e) => `${e.from} → ${e.to} (${RULES.find((r) => r.applies(e.from) && r.forbids(e.to))!.name})`);
  assert.deepEqual(bad, []);
});

Deno.test("layering - browser code never reaches server code or KV, even through another module", async () => {
  const { files, edges, texts } = await graph();
  const next = new Map<string, string[]>();
  // Type-only imports are erased from the bundle: they are not a way to server code at run time.
  for (const e of edges) if (!e.typeOnly) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const bad: string[] = [];
  for (const start of files.filter((f) => under(f, ...BROWSER) && !isTest(f))) {
    // Breadth-first, remembering the way, so the message shows the whole chain.
    const way = new Map<string, string>([[start, ""]]);
    const queue = [start];
    while (queue.length) {
      const f = queue.shift()!;
      const serverOnly = isServerOnly(f) || /\bDeno\.openKv\b/.test(texts.get(f) ?? "");
      if (serverOnly && !ALLOWED.some((a) => a.from === start && a.to === f)) {
        const chain = [f];
        for (let p = way.get(f)!; p; p = way.get(p)!) chain.unshift(p);
        bad.push(chain.join(" → "));
        continue;
      }
      for (const t of next.get(f) ?? []) if (!way.has(t)) way.set(t, f), queue.push(t);
    }
  }
  assert.deepEqual(bad, []);
});

Deno.test("layering - every allowed exception still exists (the list only shrinks)", async () => {
  const { edges } = await graph();
  for (const a of ALLOWED) {
    assert.ok(
      edges.some((e) => e.from === a.from && e.to === a.to),
      `${a.from} → ${a.to} is gone: remove it`,
    );
  }
});
