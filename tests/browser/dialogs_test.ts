/**
 * Every dialog of the routing view (U5) against a real server: categorize, change language,
 * audit log, defer (presets), resume, transfer (force only for supervisors), the disposition
 * window with the smart-closure option, print preview, and the idle prompt.
 */
import assert from "node:assert/strict";
import {
  api,
  eventually,
  expectPresence,
  expectText,
  interaction,
  msg,
  startServer,
  testConfig,
} from "./fixtures.ts";
import { browserTest, screenshot, signIn, withSession } from "./browser.ts";
import type { Page } from "playwright-core";

const SOURCES = [
  {
    id: "webchat",
    name: "Web chat",
    kind: "chat",
    group: "realtime",
    secret: "webchat-secret-0123456789",
    callbackUrl: null,
    teams: ["support"],
    defaultLanguage: "en",
  },
  {
    id: "wa",
    name: "WhatsApp",
    kind: "messaging",
    group: "realtime",
    secret: "whatsapp-secret-0123456789",
    callbackUrl: null,
    teams: ["support"],
    defaultLanguage: "en",
    dispositionRequired: true,
    smartClosure: { enabled: true, timeout: 600 },
  },
];

async function available(page: Page) {
  await page.getByLabel("Presence").selectOption("available");
}

/** Opens a dialog by its action button and returns the dialog locator. */
async function open(page: Page, action: string, title: string) {
  await page.getByRole("button", { name: action, exact: true }).click();
  const dialog = page.getByRole("dialog", { name: title });
  await dialog.waitFor();
  return dialog;
}

