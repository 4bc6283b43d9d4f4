// deno-lint-ignore-file no-explicit-any -- page globals set by the app and the tests are untyped
/**
 * The routing view in headless Chromium: sign in, live offers, accept by click, reply,
 * complete, and the live updates of U4 (withdrawn offers, new messages, returns from Deferred,
 * closed conversations, a dropped stream that recovers without losing events).
 */
import assert from "node:assert/strict";
import {
  api,
  detail,
  expectPresence,
  expectText,
  expectValue,
  interaction,
  msg,
  startServer,
  testConfig,
} from "./fixtures.ts";
import { browserTest, screenshot, signIn, startProxy, storeValue, waitLive, withSession } from "./browser.ts";

browserTest(
  "routing view - an agent signs in, gets a live offer, accepts it by click, replies and completes",
  async (t) => {
    const s = await startServer();
    try {
      await t.step("the root redirects to the sign-in page without a session", async () => {
        const r = await fetch(s.url + "/", { redirect: "manual" });
        await r.body?.cancel();
        assert.equal(r.status, 303);
        assert.equal(r.headers.get("location"), "/login");
      });

      await t.step("a wrong password is refused on the sign-in page", async () => {
        await withSession("wrong-password", async ({ page }) => {
          await page.goto(s.url + "/login");
          await page.getByLabel("Login").fill("alice");
          await page.getByLabel("Password").fill("not-the-password");
          await page.getByRole("button", { name: "Sign in" }).click();
          await expectText(page.getByRole("alert"), "Wrong login or password.");
          assert.match(page.url(), /\/login$/);
        });
      });

      await t.step("the whole flow works with the U6 names", async () => {
        await withSession("main-flow", async ({ page }) => {
          await signIn(page, s, "alice");
          for (const name of ["In progress", "Deferred", "History"]) {
            assert.equal(
              await page.getByRole("link", { name, exact: true }).count(),
              1,
              `folder link ${name}`,
            );
          }
          await page.getByLabel("Presence").selectOption("available");
          await expectPresence(s, "alice", "available");
          await screenshot(page, "01-empty-routing-view");

          const posted = await s.inbound(
            "webchat",
            msg("flow-1", {
              author: { id: "jd", name: "Jeanne Dupont" },
              body: "Hello, my invoice for November is wrong.",
              categories: ["billing"],
            }),
          );
          assert.equal(posted.status, 202);
          const item = page.getByRole("link", { name: "Jeanne Dupont" });
          await item.waitFor();
          await page.getByRole("button", { name: "Accept", exact: true }).waitFor();
          assert.equal(await page.locator('[data-count="in_progress"]').textContent(), "1");
          await screenshot(page, "02-live-offer");

          await item.click();
          await expectText(page.locator(".toasts"), "Interaction accepted");
          await page.getByRole("heading", { name: "Jeanne Dupont" }).waitFor();
          await page.locator(".messages").getByText("Hello, my invoice for November is wrong.").waitFor();
          const id = posted.body.interactionId as string;
          assert.equal((await interaction(s, "alice", id)).state, "active");

          const reply = page.getByRole("textbox", { name: "Reply" });
          await reply.fill("Sorry about that, I am checking your invoice now.");
          await page.getByRole("button", { name: "Send", exact: true }).click();
          await page.locator(".msg-agent").getByText("Sorry about that, I am checking your invoice now.")
            .waitFor();
          await expectValue(reply, "");
          const d = await detail(s, "alice", id);
          assert.ok(
            d.messages.some((m: { body: string }) =>
              m.body === "Sorry about that, I am checking your invoice now."
            ),
          );
          await screenshot(page, "03-accepted-and-replied");

          for (
            const name of [
              "Reply",
              "Categorize thread",
              "Defer",
              "Transfer",
              "Complete",
              "Print thread",
              "View audit log",
              "Change language",
              "Ignore",
              "Mute",
              "Lock thread",
              "More actions",
            ]
          ) {
            assert.equal(
              await page.getByRole("button", { name, exact: true }).count(),
              1,
              `one "${name}" button`,
            );
          }
          // Hovering a message brings the same (single) action bar next to it.
          await page.locator(".msg-customer").first().hover();
          await page.locator(".msg-customer .action-bar").waitFor();
          assert.equal(await page.getByRole("button", { name: "Defer", exact: true }).count(), 1);
          await screenshot(page, "04-message-hover-actions");

          await page.getByRole("button", { name: "Complete", exact: true }).click();
          await expectText(page.locator(".toasts"), "Interaction completed");
          assert.equal((await interaction(s, "alice", id)).state, "completed");
          assert.equal(await page.locator('[data-count="history"]').textContent(), "1");
          assert.equal(await page.locator('[data-count="in_progress"]').textContent(), "0");
          await page.getByRole("link", { name: "History", exact: true }).click();
          await page.locator('.items[data-folder="history"]').getByRole("link", { name: "Jeanne Dupont" })
            .waitFor();
          await screenshot(page, "05-completed-history");
        });
      });

      await t.step("signing out ends the session", async () => {
        await withSession("sign-out", async ({ page }) => {
          await signIn(page, s, "bob");
          await page.getByRole("button", { name: "Sign out" }).click();
          await page.waitForURL(s.url + "/login");
          await page.goto(s.url + "/");
          await page.waitForURL(s.url + "/login");
        });
      });
    } finally {
      await s.close();
    }
  },
);

