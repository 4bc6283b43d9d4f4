// deno-lint-ignore-file no-explicit-any -- page globals set by the app and the tests are untyped
/**
 * Routing view benchmark (issue targets): the routing view's JavaScript size (gzip), the server
 * render time of `/` with 200 interactions in the agent's folders (p99), and how long an
 * incoming offer takes to show in the page after the webhook answers, measured in Chromium on
 * one clock: the page itself posts the signed webhook and a MutationObserver stamps the offer.
 *
 *   deno task bench:ui [--renders 300] [--offers 40] [--json]
 */
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { createApp } from "../app.ts";
import { parseConfig } from "../lib/config.ts";
import { hashPassword, sign } from "../lib/crypto.ts";
import { startDesk } from "../desk/runtime.ts";
import { receiveMessage } from "../desk/inbound.ts";
import { accept, complete, defer } from "../desk/actions.ts";
import { getAgent, setPresence, signIn } from "../desk/agents.ts";
import { assets, ISLANDS } from "../routes/pages/assets.ts";
import { percentile, round, summarize } from "./bench/stats.ts";

const SECRET = "bench-ui-webchat-secret-0123456789";
const PASSWORD = "bench-ui-password";

async function gzipSize(bytes: Uint8Array): Promise<number> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return (await new Response(stream).arrayBuffer()).byteLength;
}

/** Gzip size of everything the routing view page loads as script (entry + chunks). */
export async function jsSize() {
  const a = await assets();
  let raw = 0, gzip = 0;
  const files: Record<string, number> = {};
  for (const name of ISLANDS) {
    for (const url of [a.islands[name].src, ...a.islands[name].preload]) {
      const file = a.files.get(url.split("/").pop()!)!;
      raw += file.body.byteLength;
      const g = await gzipSize(file.body);
      gzip += g;
      files[url.split("/").pop()!] = g;
    }
  }
  const css = a.files.get(a.styles["app.css"].split("/").pop()!)!;
  return { rawBytes: raw, gzipBytes: gzip, files, cssGzipBytes: await gzipSize(css.body) };
}

async function startBenchServer() {
  const hash = await hashPassword(PASSWORD, 1000);
  const config = parseConfig({
    routing: {
      strategy: "least_occupied",
      acceptTimeout: null,
      idleTimeout: null,
      awayOnMiss: true,
      stickyWindow: 0,
    },
    channelGroups: {
      realtime: { capacity: 500, maxCapacity: 500 },
      async: { capacity: 10, maxCapacity: 20 },
    },
    categories: [{ id: "billing", name: "Billing" }],
    languages: ["en", "fr"],
    teams: [{ id: "support", name: "Support" }],
    dispositions: [{ id: "solved", name: "Solved" }],
    roles: {
      agent: [
        "accept",
        "reply",
        "resume",
        "categorize",
        "defer",
        "transfer",
        "complete",
        "print",
        "audit",
        "change_language",
        "ignore",
        "mute",
        "lock",
      ],
    },
    sources: [{
      id: "webchat",
      name: "Web chat",
      kind: "chat",
      group: "realtime",
      secret: SECRET,
      callbackUrl: null,
      teams: ["support"],
      defaultLanguage: "en",
    }],
    agents: [{
      id: "alice",
      name: "Alice Martin",
      login: "alice",
      passwordHash: hash,
      role: "agent",
      teams: ["support"],
      categories: ["billing"],
      languages: ["en", "fr"],
    }],
  });
  const kv = await Deno.openKv(":memory:");
  const runtime = await startDesk({ kv, config });
  const app = createApp(runtime.desk);
  const { promise, resolve } = Promise.withResolvers<number>();
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: ({ port }) => resolve(port) },
    app.fetch,
  );
  const url = `http://127.0.0.1:${await promise}`;
  return {
    url,
    desk: runtime.desk,
    async close() {
      await server.shutdown();
      await runtime.stop();
      kv.close();
    },
  };
}

type BenchServer = Awaited<ReturnType<typeof startBenchServer>>;