browserTest(
  "dialogs - categorize, language, audit log, defer, resume, transfer, disposition and print work",
  async (t) => {
    const s = await startServer({ config: await testConfig({ sources: SOURCES }) });
    try {
      const bob = await api(s, "bob");
      await withSession("dialogs", async ({ page }) => {
        await signIn(page, s, "alice");
        await available(page);
        await expectPresence(s, "alice", "available");
        const first = await s.inbound(
          "webchat",
          msg("dlg-1", {
            author: { id: "p1", name: "Paul Martin" },
            categories: ["billing"],
            body: "Where is my parcel?",
          }),
        );
        const id = first.body.interactionId as string;
        await page.getByRole("link", { name: "Paul Martin" }).click();
        await page.getByRole("heading", { name: "Paul Martin" }).waitFor();

        await t.step("categorize thread", async () => {
          const d = await open(page, "Categorize thread", "Categorize thread");
          await screenshot(page, "20-dialog-categorize");
          // Focus moved into the dialog, and the workspace behind it is hidden from assistive tech.
          assert.equal(await page.evaluate(() => document.activeElement?.closest("dialog") !== null), true);
          assert.equal(await page.getByRole("button", { name: "Defer", exact: true }).count(), 0);
          await d.getByLabel("Tech").check();
          await d.getByRole("button", { name: "Save" }).click();
          await expectText(page.locator(".toasts"), "Categories saved");
          await expectText(page.locator(".details"), "Tech");
          assert.equal(await page.getByRole("dialog").count(), 0);
          // Focus came back to the button that opened the dialog.
          assert.equal(
            await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.action),
            "categorize",
          );
        });

        await t.step("change language", async () => {
          const d = await open(page, "Change language", "Change language");
          await d.getByLabel("Thread language").selectOption("fr");
          await d.getByRole("button", { name: "Save" }).click();
          await expectText(page.locator(".toasts"), "Language changed");
          await expectText(page.locator(".details"), "French");
        });

        await t.step("view audit log", async () => {
          const d = await open(page, "View audit log", "Audit log");
          // Each entry reads as a sentence (desk/audit_text.ts), not as raw fields.
          await expectText(d.locator('tr[data-audit-type="accepted"]'), "Alice accepted the interaction");
          await expectText(
            d.locator('tr[data-audit-type="thread.categorized"]'),
            "Alice set the thread's categories",
          );
          await expectText(
            d.locator('tr[data-audit-type="message.customer"]'),
            "wrote: “Where is my parcel?”",
          );
          assert.equal(await d.getByText("agentId").count(), 0);
          await screenshot(page, "21-dialog-audit");
          await page.keyboard.press("Escape");
          await d.waitFor({ state: "detached" });
        });

        await t.step("print preview", async () => {
          const d = await open(page, "Print thread", "Print preview");
          await d.getByLabel("Include folded messages").check();
          await d.locator(".print-sheet").getByText("Where is my parcel?").waitFor();
          await d.getByRole("button", { name: "Cancel" }).click();
          await d.waitFor({ state: "detached" });
        });

        await t.step("defer with a preset, then resume from Deferred", async () => {
          const d = await open(page, "Defer", "Defer interaction");
          for (const preset of ["In 1 hour", "In 3 hours", "Tomorrow 9:00", "Next Monday 9:00"]) {
            await d.getByLabel(preset).waitFor();
          }
          await d.getByLabel("Date and time").waitFor();
          await screenshot(page, "22-dialog-defer");
          await d.getByLabel("In 3 hours").check();
          await d.getByRole("button", { name: "Defer" }).click();
          await expectText(page.locator(".toasts"), "Interaction deferred until");
          const deferred = await interaction(s, "alice", id);
          assert.equal(deferred.state, "deferred");
          const hours = (Date.parse(deferred.deferredUntil) - Date.now()) / 3600_000;
          assert.ok(hours > 2.9 && hours <= 3, `deferred ${hours} h`);
          await expectText(page.locator('[data-count="deferred"]'), "1");
          await page.getByRole("link", { name: "Deferred", exact: true }).click();
          await page.getByRole("button", { name: "Resume", exact: true }).click();
          await expectText(page.locator(".toasts"), "Interaction resumed");
          assert.equal((await interaction(s, "alice", id)).state, "active");
          await expectText(page.locator('[data-count="deferred"]'), "0");
        });

        await t.step("transfer to an agent with a comment (no force toggle for agents)", async () => {
          await bob.presence("available");
          const d = await open(page, "Transfer", "Transfer interaction");
          assert.equal(await d.getByLabel("Bypass queue and force assignment to agent").count(), 0);
          await d.getByLabel("Agent", { exact: true }).selectOption("bob");
          await d.getByLabel("Comment for the receiver").fill("Customer waits for a parcel, see order A1.");
          await screenshot(page, "23-dialog-transfer");
          await d.getByRole("button", { name: "Transfer" }).click();
          await expectText(page.locator(".toasts"), "Interaction transferred");
          await page.locator(".items").getByRole("link", { name: "Paul Martin" }).waitFor({
            state: "detached",
          });
          await eventually(
            async () => (await bob.folder("in_progress")).some((i) => i.id === id),
            10_000,
            "offered to bob",
          );
        });

        await t.step("complete with a disposition and the smart-closure option", async () => {
          await bob.presence("away");
          const second = await s.inbound(
            "wa",
            msg("dlg-2", { author: { id: "p2", name: "Lina Morel" }, categories: ["billing"] }),
          );
          await page.getByRole("link", { name: "Lina Morel" }).click();
          await page.getByRole("heading", { name: "Lina Morel" }).waitFor();
          const d = await open(page, "Complete", "Complete interaction");
          await d.getByRole("button", { name: "Complete" }).click();
          await expectText(d.getByRole("alert"), "Choose a disposition");
          await d.getByLabel("Disposition").selectOption("solved");
          await d.getByLabel("Notes").fill("Refund sent.");
          await d.getByLabel("Wait for a reply before smart closure").check();
          await screenshot(page, "24-dialog-disposition");
          await d.getByRole("button", { name: "Complete" }).click();
          await expectText(page.locator(".toasts"), "Smart closure started");
          const done = await interaction(s, "alice", second.body.interactionId);
          assert.equal(done.state, "closing");
          assert.deepEqual(done.disposition, { categoryId: "solved", notes: "Refund sent." });
          assert.equal(done.closing.waitForReply, true);
        });
      });

      await t.step("a supervisor gets the force toggle", async () => {
        await withSession("force", async ({ page }) => {
          await signIn(page, s, "sup");
          await available(page);
          await expectPresence(s, "sup", "available");
          await s.inbound(
            "webchat",
            msg("dlg-3", { author: { id: "p3", name: "Omar Blanc" }, categories: ["tech"] }),
          );
          await page.getByRole("link", { name: "Omar Blanc" }).click();
          await page.getByRole("heading", { name: "Omar Blanc" }).waitFor();
          const d = await open(page, "Transfer", "Transfer interaction");
          await d.getByLabel("Agent", { exact: true }).selectOption("bob");
          await d.getByLabel("Bypass queue and force assignment to agent").check();
          await d.getByRole("button", { name: "Transfer" }).click();
          await expectText(page.locator(".toasts"), "Interaction transferred");
        });
      });
    } finally {
      await s.close();
    }
  },
);

browserTest("dialogs - the idle prompt offers Defer, Transfer and Complete", async () => {
  const config = await testConfig({
    routing: {
      strategy: "least_occupied",
      acceptTimeout: null,
      idleTimeout: 1.5,
      awayOnMiss: true,
      stickyWindow: 86400,
    },
  });
  const s = await startServer({ config, tickMs: 300 });
  try {
    await withSession("idle", async ({ page }) => {
      await signIn(page, s, "alice");
      await available(page);
      await expectPresence(s, "alice", "available");
      const r = await s.inbound(
        "webchat",
        msg("idle-1", { author: { id: "i1", name: "Quiet Quentin" }, categories: ["billing"] }),
      );
      await page.getByRole("link", { name: "Quiet Quentin" }).click();
      const d = page.getByRole("dialog", { name: "This conversation is idle" });
      await d.waitFor({ timeout: 20_000 });
      for (const name of ["Defer", "Transfer", "Complete"]) {
        assert.equal(await page.getByRole("button", { name, exact: true }).count(), 1, name);
      }
      await screenshot(page, "25-idle-prompt");
      await d.getByRole("button", { name: "Complete", exact: true }).click();
      await expectText(page.locator(".toasts"), "Interaction completed");
      assert.equal((await interaction(s, "alice", r.body.interactionId)).state, "completed");
    });
  } finally {
    await s.close();
  }
});
