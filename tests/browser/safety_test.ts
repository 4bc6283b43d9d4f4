/**
 * Bad input and safety in the browser: customer content stays inert (text, sanitised HTML,
 * names, attachments, structured cards, context data, and the page's serialised props), huge
 * threads page, long messages clamp, and cookie requests without the CSRF token are refused.
 */
import assert from "node:assert/strict";
import { api, expectPresence, expectText, msg, startServer } from "./fixtures.ts";
import { browserTest, screenshot, signIn, withSession } from "./browser.ts";

const PAYLOADS = {
  text:
    `<script>window.__xss = "text"</script><img src=x onerror="window.__xss='text-img'"> </script><script>window.__xss="close"</script>`,
  html:
    `<p>Formatted <b>reply</b></p><img src="x" onerror="window.__xss='html-img'"><a href="javascript:window.__xss='html-link'">click</a>` +
    `<script>window.__xss='html-script'</script><iframe src="javascript:window.__xss='frame'"></iframe><div onmouseover="window.__xss='hover'">hover me</div>`,
  name: `<svg onload="window.__xss='name'">Eve</svg>`,
};

browserTest("safety - customer content from every field stays inert", async () => {
  const s = await startServer();
  try {
    await withSession("xss", async ({ page }) => {
      const dialogs: string[] = [];
      page.on("dialog", (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      await signIn(page, s, "alice");
      await page.getByLabel("Presence").selectOption("available");
      await expectPresence(s, "alice", "available");
      const author = { id: "eve", name: PAYLOADS.name };
      const first = await s.inbound(
        "webchat",
        msg("xss-1", { author, categories: ["billing"], body: PAYLOADS.text }),
      );
      assert.equal(first.status, 202);
      await page.locator(".item").first().getByRole("link").click();
      await page.locator(".messages .msg").first().waitFor();
      for (
        const extra of [
          { body: PAYLOADS.html, format: "html" },
          {
            body: "attachments",
            attachments: [
              {
                url: "https://example.invalid/a.png",
                name: `"><img src=x onerror="window.__xss='att'">.png`,
                contentType: "image/png",
              },
              {
                url: "https://example.invalid/f.pdf",
                name: `<script>window.__xss='file'</script>.pdf`,
                contentType: "application/pdf",
              },
            ],
          },
          {
            body: "structured",
            structured: {
              type: "carousel",
              items: [{
                title: `<img src=x onerror="window.__xss='card'">`,
                url: "javascript:window.__xss='card-link'",
                image: "javascript:alert(1)",
              }],
            },
          },
          {
            body: "rich link",
            structured: {
              type: "rich_link",
              url: "javascript:window.__xss='rich'",
              title: "<b onclick=alert(1)>Title</b>",
            },
          },
          {
            body: "context",
            contextData: {
              [`<img src=x onerror="window.__xss='ctx-key'">`]: `<script>window.__xss='ctx'</script>`,
            },
          },
        ]
      ) {
        assert.equal((await s.inbound("webchat", msg("xss-1", { author, ...extra }))).status, 202);
      }
      await page.locator(".messages .msg").nth(5).waitFor();
      // The thread rendered by the server (props serialised into the page) is inert too.
      await page.reload();
      await page.locator(".messages .msg").nth(5).waitFor();
      await page.locator(".msg").first().hover();
      await page.locator(".msg-html").getByText("hover me").hover();
      // Payloads that would run late (an image's onerror) have had their chance once every
      // image finished loading or failing.
      await page.waitForFunction(() => [...document.images].every((img) => img.complete));
      await screenshot(page, "30-xss-inert");

      assert.equal(await page.evaluate(() => (globalThis as { __xss?: unknown }).__xss), undefined);
      assert.deepEqual(dialogs, []);
      const live = await page.evaluate(() => ({
        scripts:
          document.querySelectorAll(".island script:not([type='application/json']), .messages script").length,
        handlers: [...document.querySelectorAll(".island *")].filter((el) =>
          [...el.attributes].some((a) =>
            a.name.startsWith("on")
          )
        ).length,
        jsLinks:
          document.querySelectorAll("a[href^='javascript:' i], img[src^='javascript:' i], iframe").length,
      }));
      assert.deepEqual(live, { scripts: 0, handlers: 0, jsLinks: 0 });
      // Text stays text: the payload is visible literally.
      await page.locator(".msg-text").filter({ hasText: `<script>window.__xss = "text"</script>` }).first()
        .waitFor();
      await expectText(page.locator(".thread-title h1"), "<svg onload=");
      await expectText(page.locator(".msg-html"), "Formatted reply");
    });
  } finally {
    await s.close();
  }
});

browserTest("safety - a huge thread pages its messages and long messages fold behind Show more", async () => {
  const s = await startServer();
  try {
    await (await api(s, "alice")).presence("available");
    const first = await s.inbound("webchat", msg("huge", { categories: ["billing"], body: "message 0" }));
    for (let i = 1; i < 259; i++) {
      const r = await s.inbound("webchat", msg("huge", { body: `message ${i}` }));
      assert.equal(r.status, 202);
    }
    await s.inbound("webchat", msg("huge", { body: "long ".repeat(4000).trim() }));
    await withSession("huge", async ({ page }) => {
      await signIn(page, s, "alice");
      await page.locator(".item-link").first().click();
      await page.getByRole("heading").filter({ hasText: "Customer huge" }).waitFor();
      await page.locator(".msg").nth(199).waitFor();
      assert.equal(await page.locator(".msg").count(), 200);
      assert.equal(await page.getByText("message 0", { exact: true }).count(), 0);
      const more = page.getByRole("button", { name: "Show more" });
      await more.waitFor();
      assert.ok((await page.locator(".msg-text").last().textContent())!.length < 2100);
      await more.click();
      await page.waitForFunction(() =>
        ([...document.querySelectorAll(".msg-text")].at(-1)?.textContent?.length ?? 0) > 19_000
      );
      const earlier = page.getByRole("button", { name: "Show earlier messages" });
      await earlier.click();
      await page.locator(".msg").nth(259).waitFor();
      assert.equal(await page.locator(".msg").count(), 260);
      await earlier.waitFor({ state: "detached" });
      await screenshot(page, "31-huge-thread");
      void first;
    });
  } finally {
    await s.close();
  }
});

browserTest("safety - cookie requests need the CSRF token and the sign-in form its own", async () => {
  const s = await startServer();
  try {
    const forged = await fetch(s.url + "/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: "https://evil.example" },
      body: "login=alice&password=test-password&csrf=x",
      redirect: "manual",
    });
    await forged.body?.cancel();
    assert.equal(forged.status, 403);
    assert.ok(!(forged.headers.get("set-cookie") ?? "").includes("rd_session="));
    await withSession("csrf", async ({ page }) => {
      await signIn(page, s, "alice");
      const result = await page.evaluate(async () => {
        const put = (headers: Record<string, string>) =>
          fetch("/api/v1/me/presence", {
            method: "PUT",
            headers: { "content-type": "application/json", ...headers },
            body: '{"presence":"away"}',
          })
            .then(async (r) => ({ status: r.status, code: r.ok ? null : (await r.json()).error.code }));
        const token = document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')!.content;
        return {
          without: await put({}),
          wrong: await put({ "x-csrf-token": "nope" }),
          right: await put({ "x-csrf-token": token }),
        };
      });
      assert.deepEqual(result, {
        without: { status: 403, code: "csrf" },
        wrong: { status: 403, code: "csrf" },
        right: { status: 200, code: null },
      });
    });
  } finally {
    await s.close();
  }
});