/** Fills alice's folders: `total` interactions (60% in progress, 20% deferred, 20% history), each with a few messages. */
async function seed(s: BenchServer, total: number): Promise<string> {
  const desk = s.desk;
  await setPresence(desk, "alice", "available");
  const ids: string[] = [];
  for (let i = 0; i < total; i++) {
    const r = await receiveMessage(desk, "webchat", {
      id: `seed-${i}`,
      thread: { id: `t-${i}` },
      author: { id: `c-${i}`, name: `Customer ${i}` },
      body: `Hello, this is question ${i} about my latest invoice and delivery.`,
      format: "text",
      categories: ["billing"],
    });
    ids.push(r.interactionId!);
  }
  await desk.dispatcher.settle();
  let agent = (await getAgent(desk, "alice"))!;
  for (const [i, id] of ids.entries()) {
    if (i % 10 === 9) continue; // a few stay offered
    await accept(desk, agent, id);
    for (let m = 0; m < 3; m++) {
      await receiveMessage(desk, "webchat", {
        id: `seed-${i}-${m}`,
        thread: { id: `t-${i}` },
        author: { id: `c-${i}` },
        body: `Follow-up ${m}`,
        format: "text",
      });
    }
    agent = (await getAgent(desk, "alice"))!;
    if (i % 5 === 1) await defer(desk, agent, id, new Date(Date.now() + 86400_000 + i * 1000).toISOString());
    else if (i % 5 === 2) await complete(desk, agent, id, {});
  }
  const { token } = await signIn(desk, "alice", PASSWORD);
  return token;
}

/** Server render of `/` (full request on loopback, so an upper bound of the render). */
export async function ssrLatency(s: BenchServer, token: string, n: number, path = "/") {
  const get = async () => {
    const t = performance.now();
    const r = await fetch(s.url + path, { headers: { cookie: `rd_session=${token}` } });
    await r.arrayBuffer();
    if (r.status !== 200) throw new Error(`render answered ${r.status}`);
    const server = Number(r.headers.get("server-timing")?.match(/dur=([\d.]+)/)?.[1] ?? NaN);
    return { roundTrip: performance.now() - t, server };
  };
  for (let i = 0; i < 20; i++) await get(); // warm-up (the first render builds the bundles)
  const trips: number[] = [], server: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = await get();
    trips.push(r.roundTrip);
    server.push(r.server);
  }
  const html = await (await fetch(s.url + path, { headers: { cookie: `rd_session=${token}` } })).text();
  return {
    /** Measured by the server itself (Server-Timing: session, reads, render). */
    server: { ...summarize(server), p95: round(percentile(server, 95)) },
    /** Request to last byte on loopback (the client shares the process, so it adds its own time). */
    roundTrip: { ...summarize(trips), p95: round(percentile(trips, 95)) },
    htmlKiB: round(html.length / 1024, 1),
  };
}

/** Webhook answered → offer in the DOM, measured inside the page on performance.now(). */
export async function offerLatency(s: BenchServer, token: string, n: number) {
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
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addCookies([{ name: "rd_session", value: token, url: s.url }]);
    const page = await context.newPage();
    await page.goto(s.url + "/");
    await page.waitForFunction(() => (globalThis as any).__routingView?.store.live.value === "open");
    const samples: number[] = [];
    const agent = (await getAgent(s.desk, "alice"))!;
    for (let i = 0; i < n; i++) {
      const raw = JSON.stringify({
        id: `offer-${i}-${Date.now()}`,
        thread: { id: `offer-${i}-${Date.now()}` },
        author: { id: `o-${i}`, name: `Offer ${i}` },
        body: "New question",
        categories: ["billing"],
      });
      const signature = await sign(SECRET, raw);
      const r = await page.evaluate(async ({ raw, signature }) => {
        const seen = new Map<string, number>();
        const observer = new MutationObserver(() => {
          for (const el of document.querySelectorAll<HTMLElement>(".item[data-id]")) {
            if (!seen.has(el.dataset.id!)) seen.set(el.dataset.id!, performance.now());
          }
        });
        observer.observe(document.body, { childList: true, subtree: true });
        const res = await fetch("/api/v1/sources/webchat/messages", {
          method: "POST",
          headers: { "x-signature": signature, "content-type": "application/json" },
          body: raw,
        });
        const answered = performance.now();
        const { interactionId } = await res.json();
        const deadline = answered + 10_000;
        while (!seen.has(interactionId) && performance.now() < deadline) {
          await new Promise((ok) => setTimeout(ok, 1));
        }
        observer.disconnect();
        return {
          interactionId: interactionId as string,
          ms: (seen.get(interactionId) ?? Infinity) - answered,
        };
      }, { raw, signature });
      samples.push(Math.max(0, r.ms));
      // Keep the folder the same size: take the offer out of In progress again.
      await accept(s.desk, agent, r.interactionId);
      await complete(s.desk, (await getAgent(s.desk, "alice"))!, r.interactionId, {});
    }
    return { ...summarize(samples), p95: round(percentile(samples, 95)) };
  } finally {
    await browser.close();
  }
}

