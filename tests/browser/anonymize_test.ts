// deno-lint-ignore-file no-explicit-any -- API bodies in tests are untyped JSON
/**
 * Anonymising a message from the routing view (issue 6): the "Anonymize" message action shows
 * only for roles with the `anonymize` permission, asks for confirmation, and the message turns
 * into "[anonymized]" at once for the supervisor and live for the agent who owns the thread.
 */
import assert from "node:assert/strict";
import { api, detail, expectPresence, expectText, msg, startServer, testConfig } from "./fixtures.ts";
import { testRoles } from "../harness.ts";
import { browserTest, screenshot, signIn, waitLive, withSession } from "./browser.ts";
import type { Page } from "playwright-core";

/** Hovers message `id` and returns its row (the action bar moves next to it). */
async function hoverMessage(page: Page, id: string) {
  const row = page.locator(`.msg[data-message-id="${id}"]`);
  await row.hover();
  await row.locator(".action-bar").waitFor();
  return row;
}

browserTest(
  "anonymize - a supervisor anonymizes a message after confirming; the owner sees it change live",
  async (t) => {
    const config = await testConfig({ roles: testRoles([], ["anonymize"]) });
    const s = await startServer({ config });
    try {
      const alice = await api(s, "alice");
      assert.equal((await alice.req("PUT", "/api/v1/me/presence", { presence: "available" })).status, 200);
      const posted = await s.inbound(
        "webchat",
        msg("anon-1", {
          author: { id: "z1", name: "Zoé Privée" },
          categories: ["billing"],
          body: "My card number is 4111 1111 1111 1111",
        }),
      );
      const id = posted.body.interactionId as string;
      assert.equal((await alice.act(id, "accept")).status, 200);
      await s.inbound(
        "webchat",
        msg("anon-1", { author: { id: "z1", name: "Zoé Privée" }, body: "Mon adresse : 3 rue des Lilas" }),
      );
      const messages = (await detail(s, "alice", id)).messages as any[];
      const card = messages.find((m) => m.body.includes("4111")).id as string;
      const address = messages.find((m) => m.body.includes("Lilas")).id as string;

      await withSession("anonymize-owner", async ({ page: owner }) => {
        await signIn(owner, s, "alice");
        await expectPresence(s, "alice", "available");
        await owner.goto(`${s.url}/?i=${id}`);
        await waitLive(owner);
        const ownerRow = owner.locator(`.msg[data-message-id="${card}"]`);
        await ownerRow.getByText("My card number is 4111 1111 1111 1111").waitFor();

        await t.step("an agent without the permission has no Anonymize action", async () => {
          await hoverMessage(owner, card);
          assert.equal(await owner.getByRole("button", { name: "Defer", exact: true }).count(), 1);
          assert.equal(await owner.getByRole("button", { name: "Anonymize", exact: true }).count(), 0);
        });

        await withSession("anonymize-supervisor", async ({ page: sup }) => {
          await signIn(sup, s, "sup");
          await sup.goto(`${s.url}/?i=${id}`);
          await waitLive(sup);
          await sup.getByRole("heading", { name: "Zoé Privée" }).waitFor();

          await t.step(
            "the action shows on the hovered message only, and Cancel changes nothing",
            async () => {
              // Docked in the header, the bar carries interaction actions only.
              assert.equal(await sup.getByRole("button", { name: "Anonymize", exact: true }).count(), 0);
              const row = await hoverMessage(sup, card);
              const button = row.getByRole("button", { name: "Anonymize", exact: true });
              assert.equal(await button.count(), 1);
              await screenshot(sup, "40-anonymize-hover");
              await button.click();
              const dialog = sup.getByRole("dialog", { name: "Anonymize message" });
              await dialog.waitFor();
              await expectText(dialog, "My card number is 4111 1111 1111 1111");
              await expectText(dialog, "This cannot be undone.");
              // The safe choice has the focus.
              assert.equal(
                await sup.evaluate(() => document.activeElement?.textContent),
                "Cancel",
              );
              await screenshot(sup, "41-anonymize-confirm");
              await dialog.getByRole("button", { name: "Cancel" }).click();
              await dialog.waitFor({ state: "detached" });
              const m = (await detail(s, "sup", id)).messages.find((x: any) => x.id === card);
              assert.equal(m.anonymized, false);
              assert.match(m.body, /4111/);
            },
          );

          await t.step("confirming anonymizes it for the supervisor at once", async () => {
            const row = await hoverMessage(sup, card);
            await row.getByRole("button", { name: "Anonymize", exact: true }).click();
            const dialog = sup.getByRole("dialog", { name: "Anonymize message" });
            await dialog.getByRole("button", { name: "Anonymize", exact: true }).click();
            await dialog.waitFor({ state: "detached" });
            await expectText(sup.locator(".toasts"), "Message anonymized");
            const supRow = sup.locator(`.msg[data-message-id="${card}"]`);
            await expectText(supRow.locator(".msg-bubble"), "[anonymized]");
            await expectText(supRow.locator(".badge-anonymized"), "Anonymized");
            assert.equal(await sup.getByText("4111 1111 1111 1111").count(), 0);
            // Already anonymized: nothing left to anonymize on it.
            await supRow.hover();
            await supRow.locator(".action-bar").waitFor();
            assert.equal(await supRow.getByRole("button", { name: "Anonymize", exact: true }).count(), 0);
            await screenshot(sup, "42-anonymized");
            const m = (await detail(s, "sup", id)).messages.find((x: any) => x.id === card);
            assert.equal(m.body, "[anonymized]");
            assert.equal(m.anonymized, true);
          });
        });

        await t.step({
          name: "the owner's open thread updates live, without a reload",
          fn: async () => {
            await expectText(ownerRow.locator(".msg-bubble"), "[anonymized]");
            assert.equal(await owner.getByText("4111 1111 1111 1111").count(), 0);
            await screenshot(owner, "43-anonymized-live-for-owner");
          },
        });

        await t.step("the audit log says who anonymized what, never the content", async () => {
          const threadId = (await detail(s, "sup", id)).thread.id;
          const rows = await (await api(s, "sup")).req("GET", `/api/v1/threads/${threadId}/audit`);
          const entry = rows.body.items.find((e: any) => e.type === "message.anonymized");
          assert.equal(
            entry.summary,
            "Sup anonymized a customer message: its content was removed everywhere",
          );
        });
      });

      await t.step("in French, by keyboard: « Anonymiser » on the focused message", async () => {
        await withSession("anonymize-fr", async ({ page }) => {
          await signIn(page, s, "sup");
          await page.goto(`${s.url}/?i=${id}`);
          await waitLive(page);
          await page.getByLabel("Language").selectOption("fr");
          const row = page.locator(`.msg[data-message-id="${address}"]`);
          await row.focus();
          const button = row.getByRole("button", { name: "Anonymiser", exact: true });
          await button.waitFor();
          assert.equal(await button.getAttribute("data-action"), "anonymize");
          await button.focus();
          await page.keyboard.press("Enter");
          const dialog = page.getByRole("dialog", { name: "Anonymiser le message" });
          await dialog.waitFor();
          await expectText(dialog, "Cette action est irréversible.");
          await screenshot(page, "44-anonymize-confirm-fr");
          await dialog.getByRole("button", { name: "Anonymiser", exact: true }).click();
          await expectText(page.locator(".toasts"), "Message anonymisé");
          await expectText(row.locator(".msg-bubble"), "[anonymized]");
        });
      });
    } finally {
      await s.close();
    }
  },
);
