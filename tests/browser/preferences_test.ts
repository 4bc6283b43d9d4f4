// deno-lint-ignore-file no-explicit-any -- page globals set by the app and the tests are untyped
/**
 * The agent's preferences and ways of working: French and English (from the browser, switchable,
 * remembered per agent), the keyboard (accept, send, next/previous, dialogs), the dark theme,
 * and notifications while the tab is hidden.
 */
import assert from "node:assert/strict";
import { expectPresence, expectText, interaction, msg, startServer } from "./fixtures.ts";
import { browserTest, focusWithin, screenshot, signIn, withSession } from "./browser.ts";

browserTest(
  "preferences - the interface follows the browser's language, switches to French and remembers it",
  async (t) => {
    const s = await startServer();
    try {
      await t.step("a French browser gets the French interface", async () => {
        await withSession("french-browser", async ({ page }) => {
          await page.goto(s.url + "/login");
          await page.getByRole("button", { name: "Se connecter" }).waitFor();
          await page.getByLabel("Identifiant").fill("bob");
          await page.getByLabel("Mot de passe").fill("test-password");
          await page.getByRole("button", { name: "Se connecter" }).click();
          await page.getByRole("link", { name: "En cours", exact: true }).waitFor();
          assert.equal(await page.evaluate(() => document.documentElement.lang), "fr");
        }, { locale: "fr-FR" });
      });

      await t.step("an English browser switches to French; the choice is kept for the agent", async () => {
        await withSession("switch-french", async ({ page }) => {
          await signIn(page, s, "alice");
          await page.getByLabel("Presence").selectOption("available");
          await expectPresence(s, "alice", "available");
          await s.inbound(
            "webchat",
            msg("fr-1", {
              author: { id: "f1", name: "Jeanne Dupont" },
              categories: ["billing"],
              language: "fr",
              body: "Bonjour, ma facture est fausse.",
            }),
          );
          await page.getByRole("link", { name: "Jeanne Dupont" }).click();
          await page.getByRole("heading", { name: "Jeanne Dupont" }).waitFor();
          await page.getByLabel("Language").selectOption("fr");
          await page.getByRole("link", { name: "Différé", exact: true }).waitFor();
          for (
            const [action, name] of [["defer", "Différer"], ["transfer", "Transférer"], [
              "complete",
              "Terminer",
            ], ["audit", "Voir le journal d'audit"]]
          ) {
            const button = page.getByRole("button", { name, exact: true });
            assert.equal(await button.getAttribute("data-action"), action);
          }
          await page.getByRole("textbox", { name: "Réponse" }).waitFor();
          await page.getByRole("button", { name: "Envoyer" }).waitFor();
          await screenshot(page, "40-french");
          await page.reload();
          await page.getByRole("link", { name: "Historique", exact: true }).waitFor();
          await page.getByLabel("Présence").waitFor();
          await page.getByLabel("Langue").selectOption("en");
          await page.getByRole("link", { name: "History", exact: true }).waitFor();
        });
      });
    } finally {
      await s.close();
    }
  },
);

