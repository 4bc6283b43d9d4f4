/**
 * Builds the web chat widget with Deno's bundler: `widget.js`, a classic script (IIFE) small
 * enough to embed anywhere, and the co-browsing module (ESM, content-hashed) that the widget
 * imports only when a customer accepts a session; and the agent's co-browsing viewer (ESM,
 * with rrweb's replayer). Built once per process, kept in memory.
 */
import { bundle } from "./bundler.ts";
import { contentHash } from "./crypto.ts";

export type WidgetAssets = {
  main: Uint8Array;
  /** File name under `/widget/` → content. */
  modules: Map<string, Uint8Array>;
  /** URL of the agent's co-browsing viewer module. */
  viewer: string;
};

const ROOT = new URL("../../", import.meta.url);
export const COBROWSE_PLACEHOLDER = "__RD_COBROWSE_MODULE__";

async function hashName(prefix: string, bytes: Uint8Array): Promise<string> {
  return `${prefix}-${await contentHash(bytes)}.js`;
}

async function bundleOne(entry: string, format: "iife" | "esm"): Promise<Uint8Array> {
  const tmp = await Deno.makeTempDir({ prefix: "widget-" });
  try {
    const r = await bundle({
      entrypoints: [new URL(entry, ROOT).pathname],
      outputDir: tmp,
      platform: "browser",
      format,
      minify: true,
      write: false,
    });
    const out = r.outputFiles?.find((f) => f.path.endsWith(".js"));
    if (!r.success || !out?.contents) {
      throw new Error(`widget bundle ${entry} failed: ${r.errors.map((e) => e.text).join("\n")}`);
    }
    return out.contents;
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

/** Builds both bundles; the widget learns the co-browsing module's hashed name at build time. */
export async function buildWidget(): Promise<WidgetAssets> {
  const [cobrowse, viewer] = await Promise.all([
    bundleOne("widget/cobrowse.ts", "esm"),
    bundleOne("widget/viewer.ts", "esm"),
  ]);
  const name = await hashName("cobrowse", cobrowse);
  const viewerName = await hashName("viewer", viewer);
  const mainText = new TextDecoder().decode(await bundleOne("widget/main.ts", "iife"));
  if (!mainText.includes(COBROWSE_PLACEHOLDER)) {
    throw new Error("widget bundle lost the co-browsing module placeholder");
  }
  const main = new TextEncoder().encode(mainText.replaceAll(COBROWSE_PLACEHOLDER, `/widget/${name}`));
  return {
    main,
    modules: new Map([[name, cobrowse], [viewerName, viewer]]),
    viewer: `/widget/${viewerName}`,
  };
}
