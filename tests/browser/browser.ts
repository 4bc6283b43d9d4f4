/**
 * Browser test support: Debian's Chromium driven by playwright-core (installed by `.ci/run`),
 * pages signed in through the real sign-in form, screenshots saved to `test-artifacts/`.
 *
 * Nothing here can hang CI: every Playwright wait has the context's 15 s default, closing a
 * context or the browser is bounded, `browserTest` fails a test that runs past
 * `BROWSER_TEST_TIMEOUT_MS` (screenshots of its open pages, then closes Chromium so the test's
 * own `finally` blocks run), and a browser left open by a plain `Deno.test` is closed by a
 * watchdog shortly after that limit.
 */
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { PASSWORD, within } from "../harness.ts";

export const CHROMIUM = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";
export const ARTIFACTS = new URL("../../test-artifacts/", import.meta.url);

/** The most one browser test may take, start to end (a loaded 2-core CI machine included). */
export const BROWSER_TEST_TIMEOUT_MS = Number(Deno.env.get("BROWSER_TEST_TIMEOUT_MS") || 180_000);
/** Default limit of every Playwright wait, action and navigation. */
const ACTION_TIMEOUT_MS = 15_000;
/** Closing a context or the browser: past this it is reported and left to the process exit. */
const CLOSE_TIMEOUT_MS = 15_000;

let shared: Promise<Browser> | null = null;
let watchdog: ReturnType<typeof setTimeout> | undefined;

/** One headless Chromium per test process (browser tests never skip: no Chromium is an error). */
export function browser(): Promise<Browser> {
  if (shared) return shared;
  try {
    Deno.statSync(CHROMIUM);
  } catch {
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  }
  const launching = chromium.launch({
    executablePath: CHROMIUM,
    timeout: 60_000,
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
  shared = launching;
  launching.then(() => armWatchdog(launching), () => {
    if (shared === launching) shared = null;
  });
  return launching;
}

/**
 * A backstop for tests that drive the browser from a plain `Deno.test` (no `browserTest` limit):
 * a browser still open well past the per-test limit is closed, so whatever the test awaits
 * rejects instead of blocking the run. The timer does not keep the process alive.
 */
function armWatchdog(launched: Promise<Browser>): void {
  clearTimeout(watchdog);
  const limit = BROWSER_TEST_TIMEOUT_MS + 30_000;
  const timer = setTimeout(async () => {
    if (shared !== launched) return;
    const shots = await screenshotOpenPages("WATCHDOG");
    console.error(
      `browser watchdog: Chromium open for ${limit / 1000} s, closing it so the stuck test fails. ` +
        `Open pages: ${shots.join(", ") || "none"}`,
    );
    await closeBrowser();
  }, limit);
  Deno.unrefTimer(timer);
  watchdog = timer;
}

export async function closeBrowser(): Promise<void> {
  const launched = shared;
  shared = null;
  clearTimeout(watchdog);
  openSessions.clear(); // their contexts close with the browser
  if (!launched) return;
  const b = await launched.catch(() => null);
  if (!b) return;
  await within(b.close(), CLOSE_TIMEOUT_MS, "closing Chromium").catch((e) => console.error(String(e)));
}

export type Session = { name: string; context: BrowserContext; page: Page; close(): Promise<void> };

/** Sessions not closed yet: screenshotted and reported when a test runs out of time. */
const openSessions = new Set<Session>();
let unnamed = 0;

/** A fresh browser context (own cookies) at 1280×800, English unless `locale` says otherwise. */
export async function newSession(
  opts: { locale?: string; colorScheme?: "light" | "dark"; name?: string } = {},
): Promise<Session> {
  const context = await (await browser()).newContext({
    viewport: { width: 1280, height: 800 },
    locale: opts.locale ?? "en-GB",
    colorScheme: opts.colorScheme ?? "light",
    timezoneId: "Europe/Paris",
  });
  context.setDefaultTimeout(ACTION_TIMEOUT_MS);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  (page as unknown as { jsErrors: string[] }).jsErrors = errors;
  const session: Session = {
    name: opts.name ?? `session-${++unnamed}`,
    context,
    page,
    async close() {
      if (!openSessions.delete(session)) return;
      try {
        await within(context.close(), CLOSE_TIMEOUT_MS, `closing browser session ${session.name}`);
      } catch (e) {
        // A context that will not close may still hold the server's event streams open, and the
        // server's shutdown waits for them: closing Chromium cuts them.
        console.error(String(e));
        await closeBrowser();
      }
    },
  };
  openSessions.add(session);
  return session;
}

/** Screenshots every open page (`<prefix>-<session>.png`), each bounded; returns what was saved. */
async function screenshotOpenPages(prefix: string): Promise<string[]> {
  const saved: string[] = [];
  for (const s of openSessions) {
    const file = `${prefix}-${s.name}`;
    await screenshot(s.page, file, 5_000).then(
      () => saved.push(`${s.name} at ${s.page.url()} (test-artifacts/${file}.png)`),
      () => saved.push(`${s.name} at ${s.page.url()} (no screenshot)`),
    );
  }
  return saved;
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

export async function screenshot(page: Page, name: string, timeout = ACTION_TIMEOUT_MS): Promise<void> {
  await Deno.mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: new URL(`${name}.png`, ARTIFACTS).pathname, timeout });
}

/**
 * Waits until keyboard focus is inside `selector` (a menu, a dialog, a control), as a keyboard
 * user does before pressing the next key: components move focus in an effect after they render,
 * so a key sent as soon as the element shows can land on the previous focus.
 */
export async function focusWithin(page: Page, selector: string): Promise<void> {
  try {
    await page.waitForFunction((sel) => !!document.activeElement?.closest(sel), selector);
  } catch (e) {
    const at = await page.evaluate(() => {
      const el = document.activeElement;
      return el
        ? `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""} "${el.textContent?.trim().slice(0, 40)}"`
        : "none";
    }).catch(() => "unknown");
    throw new Error(
      `focus never moved into ${selector} (it is on ${at}): ${(e as Error).message.split("\n")[0]}`,
    );
  }
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
      await within(accepting, CLOSE_TIMEOUT_MS, "closing the proxy");
    },
  };
}

