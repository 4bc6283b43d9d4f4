/**
 * Web chat widget and co-browsing benchmark (headless Chromium on loopback):
 * - widget size: `widget.js` gzip (budget 30 KB; co-browsing is a separate on-demand module);
 * - mirror latency: a DOM change on the customer's page → visible in the agent's replay
 *   (p50/p95/max over N changes; budget p95 ≤ 300 ms);
 * - main-thread cost of the widget while recording an idle page (CDP TaskDuration, ms per
 *   second, recording minus not recording; budget ≤ 5 ms/s).
 *
 *   deno run -A scripts/bench_widget.ts [--changes 60] [--idle 10] [--json]
 */
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { eventually, startServer } from "../tests/harness.ts";
import { webchatConfig } from "../tests/browser/webchat_support.ts";
import { widgetAssets } from "../routes/widget.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    changes: { type: "string", default: "60" },
    idle: { type: "string", default: "10" },
    json: { type: "boolean", default: false },
  },
});
const CHANGES = Number(values.changes);
const IDLE_S = Number(values.idle);

const pct = (xs: number[], p: number) =>
  xs.toSorted((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)];
const gzip = async (b: Uint8Array) =>
  (await new Response(
    new Blob([b as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream("gzip")),
  ).arrayBuffer()).byteLength;

const s = await startServer({ config: await webchatConfig() });
const browser = await chromium.launch({
  executablePath: Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium",
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
const result: Record<string, unknown> = {};
try {
  const w = await widgetAssets();
  result.widgetGzipBytes = await gzip(w.main);
  result.cobrowseModuleGzipBytes = await gzip([...w.modules].find(([n]) => n.startsWith("cobrowse-"))![1]);

  const alice = await s.agent("alice", { available: true });
  const customerCtx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const customer = await customerCtx.newPage();
  await customer.goto(`${s.url}/demo`);
  await customer.locator("#rd-widget-host[data-ready=true]").waitFor({ state: "attached" });
  const cdp = await customerCtx.newCDPSession(customer);
  await cdp.send("Performance.enable");
  const taskMs = async () => {
    const { metrics } = await cdp.send("Performance.getMetrics");
    return (metrics.find((m: { name: string }) => m.name === "TaskDuration")!.value as number) * 1000;
  };
  const idleCost = async () => {
    await customer.waitForTimeout(1000);
    const a = await taskMs();
    await customer.waitForTimeout(IDLE_S * 1000);
    return (await taskMs() - a) / IDLE_S;
  };
  const baseline = await idleCost();

  // The customer chats through the widget; the agent accepts and requests co-browsing.
  const launcher = customer.getByRole("button", { name: "Chat with us" });
  await launcher.click();
  await customer.getByRole("textbox", { name: "Message" }).fill("benchmark");
  await customer.getByRole("button", { name: "Send" }).click();
  const item = await eventually(
    async () => (await alice.folder("in_progress")).find((i) => i.state === "offered"),
    10_000,
    "offer",
  );
  await alice.act(item!.id, "accept");
  const session = (await alice.req("POST", `/api/v1/interactions/${item!.id}/cobrowse`)).body.cobrowse;
  await customer.getByRole("button", { name: "Accept" }).click();

  const agentCtx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await agentCtx.request.post(`${s.url}/api/v1/session`, {
    data: { login: "alice", password: "test-password" },
  });
  const agent = await agentCtx.newPage();
  await agent.goto(`${s.url}/cobrowse/view/${session.id}`);
  await agent.frameLocator(".replayer-wrapper iframe").getByText("Blue mug").waitFor();

  const recording = await idleCost();
  result.mainThreadMsPerSecond = {
    notRecording: +baseline.toFixed(2),
    recording: +recording.toFixed(2),
    widgetRecordingCost: +(recording - baseline).toFixed(2),
  };

  // Mirror latency: customer changes #status, the agent's replay shows it.
  await agent.evaluate(() => {
    const g = globalThis as unknown as {
      seen: Record<string, number>;
      cobrowseReplayer: { iframe: HTMLIFrameElement };
    };
    g.seen = {};
    const doc = g.cobrowseReplayer.iframe.contentDocument!;
    new MutationObserver(() => {
      const text = doc.getElementById("status")?.textContent ?? "";
      if (text.startsWith("tick-") && !(text in g.seen)) {
        g.seen[text] = performance.timeOrigin + performance.now();
      }
    }).observe(doc, { subtree: true, childList: true, characterData: true });
  });
  const sent: Record<string, number> = {};
  for (let i = 0; i < CHANGES; i++) {
    const label = `tick-${i}`;
    sent[label] = await customer.evaluate((l) => {
      document.getElementById("status")!.textContent = l;
      return performance.timeOrigin + performance.now();
    }, label);
    await customer.waitForTimeout(100);
  }
  await agent.waitForFunction(
    (n) => Object.keys((globalThis as unknown as { seen: object }).seen).length >= n,
    CHANGES,
    { timeout: 30_000 },
  );
  const seen = await agent.evaluate(() => (globalThis as unknown as { seen: Record<string, number> }).seen);
  const lat = Object.keys(sent).map((k) => seen[k] - sent[k]);
  result.mirrorLatencyMs = {
    n: lat.length,
    p50: +pct(lat, 50).toFixed(1),
    p95: +pct(lat, 95).toFixed(1),
    max: +Math.max(...lat).toFixed(1),
  };
  result.budgets = {
    widgetGzipUnder30KB: (result.widgetGzipBytes as number) <= 30 * 1024,
    mirrorP95Under300ms: pct(lat, 95) <= 300,
    recordingCostUnder5msPerS: recording - baseline <= 5,
  };
  await alice.req("POST", `/api/v1/cobrowse/${session.id}/end`);
  await agentCtx.close();
  await customerCtx.close();
} finally {
  await browser.close();
  await s.close();
}

if (values.json) console.log(JSON.stringify(result));
else {
  console.log("web chat widget / co-browsing");
  for (const [k, v] of Object.entries(result)) console.log(`  ${k}: ${JSON.stringify(v)}`);
}
