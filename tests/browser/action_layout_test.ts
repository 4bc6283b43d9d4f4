/**
 * "More actions" composition (A16) and Lock closing the thread (A13) in the routing view: a
 * configured `actionLayout` moves actions between the bar and the three-dot menu, and Lock from
 * the menu asks for the disposition the source requires, then completes and locks.
 */
import assert from "node:assert/strict";
import { expectPresence, expectText, interaction, msg, startServer, testConfig } from "./fixtures.ts";
import { browserTest, screenshot, signIn, withSession } from "./browser.ts";
import { testRoles, testSource } from "../harness.ts";

browserTest(
  "action layout - the configured layout moves actions into More actions; Lock there completes",
  async () => {
    const s = await startServer({
      config: await testConfig({
        roles: testRoles(),
        sources: [testSource("webchat", { dispositionRequired: true })],
        actionLayout: { agent: { icons: ["reply", "complete"], menu: ["lock", "transfer"] } },
      }),
    });
    try {
      await withSession("action-layout", async ({ page }) => {
        await signIn(page, s, "alice");
        await page.getByLabel("Presence").selectOption("available");
        await expectPresence(s, "alice", "available");
        const posted = await s.inbound(
          "webchat",
          msg("layout-1", { author: { id: "jd", name: "Jeanne Dupont" } }),
        );
        assert.equal(posted.status, 202);
        const id = posted.body.interactionId as string;
        await page.getByRole("link", { name: "Jeanne Dupont" }).click();
        await expectText(page.locator(".toasts"), "Interaction accepted");
        await page.getByRole("heading", { name: "Jeanne Dupont" }).waitFor();

        // Icons: only the configured ones (and More actions).
        const bar = page.locator(".thread-pane .action-bar, .action-bar").first();
        await bar.getByRole("button", { name: "Complete", exact: true }).waitFor();
        for (const name of ["Reply", "Complete", "More actions"]) {
          assert.equal(
            await page.getByRole("button", { name, exact: true }).count(),
            1,
            `one "${name}" button`,
          );
        }
        for (const name of ["Lock thread", "Transfer", "Defer", "Categorize thread"]) {
          assert.equal(await page.getByRole("button", { name, exact: true }).count(), 0, `no "${name}" icon`);
        }
        // The menu: the configured entries first, then every other permitted action.
        await page.getByRole("button", { name: "More actions", exact: true }).click();
        const menu = page.getByRole("menu", { name: "More actions" });
        await menu.waitFor();
        const items = await menu.getByRole("menuitem").allTextContents();
        const names = items.map((x) => x.trim());
        assert.deepEqual(names.slice(0, 2), ["Lock thread", "Transfer"]);
        for (const name of ["Defer", "Categorize thread", "Print thread", "View audit log"]) {
          assert.ok(names.includes(name), `"${name}" in the menu: ${names.join(", ")}`);
        }
        await screenshot(page, "action-layout-menu");

        // Lock from the menu: the source requires a disposition, so its window comes first.
        await menu.getByRole("menuitem", { name: "Lock thread" }).click();
        const dialog = page.getByRole("dialog", { name: "Lock thread" });
        await dialog.waitFor();
        await dialog.getByLabel("Disposition").selectOption("solved");
        await dialog.getByRole("button", { name: "Lock", exact: true }).click();
        await expectText(page.locator(".toasts"), "Thread locked");
        const done = await interaction(s, "alice", id);
        assert.equal(done.state, "completed");
        assert.equal(done.disposition.categoryId, "solved");
        await screenshot(page, "action-layout-locked");
      });
    } finally {
      await s.close();
    }
  },
);