/**
 * One browser test: a Deno test whose steps share one Chromium (closed at the end). Playwright
 * keeps sockets and timers of its own, so the op and resource sanitizers are off.
 *
 * The whole test is bounded by `timeoutMs` (default `BROWSER_TEST_TIMEOUT_MS`): past it, the
 * open pages are screenshotted, Chromium is closed (every pending page call then rejects, so the
 * test's `finally` blocks close its servers), and the test fails saying where it was.
 */
export function browserTest(
  name: string,
  fn: (t: Deno.TestContext) => Promise<void>,
  opts: { timeoutMs?: number } = {},
): void {
  const limit = opts.timeoutMs ?? BROWSER_TEST_TIMEOUT_MS;
  Deno.test({
    name,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const expired = new Promise<"expired">((r) => (timer = setTimeout(() => r("expired"), limit)));
      const body = fn(t);
      try {
        if (await Promise.race([body.then(() => "done" as const), expired]) === "expired") {
          const shots = await screenshotOpenPages("TIMEOUT");
          body.catch(() => {}); // reported as the timeout below
          await closeBrowser();
          // Give the test's own finally blocks (server close) a moment before the next test.
          await within(body, 20_000, "").catch(() => {});
          throw new Error(
            `browser test "${name}" did not finish within ${limit / 1000} s. ` +
              `Open pages: ${shots.join("; ") || "none"}`,
          );
        }
      } finally {
        clearTimeout(timer);
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
  const s = await newSession({ ...opts, name });
  try {
    return await fn(s);
  } catch (e) {
    await screenshot(s.page, `FAILED-${name}`, 5_000).catch(() => {});
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
