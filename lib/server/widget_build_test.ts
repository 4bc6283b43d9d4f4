import { ok as assert } from "node:assert/strict";
import { buildWidget, COBROWSE_PLACEHOLDER } from "./widget_build.ts";

const gzip = async (b: Uint8Array) =>
  (await new Response(
    new Blob([b as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream("gzip")),
  ).arrayBuffer()).byteLength;

Deno.test("widget build - widget.js stays under 30 KB gzip and loads co-browsing only on demand", async () => {
  const w = await buildWidget();
  const main = new TextDecoder().decode(w.main);
  const size = await gzip(w.main);
  assert(size <= 30 * 1024, `widget.js is ${size} bytes gzip`);
  assert(!main.includes(COBROWSE_PLACEHOLDER), "the co-browsing module's URL is filled in");
  assert(!/takeFullSnapshot|rrweb/.test(main), "rrweb is not in widget.js");
  const [name, module] = [...w.modules].find(([n]) => n.startsWith("cobrowse-"))!;
  assert(main.includes(`/widget/${name}`));
  assert(new TextDecoder().decode(module).includes("takeFullSnapshot"));
  assert(w.viewer.startsWith("/widget/viewer-"));
});