browserTest(
  "preferences - the keyboard reaches accept, send, next and previous, and dialogs keep focus",
  async () => {
    const s = await startServer();
    try {
      await withSession("keyboard", async ({ page }) => {
        await signIn(page, s, "alice");
        await page.getByLabel("Presence").selectOption("available");
        await expectPresence(s, "alice", "available");
        await page.locator("body").click({ position: { x: 700, y: 400 } });
        /** A new offer from `name`, accepted with Alt+A; the server agrees it is active. */
        const acceptFromKeyboard = async (thread: string, name: string) => {
          const r = await s.inbound(
            "webchat",
            msg(thread, { author: { id: `${thread}-c`, name }, categories: ["billing"] }),
          );
          await page.getByRole("link", { name }).waitFor();
          await page.keyboard.press("Alt+a");
          await page.getByRole("heading", { name }).waitFor();
          assert.equal((await interaction(s, "alice", r.body.interactionId)).state, "active");
        };
        await acceptFromKeyboard("kb-1", "Ana Keys");

        // Keys go where focus is: wait for each focus move the way a keyboard user sees it,
        // or the next keys land on the page's single-letter shortcuts.
        await page.keyboard.press("r");
        await focusWithin(page, "#reply-text");
        await page.keyboard.type("Typed and sent from the keyboard.");
        await page.keyboard.press("Control+Enter");
        await page.locator(".msg-agent").getByText("Typed and sent from the keyboard.").waitFor();

        await acceptFromKeyboard("kb-2", "Ben Keys");
        await page.keyboard.press("Alt+ArrowUp");
        await page.getByRole("heading", { name: "Ana Keys" }).waitFor();
        await page.keyboard.press("Alt+ArrowDown");
        await page.getByRole("heading", { name: "Ben Keys" }).waitFor();

        // A dialog opened from the keyboard takes focus, traps it, and gives it back on Escape.
        await page.getByRole("button", { name: "Defer", exact: true }).focus();
        await page.keyboard.press("Enter");
        const dialog = page.getByRole("dialog", { name: "Defer interaction" });
        await dialog.waitFor();
        await focusWithin(page, "dialog");
        for (let i = 0; i < 12; i++) {
          await page.keyboard.press("Tab");
          assert.ok(
            await page.evaluate(() => !!document.activeElement?.closest("dialog")),
            "focus stays in the dialog",
          );
        }
        await page.keyboard.press("Escape");
        await dialog.waitFor({ state: "detached" });
        await focusWithin(page, '[data-action="defer"]');

        await page.keyboard.press("?");
        const shortcuts = page.getByRole("dialog", { name: "Keyboard shortcuts" });
        await shortcuts.waitFor();
        await focusWithin(page, "dialog");
        await screenshot(page, "41-shortcuts");
        await page.keyboard.press("Escape");
        await shortcuts.waitFor({ state: "detached" });

        // The More actions menu works from the keyboard too. The menu takes focus in an effect
        // after it renders (its Escape handler listens inside it): under load an Escape sent as
        // soon as the items show reached the button, and the menu stayed open.
        await page.getByRole("button", { name: "More actions" }).focus();
        await page.keyboard.press("Enter");
        await page.getByRole("menuitem", { name: "Keyboard shortcuts" }).waitFor();
        await focusWithin(page, "[role=menu]");
        await page.keyboard.press("Escape");
        await page.getByRole("menu").waitFor({ state: "detached" });
        await focusWithin(page, '[data-action="more"]');
      });
    } finally {
      await s.close();
    }
  },
);

browserTest("preferences - dark theme, and notifications when the tab is hidden", async () => {
  const s = await startServer();
  try {
    await withSession("dark", async ({ page, context }) => {
      await context.grantPermissions(["notifications"], { origin: s.url });
      // Headless Chromium cannot hide a tab: pretend it is hidden, and record notifications.
      await page.addInitScript(() => {
        Object.defineProperty(document, "hidden", { get: () => (globalThis as any).__hidden === true });
        const Real = globalThis.Notification;
        const shown: string[] = [];
        (globalThis as any).__notifications = shown;
        class Recorded extends Real {
          constructor(title: string, options?: NotificationOptions) {
            super(title, options);
            shown.push(`${title}: ${options?.body ?? ""}`);
          }
        }
        Object.defineProperty(Recorded, "permission", { get: () => Real.permission });
        globalThis.Notification = Recorded as typeof Notification;
      });
      await signIn(page, s, "alice");
      await page.getByLabel("Presence").selectOption("available");
      await expectPresence(s, "alice", "available");
      await s.inbound(
        "webchat",
        msg("dk-1", {
          author: { id: "d1", name: "Dora Dark" },
          categories: ["billing"],
          body: "Is dark mode on?",
        }),
      );
      await page.getByRole("link", { name: "Dora Dark" }).click();
      await page.getByRole("heading", { name: "Dora Dark" }).waitFor();
      await page.evaluate(() => ((globalThis as any).__hidden = true));
      await s.inbound(
        "webchat",
        msg("dk-2", { author: { id: "d2", name: "Hidden Hugo" }, categories: ["billing"] }),
      );
      await page.waitForFunction(() => (globalThis as any).__notifications.length > 0);
      assert.deepEqual(await page.evaluate(() => (globalThis as any).__notifications), [
        "New interaction: Hidden Hugo",
      ]);
      await page.evaluate(() => ((globalThis as any).__hidden = false));

      // Theme: system → light → dark, kept in a cookie for the next page load. The colours follow:
      // the system's (dark here) first, then the agent's choice over it.
      const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      const DARK_BG = "rgb(18, 21, 27)", LIGHT_BG = "rgb(244, 245, 247)";
      assert.equal(await background(), DARK_BG, "system theme (dark)");
      await page.getByRole("button", { name: /^Theme/ }).click();
      assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), "light");
      assert.equal(await background(), LIGHT_BG, "light chosen over a dark system");
      await page.getByRole("button", { name: /^Theme/ }).click();
      assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), "dark");
      assert.equal(await background(), DARK_BG, "dark chosen");
      await page.reload();
      assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), "dark");
      assert.equal(await background(), DARK_BG, "dark kept after a reload");
      await page.getByRole("link", { name: "Dora Dark" }).click();
      await page.getByRole("heading", { name: "Dora Dark" }).waitFor();
      await expectText(page.locator(".messages"), "Is dark mode on?");
      await screenshot(page, "42-dark-mode");
    }, { colorScheme: "dark" });
  } finally {
    await s.close();
  }
});
