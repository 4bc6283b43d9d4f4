/**
 * Reply assistant, ask an expert and the print view in a real Chromium against a real server:
 * the pen panel (search, click to insert), shortcut expansion in the reply box, the expert
 * dialog (lines removed, the 1,500-character limit, the question delivered) and the print
 * preview page (screenshots in test-artifacts/).
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { api, eventually, expectText, msg, startServer } from "./fixtures.ts";
import { browserTest, screenshot, signIn, withSession } from "./browser.ts";
import { startCallbackServer } from "../harness.ts";
import { assistConfig, EXPERT_SECRET } from "../assist_support.ts";

async function openOffer(page: Page, name: string) {
  await page.getByRole("link", { name }).click();
  await page.getByRole("heading", { name }).waitFor();
  await page.getByLabel("Reply", { exact: true }).waitFor();
  await eventually(
    async () => !(await page.getByLabel("Reply", { exact: true }).isDisabled()),
    15_000,
    "reply box enabled",
  );
}

browserTest(
  "assistant - pen panel, shortcuts, ask an expert and the print view work in the browser",
  async (t) => {
    const expert = await startCallbackServer();
    const s = await startServer({
      config: await assistConfig([{
        id: "bob",
        name: "Bob Expert",
        webhookUrl: expert.url,
        secret: EXPERT_SECRET,
      }]),
    });
    try {
      // A past answer for "similar questions": Alice answered it earlier through the API.
      const alice = await api(s, "alice");
      await alice.presence("available");
      const past = await s.inbound(
        "webchat",
        msg("past-1", { body: "My parcel never arrived", language: "en" }),
      );
      await alice.act(past.body.interactionId, "accept");
      await alice.act(past.body.interactionId, "reply", { body: "We shipped a replacement parcel today." });
      await alice.act(past.body.interactionId, "complete");

      await withSession("assistant", async ({ page }) => {
        await signIn(page, s, "alice");
        const r = await s.inbound(
          "webchat",
          msg("br-1", {
            author: { id: "p1", name: "Paul Martin" },
            body: "Hello, where is my parcel? Paul Martin, order 42",
            language: "en",
            categories: ["billing"],
          }),
        );
        assert.equal(r.status, 202);
        await openOffer(page, "Paul Martin");
        const reply = page.getByLabel("Reply", { exact: true });

        await t.step("the pen opens the assistant; a click inserts the entry at the cursor", async () => {
          await reply.fill("Dear customer, ");
          await page.getByRole("button", { name: "Reply assistant" }).click();
          const panel = page.getByRole("region", { name: "Reply assistant" });
          const search = panel.getByLabel("Search the reply assistant");
          await search.fill("refund");
          await panel.locator('[data-entry="refund"]').waitFor();
          await screenshot(page, "60-reply-assistant");
          await panel.locator('[data-entry="refund"]').click();
          await eventually(
            async () =>
              (await reply.inputValue()) ===
                "Dear customer, Refunds reach your account within 5 business days.",
            10_000,
            "inserted entry",
          );
          assert.equal(await panel.count(), 0, "the panel closes after inserting");
        });

        await t.step("answers to similar past questions are listed and inserted", async () => {
          await reply.fill("");
          await page.getByRole("button", { name: "Reply assistant" }).click();
          const panel = page.getByRole("region", { name: "Reply assistant" });
          await panel.getByLabel("Search the reply assistant").fill("parcels arriv");
          await expectText(panel, "We shipped a replacement parcel today.");
          await expectText(panel, "My parcel never arrived");
          await panel.locator("[data-similar]").first().click();
          await eventually(
            async () => (await reply.inputValue()) === "We shipped a replacement parcel today.",
            10_000,
            "inserted answer",
          );
        });

        await t.step(
          "typing /shortcut then a space fills in the entry in the thread's language",
          async () => {
            await reply.fill("");
            await reply.focus();
            await page.keyboard.type("/hello ");
            await eventually(
              async () => (await reply.inputValue()) === "Hello! How can I help you today?",
              10_000,
              "expanded shortcut",
            );
            await page.keyboard.type(" /nothing ");
            await eventually(
              async () => (await reply.inputValue()).endsWith("today? /nothing "),
              10_000,
              "unknown shortcut kept",
            );
            await page.getByRole("button", { name: "Send" }).click();
            await expectText(page.locator(".thread"), "Hello! How can I help you today?");
          },
        );

        await t.step(
          "ask an expert: lines removed, the 1,500-character limit, the question delivered",
          async () => {
            for (let i = 0; i < 8; i++) {
              await s.inbound(
                "webchat",
                msg("br-1", {
                  author: { id: "p1", name: "Paul Martin" },
                  body: `${i} ${"long details ".repeat(16)}`,
                }),
              );
            }
            await page.getByRole("button", { name: "Ask an expert", exact: true }).click();
            const d = page.getByRole("dialog", { name: "Ask an expert" });
            await d.waitFor();
            await d.getByLabel("Expert").selectOption("bob");
            await d.getByLabel("Question").fill("Can we refund the shipping costs?");
            await d.locator(".expert-line").first().waitFor();
            const lines = d.locator(".expert-line");
            assert.equal(await lines.count(), 10);
            await expectText(
              d.locator(".expert-lines"),
              "Customer: Hello, where is my parcel? Customer, order 42",
            );
            assert.ok(!(await d.locator(".expert-lines").textContent())!.includes("Paul"), "names replaced");
            const send = d.getByRole("button", { name: "Send" });
            assert.equal(await send.isDisabled(), true, "over 1,500 characters");
            await expectText(d, "The history is too long");
            await screenshot(page, "61-ask-expert-too-long");
            // Remove lines until the history fits.
            while (await send.isDisabled()) {
              await lines.nth(1).getByRole("button", { name: "Remove line" }).click();
            }
            const kept = await lines.count();
            assert.ok(kept < 10 && kept > 1);
            await screenshot(page, "62-ask-expert");
            await send.click();
            await expectText(page.locator(".toasts"), "Question sent to Bob Expert");
            const got = await eventually(() => expert.received[0], 15_000, "the expert delivery");
            assert.equal(got.json.question, "Can we refund the shipping costs?");
            assert.equal(got.json.history.length, kept);
            assert.ok(!got.body.includes("Paul"));
          },
        );

        await t.step("the print view previews the thread with its filter and prints it", async () => {
          const threadId = r.body.threadId as string;
          await page.goto(`${s.url}/threads/${threadId}/print?folded=include`);
          await page.locator(".pv-msg").first().waitFor();
          await expectText(page.locator(".pv-sheet"), "Hello, where is my parcel?");
          await expectText(page.locator(".pv-sheet"), "Hello! How can I help you today?");
          await page.getByRole("button", { name: "Print" }).waitFor();
          await screenshot(page, "63-print-view");
          // Filter by text through the form.
          await page.getByLabel("Text").fill("order 42");
          await page.getByRole("button", { name: "Apply" }).click();
          await page.waitForURL(/q=order\+42/);
          assert.equal(await page.locator(".pv-msg").count(), 1);
          // A filter selecting nothing explains itself.
          await page.getByLabel("Text").fill("no such words");
          await page.getByRole("button", { name: "Apply" }).click();
          await expectText(page.getByRole("alert"), "No message matches this filter.");
          // Print media: the toolbar is hidden, the sheet stays.
          await page.goto(`${s.url}/threads/${threadId}/print?folded=include`);
          await page.emulateMedia({ media: "print" });
          assert.equal(await page.locator(".pv-toolbar").isVisible(), false);
          assert.equal(await page.locator(".pv-sheet").isVisible(), true);
          await screenshot(page, "64-print-media");
        });
      });
    } finally {
      await s.close();
      await expert.close();
    }
  },
);