browserTest(
  "routing view - an offer shows a countdown and is withdrawn when its time limit passes",
  async () => {
    const config = await testConfig({
      routing: {
        strategy: "least_occupied",
        acceptTimeout: 3,
        idleTimeout: null,
        awayOnMiss: true,
        stickyWindow: 86400,
      },
    });
    const s = await startServer({ config, tickMs: 300 });
    try {
      await withSession("withdrawn", async ({ page }) => {
        await signIn(page, s, "alice");
        await page.getByLabel("Presence").selectOption("available");
        await expectPresence(s, "alice", "available");
        await s.inbound(
          "webchat",
          msg("live-1", { author: { id: "c1", name: "Marc Petit" }, categories: ["billing"] }),
        );
        const item = page.getByRole("link", { name: "Marc Petit" });
        await item.waitFor();
        await expectText(page.locator(".countdown"), /Accept within 0:0\d/);
        await screenshot(page, "10-offer-countdown");
        await item.waitFor({ state: "detached", timeout: 20_000 });
        await expectText(page.locator(".toasts"), "The offer from Marc Petit was withdrawn");
        // awayOnMiss: the presence control follows.
        await expectValue(page.getByLabel("Presence"), "away");
      });
    } finally {
      await s.close();
    }
  },
);

browserTest(
  "routing view - updates live: new messages, returns from Deferred, closed conversations",
  async (t) => {
    const s = await startServer({ tickMs: 300 });
    try {
      await withSession("live", async ({ page }) => {
        await signIn(page, s, "alice");
        await page.getByLabel("Presence").selectOption("available");
        await expectPresence(s, "alice", "available");
        const posted = await s.inbound(
          "webchat",
          msg("live-2", {
            author: { id: "c2", name: "Nina Roux" },
            categories: ["billing"],
            body: "First question",
          }),
        );
        const id = posted.body.interactionId as string;
        await page.getByRole("link", { name: "Nina Roux" }).click();
        await page.getByRole("heading", { name: "Nina Roux" }).waitFor();
        await t.step("a new customer message appears in the open thread, with a sound", async () => {
          const before = await storeValue<number>(page, "rv.chimes()");
          await s.inbound(
            "webchat",
            msg("live-2", { author: { id: "c2", name: "Nina Roux" }, body: "Are you still there?" }),
          );
          await page.locator(".msg-customer").getByText("Are you still there?").waitFor();
          await page.waitForFunction((n) => (globalThis as any).__routingView.chimes() > n, before);
        });

        await t.step("a muted thread makes no sound", async () => {
          await page.getByRole("button", { name: "Mute", exact: true }).click();
          await expectText(page.locator(".toasts"), "Thread muted");
          assert.equal(
            await page.getByRole("button", { name: "Mute", exact: true }).getAttribute("aria-pressed"),
            "true",
          );
          const before = await storeValue<number>(page, "rv.chimes()");
          await s.inbound(
            "webchat",
            msg("live-2", { author: { id: "c2", name: "Nina Roux" }, body: "Hello?" }),
          );
          // The live handler that shows the message decides the chime in the same turn: once the
          // message is on screen, a chime would already be counted.
          await page.locator(".msg-customer").getByText("Hello?").waitFor();
          assert.equal(await storeValue<number>(page, "rv.chimes()"), before);
        });

        await t.step("a deferred interaction comes back to In progress by itself", async () => {
          const alice = await api(s, "alice");
          const r = await alice.act(id, "defer", { until: new Date(Date.now() + 2500).toISOString() });
          assert.equal(r.status, 200);
          await expectText(page.locator('[data-count="deferred"]'), "1");
          await expectText(page.locator(".toasts"), "Nina Roux is back from Deferred", 20_000).catch(
            async (e) => {
              console.log(
                await storeValue(page, "JSON.stringify(rv.log)"),
                await interaction(s, "alice", id),
              );
              throw e;
            },
          );
          await expectText(page.locator('[data-count="deferred"]'), "0");
          await page.locator('.items[data-folder="in_progress"]').getByRole("link", { name: "Nina Roux" })
            .waitFor();
        });

        await t.step("the customer closing the conversation shows a banner", async () => {
          await s.event("webchat", { type: "conversation.closed", thread: { id: "live-2" } });
          await expectText(page.locator('[data-banner="closed"]'), "The conversation was closed");
          await screenshot(page, "11-conversation-closed");
        });
      });
    } finally {
      await s.close();
    }
  },
);