export async function benchUi(o: { renders?: number; offers?: number; interactions?: number } = {}) {
  const js = await jsSize();
  const s = await startBenchServer();
  try {
    const token = await seed(s, o.interactions ?? 200);
    const counts = await Promise.all(["in_progress", "deferred", "history"].map(async (f) => {
      let n = 0;
      for await (const _ of s.desk.kv.list({ prefix: ["folder", "alice", f] })) n++;
      return [f, n] as const;
    }));
    const ssr = await ssrLatency(s, token, o.renders ?? 300);
    const firstActive = (await Array.fromAsync(
      s.desk.kv.list<{ id: string; state: string }>({ prefix: ["folder", "alice", "in_progress"] }),
    ))
      .find((e) => e.value.state === "active")!.value.id;
    const ssrWithThread = await ssrLatency(s, token, o.renders ?? 300, `/?i=${firstActive}`);
    const offer = await offerLatency(s, token, o.offers ?? 40);
    return {
      js: { ...js, budgetGzipBytes: 60 * 1024 },
      folders: Object.fromEntries(counts),
      ssrMs: { ...ssr, budgetP99: 30 },
      ssrWithThreadMs: ssrWithThread,
      offerVisibleMs: { ...offer, budget: 100 },
    };
  } finally {
    await s.close();
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { renders: { type: "string" }, offers: { type: "string" }, json: { type: "boolean" } },
  });
  const r = await benchUi({
    renders: values.renders ? Number(values.renders) : undefined,
    offers: values.offers ? Number(values.offers) : undefined,
  });
  if (values.json) console.log(JSON.stringify(r, null, 2));
  else {
    console.log(
      `routing view JS: ${(r.js.gzipBytes / 1024).toFixed(1)} KiB gzip (${
        (r.js.rawBytes / 1024).toFixed(1)
      } KiB raw; budget 60 KiB); CSS ${(r.js.cssGzipBytes / 1024).toFixed(1)} KiB gzip`,
    );
    console.log(`folders: ${JSON.stringify(r.folders)}`);
    const line = (x: { p50: number; p95: number; p99: number }) =>
      `p50 ${x.p50} ms, p95 ${x.p95} ms, p99 ${x.p99} ms`;
    console.log(
      `SSR of / (server-timing): ${line(r.ssrMs.server)} (budget p99 30 ms); page ${r.ssrMs.htmlKiB} KiB`,
    );
    console.log(`  round trip: ${line(r.ssrMs.roundTrip)}`);
    console.log(`SSR of /?i= with a thread (server-timing): ${line(r.ssrWithThreadMs.server)}`);
    console.log(`  round trip: ${line(r.ssrWithThreadMs.roundTrip)}`);
    console.log(
      `offer visible after webhook answer: p50 ${r.offerVisibleMs.p50} ms, p95 ${r.offerVisibleMs.p95} ms, max ${r.offerVisibleMs.max} ms (budget 100 ms)`,
    );
    console.log(`load average after the run: ${Deno.loadavg().map((x) => x.toFixed(2)).join(" ")}`);
  }
  Deno.exit(0);
}
