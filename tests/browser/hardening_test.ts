/**
 * In Chromium: the demo shop runs under the pages' strict CSP with the widget fully styled (a
 * constructed stylesheet, not a <style> element the CSP would block), and no page logs a
 * console error — no CSP violation, no favicon 404.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { startServer } from "./fixtures.ts";
import { browserTest, signIn, withSession } from "./browser.ts";
import { openShop } from "./webchat_support.ts";

function consoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`${m.text()} (${m.location().url})`);
  });
  page.on("requestfailed", (r) => errors.push(`request failed: ${r.url()}`));
  page.on("response", (r) => {
    if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`);
  });
  return errors;
}

browserTest(
  "hardening - the demo shop and the desk load under the strict CSP without a console error",
  async (t) => {
    const s = await startServer();
    try {
      await t.step("demo shop: the widget is styled and nothing is blocked", async () => {
        await withSession("demo-csp", async ({ page }) => {
          const errors = consoleErrors(page);
          await openShop(page, s);
          const launcher = page.getByRole("button", { name: "Chat with us" });
          await launcher.waitFor();
          assert.equal(await launcher.evaluate((el) => getComputedStyle(el).position), "fixed");
          await page.getByRole("button", { name: "Add to cart" }).first().click();
          assert.equal(await page.locator("#cart-count").textContent(), "1", "the shop's own script runs");
          // Favicons are fetched lazily: give the browser a moment to ask for it.
          await page.waitForLoadState("networkidle");
          assert.deepEqual(errors, []);
        });
      });
      await t.step("sign-in page and routing view: no console error", async () => {
        await withSession("desk-console", async ({ page }) => {
          const errors = consoleErrors(page);
          await signIn(page, s, "alice");
          await page.waitForLoadState("networkidle");
          assert.deepEqual(errors, []);
        });
      });
    } finally {
      await s.close();
    }
  },
);
