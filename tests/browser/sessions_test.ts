/**
 * Sessions that end (SPEC M1b) as the agent sees them: when an admin disables an agent or
 * changes their password, the open routing view shows the signed-out state at once (why, and a
 * link to sign in again), in English and in French, instead of failing silently.
 */
import assert from "node:assert/strict";
import { expectText, startServer, type TestServer } from "./fixtures.ts";
import { browserTest, screenshot, signIn, storeValue, waitLive, withSession } from "./browser.ts";
import { PASSWORD } from "../harness.ts";
import { putConfig, redactedConfig } from "../../desk/admin.ts";
import { FILE_ACTOR } from "../../actors/config_version.ts";

/** Changes one agent's configuration the way an admin's save does. */
async function changeAgent(s: TestServer, id: string, change: Record<string, unknown>) {
  const current = redactedConfig(s.desk.config) as { agents: { id: string }[] };
  await putConfig(
    s.desk,
    {
      ...current,
      agents: current.agents.map((a) => (a.id === id ? { ...a, ...change } : a)),
    },
    FILE_ACTOR,
    null,
  );
}

browserTest("sessions - the routing view shows the signed-out state when the session ends", async (t) => {
  const s = await startServer();
  try {
    await t.step("disabled: the reason and a link to sign in again, in English", async () => {
      await withSession("signed-out-en", async ({ page }) => {
        await signIn(page, s, "alice");
        await changeAgent(s, "alice", { disabled: true });
        const dialog = page.getByRole("alertdialog", { name: "You are signed out" });
        await dialog.waitFor();
        await expectText(dialog, "An administrator disabled your account.");
        assert.equal(await storeValue(page, "rv.store.live.value"), "open", "the stream is not reopened");
        await screenshot(page, "sessions-01-signed-out");
        await dialog.getByRole("link", { name: "Sign in again" }).click();
        await page.waitForURL(s.url + "/login");
      });
    });

    await t.step("a new password: the same state in French", async () => {
      await withSession("signed-out-fr", async ({ page }) => {
        await page.goto(s.url + "/login");
        await page.getByLabel("Identifiant").fill("bob");
        await page.getByLabel("Mot de passe").fill(PASSWORD);
        await page.getByRole("button", { name: "Se connecter" }).click();
        await waitLive(page);
        await changeAgent(s, "bob", { password: "another-password-1" });
        const dialog = page.getByRole("alertdialog", { name: "Vous êtes déconnecté" });
        await dialog.waitFor();
        await expectText(dialog, "Votre mot de passe a été changé.");
        await dialog.getByRole("link", { name: "Se reconnecter" }).waitFor();
      }, { locale: "fr-FR" });
    });
  } finally {
    await s.close();
  }
});