browserTest(
  "routing view - a dropped event stream shows a reconnecting state and recovers without losing events",
  async () => {
    const s = await startServer();
    const proxy = startProxy(s.url);
    try {
      await withSession("reconnect", async ({ page }) => {
        await signIn(page, proxy, "alice");
        await page.getByLabel("Presence").selectOption("available");
        await expectPresence(s, "alice", "available");
        proxy.down();
        await page.getByRole("status").filter({ hasText: "Connection lost. Reconnecting…" }).waitFor();
        await screenshot(page, "12-reconnecting");
        // Events that happen while the page is cut off...
        await s.inbound(
          "webchat",
          msg("drop-1", { author: { id: "d1", name: "Offline Olga" }, categories: ["billing"] }),
        );
        await s.settle();
        proxy.up();
        // ...arrive once the stream is back (the server replays after Last-Event-ID).
        await page.getByRole("link", { name: "Offline Olga" }).waitFor({ timeout: 30_000 });
        await waitLive(page);
        assert.equal(await page.getByText("Connection lost. Reconnecting…").count(), 0);
      });
    } finally {
      await proxy.close();
      await s.close();
    }
  },
);

browserTest(
  "routing view - shows media, documents, structured cards and context data, and folds answered messages",
  async () => {
    const s = await startServer();
    try {
      await withSession("content", async ({ page }) => {
        await signIn(page, s, "alice");
        await page.getByLabel("Presence").selectOption("available");
        await expectPresence(s, "alice", "available");
        // Same-origin media (the server's own asset) so the page can load it under its CSP.
        const base = new URL(s.url).origin;
        const posted = await s.inbound(
          "webchat",
          msg("rich-1", {
            author: { id: "r1", name: "Rita Rich" },
            categories: ["billing"],
            body: "First, a question.",
          }),
        );
        const id = posted.body.interactionId as string;
        await page.getByRole("link", { name: "Rita Rich" }).click();
        await page.getByRole("heading", { name: "Rita Rich" }).waitFor();
        const alice = await api(s, "alice");
        assert.equal((await alice.act(id, "reply", { body: "Happy to help." })).status, 201);
        const extras = [
          {
            body: "Here are my files",
            attachments: [
              { url: `${base}/healthz?img=anim.gif`, name: "anim.gif", contentType: "image/gif" },
              { url: `${base}/healthz?v=clip.mp4`, name: "clip.mp4", contentType: "video/mp4" },
              {
                url: `${base}/healthz?d=invoice.pdf`,
                name: "invoice.pdf",
                contentType: "application/pdf",
                size: 48_000,
              },
            ],
          },
          {
            body: "Choose",
            structured: {
              type: "quick_replies",
              options: [{ label: "Yes", payload: "yes" }, { label: "No", payload: "no" }],
            },
          },
          {
            body: "Look",
            structured: {
              type: "rich_link",
              url: "https://example.com/p/1",
              title: "Blue mug",
              description: "A nice mug",
            },
          },
          {
            body: "Template",
            structured: { type: "template", title: "Order confirmation", body: "Order A1 is confirmed" },
          },
          {
            body: "Carousel",
            structured: { type: "carousel", items: [{ title: "Mug" }, { title: "Scarf" }] },
          },
          { body: "Context", contextData: { orderId: "A1", total: 42 } },
        ];
        for (const extra of extras) {
          assert.equal(
            (await s.inbound("webchat", msg("rich-1", { author: { id: "r1", name: "Rita Rich" }, ...extra })))
              .status,
            202,
          );
        }
        const thread = page.locator(".messages");
        await thread.locator(".card-carousel").waitFor();
        await thread.locator(".att-image img[alt='anim.gif']").waitFor();
        await thread.locator("video.att-video").waitFor();
        await expectText(thread.locator(".att-file"), "invoice.pdf");
        await expectText(thread.locator(".att-file .file-ext"), "PDF");
        await expectText(thread.locator(".card-quick_replies"), "Yes");
        await expectText(thread.locator(".card-rich_link"), "Blue mug");
        await expectText(thread.locator(".card-template"), "Order confirmation");
        await expectText(thread.locator(".card-carousel"), "Scarf");
        await expectText(page.locator(".details"), "orderId");
        // The answered first question and the agent's reply are folded, the newest are open.
        const fold = page.getByRole("button", { name: "Show message" });
        assert.equal(await fold.count(), 2);
        await fold.first().click();
        assert.equal(await page.getByRole("button", { name: "Show message" }).count(), 1);
        await thread.getByText("First, a question.").waitFor();
        await screenshot(page, "06-rich-content");
      });
    } finally {
      await s.close();
    }
  },
);
