/**
 * Browser test support: Debian's Chromium driven by playwright-core (installed by `.ci/run`),
 * pages signed in through the real sign-in form, screenshots saved to `test-artifacts/`.
 */
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { PASSWORD } from "../harness.ts";

export const CHROMIUM = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";
export const ARTIFACTS = new URL("../../test-artifacts/", import.meta.url);

let shared: Promise<Browser> | null = null;

/** One headless Chromium per test process. */
export function browser(): Promise<Browser> {
  shared ??= chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--autoplay-policy=no-user-gesture-required",
    ],
  });
  return shared;
}

export async function closeBrowser(): Promise<void> {
  if (!shared) return;
  const b = await shared;
  shared = null;
  await b.close();
}

export type Session = { context: BrowserContext; page: Page; close(): Promise<void> };

/** A fresh browser context (own cookies) at 1280×800, English unless `locale` says otherwise. */
export async function newSession(
  opts: { locale?: string; colorScheme?: "light" | "dark" } = {},
): Promise<Session> {
  const context = await (await browser()).newContext({
    viewport: { width: 1280, height: 800 },
    locale: opts.locale ?? "en-GB",
    colorScheme: opts.colorScheme ?? "light",
    timezoneId: "Europe/Paris",
  });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  (page as unknown as { jsErrors: string[] }).jsErrors = errors;
  return { context, page, close: () => context.close() };
}

export function jsErrors(page: Page): string[] {
  return (page as unknown as { jsErrors: string[] }).jsErrors ?? [];
}

/** Signs in through the form and waits for the routing view to be live (stream open). */
export async function signIn(page: Page, server: { url: string }, login: string): Promise<void> {
  await page.goto(server.url + "/login");
  await page.getByLabel("Login").fill(login);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(server.url + "/");
  await waitLive(page);
}

/** Waits until the island hydrated and its event stream is open. */
export async function waitLive(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const rv =
      (globalThis as unknown as { __routingView?: { store: { live: { value: string } } } }).__routingView;
    return rv?.store.live.value === "open";
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await Deno.mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: new URL(`${name}.png`, ARTIFACTS).pathname });
}

/**
 * A TCP proxy in front of the server, so a test can cut the browser's connections the way a
 * network failure does (`drop`), and refuse new ones for a while (`down`/`up`).
 */
export function startProxy(target: string) {
  const { hostname, port } = new URL(target);
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const open = new Set<Deno.Conn>();
  let refusing = false;
  const pipe = async (from: Deno.Conn, to: Deno.Conn) => {
    try {
      await from.readable.pipeTo(to.writable);
    } catch { /* cut */ }
    for (const c of [from, to]) {
      open.delete(c);
      try {
        c.close();
      } catch { /* closed */ }
    }
  };
  const accepting = (async () => {
    for await (const conn of listener) {
      if (refusing) {
        conn.close();
        continue;
      }
      try {
        const upstream = await Deno.connect({ hostname, port: Number(port) });
        open.add(conn).add(upstream);
        void pipe(conn, upstream);
        void pipe(upstream, conn);
      } catch {
        conn.close();
      }
    }
  })().catch(() => {});
  const addr = listener.addr as Deno.NetAddr;
  return {
    url: `http://127.0.0.1:${addr.port}`,
    /** Cuts every open connection. */
    drop() {
      for (const c of open) {
        try {
          c.close();
        } catch { /* closed */ }
      }
      open.clear();
    },
    down() {
      refusing = true;
      this.drop();
    },
    up() {
      refusing = false;
    },
    async close() {
      this.drop();
      listener.close();
      await accepting;
    },
  };
}

/**
 * One browser test: a Deno test whose steps share one Chromium (closed at the end). Playwright
 * keeps sockets and timers of its own, so the op and resource sanitizers are off.
 */
export function browserTest(name: string, fn: (t: Deno.TestContext) => Promise<void>): void {
  Deno.test({
    name,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      try {
        await fn(t);
      } finally {
        await closeBrowser();
      }
    },
  });
}

/** Runs `fn` with a fresh signed-out session; saves a screenshot named after the step on failure. */
export async function withSession<T>(
  name: string,
  fn: (s: Session) => Promise<T>,
  opts: { locale?: string; colorScheme?: "light" | "dark" } = {},
): Promise<T> {
  const s = await newSession(opts);
  try {
    return await fn(s);
  } catch (e) {
    await screenshot(s.page, `FAILED-${name}`).catch(() => {});
    const errors = jsErrors(s.page);
    if (errors.length) console.error(`page errors in ${name}:`, errors);
    throw e;
  } finally {
    await s.close();
  }
}

/** Reads a value from the island's store (for assertions a user would see indirectly). */
export function storeValue<T>(page: Page, expr: string): Promise<T> {
  return page.evaluate(`(() => { const rv = globalThis.__routingView; return ${expr}; })()`) as Promise<T>;
}
