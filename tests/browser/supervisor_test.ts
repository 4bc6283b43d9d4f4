/**
 * The supervision page in headless Chromium (U8, M2, M3): the Supervision link, the waiting
 * count and agent rows changing live (the stream's `overview.delta` events applied by the island), Force assign from the page (the chosen agent's routing view shows it),
 * a supervisor setting an agent Away (the agent's page shows it), the trend plots drawn by
 * uPlot, French, and the productivity report's CSV download.
 */
import assert from "node:assert/strict";
import { api, expectText, expectValue, interaction, msg, startServer } from "./fixtures.ts";
import { browserTest, jsErrors, screenshot, signIn, withSession } from "./browser.ts";

browserTest(
  "supervisor - the page is live, force-assigns, sets presence and downloads the report",
  async (t) => {
    const s = await startServer();
    try {
      await withSession("supervisor", async ({ page }) => {
        await signIn(page, s, "sup");
        await t.step("supervisors get the Supervision link; agents get 403 there", async () => {
          await page.getByRole("link", { name: "Supervision" }).click();
          await page.waitForURL(s.url + "/supervisor");
          for (const name of ["Queues", "Agents", "Interactions"]) {
            await page.getByRole("heading", { name, exact: true }).waitFor();
          }
          const alice = await api(s, "alice");
          const r = await fetch(s.url + "/supervisor", { headers: { cookie: `rd_session=${alice.token}` } });
          await r.body?.cancel();
          assert.equal(r.status, 403);
        });

        await t.step("a new inbound changes the waiting count live, and the plots are drawn", async () => {
          const waiting = page.locator('tr[data-queue="webchat"] [data-field="waiting"]');
          await expectText(waiting, "0");
          const posted = await s.inbound(
            "webchat",
            msg("sup-1", { author: { id: "c1", name: "Jeanne Dupont" } }),
          );
          assert.equal(posted.status, 202);
          await expectText(waiting, "1");
          await page.locator('[data-interaction] th:has-text("Jeanne Dupont")').waitFor();
          await page.locator('[data-plot="plot-waiting"] canvas').first().waitFor();
          await page.locator('[data-plot="plot-sl"] canvas').first().waitFor();
          await screenshot(page, "supervisor-01-live");
        });

        await t.step(
          "Force assign from the page makes it active for the chosen agent, whose view shows it",
          async () => {
            const id =
              (await (await api(s, "sup")).req("GET", "/api/v1/supervisor/interactions?state=queued")).body
                .items[0].id as string;
            await withSession("bob-view", async (bob) => {
              await signIn(bob.page, s, "bob");
              await page.locator(`tr[data-interaction="${id}"]`).getByRole("button", { name: "Force assign" })
                .click();
              const dialog = page.getByRole("dialog", { name: "Force assign to an agent" });
              await dialog.waitFor();
              // Nobody is available, so nobody is eligible: the override lists everyone, with the reason.
              await dialog.getByText("Nobody is eligible now").waitFor();
              await dialog.getByLabel("Show every agent (override)").check();
              await dialog.getByRole("radio", { name: /^Bob/ }).check();
              await screenshot(page, "supervisor-02-force-assign");
              await dialog.getByRole("button", { name: "Assign" }).click();
              await dialog.waitFor({ state: "detached" });
              const i = await interaction(s, "sup", id);
              assert.deepEqual([i.state, i.agentId], ["active", "bob"]);
              await bob.page.getByRole("link", { name: /Jeanne Dupont/ }).waitFor();
              await expectText(page.locator(`tr[data-interaction="${id}"] [data-field="agent"]`), "Bob");
              await expectText(page.locator('tr[data-queue="webchat"] [data-field="waiting"]'), "0");
              // Bob's row came in a delta (whole overviews come once a minute): his open count moved.
              await expectText(page.locator('tr[data-agent="bob"] [data-field="open"]'), "1");
              await expectText(page.locator('tr[data-agent="alice"] [data-field="open"]'), "0");
            });
          },
        );

        await t.step("a supervisor sets an agent Away and the agent's page shows it", async () => {
          await withSession("alice-view", async (alice) => {
            await signIn(alice.page, s, "alice");
            await alice.page.getByLabel("Presence").selectOption("available");
            await expectText(page.locator('tr[data-agent="alice"] .sup-since'), "since");
            await expectValue(page.getByLabel("Presence of Alice"), "available");
            await page.getByLabel("Presence of Alice").selectOption("away");
            await expectValue(alice.page.getByLabel("Presence"), "away");
            await expectText(alice.page.getByTestId("presence-by"), "set by Sup");
            await expectText(page.locator('tr[data-agent="alice"] .sup-since'), "set by Sup");
          });
        });

        await t.step("the report page downloads the CSV with its header row", async () => {
          await page.getByRole("link", { name: "Productivity report" }).click();
          await page.waitForURL(s.url + "/supervisor/report");
          await page.getByRole("row", { name: /Bob/ }).waitFor();
          const [download] = await Promise.all([
            page.waitForEvent("download"),
            page.getByRole("link", { name: "Download CSV" }).click(),
          ]);
          const text = await Deno.readTextFile((await download.path())!);
          const [header, ...rows] = text.trim().split("\r\n");
          assert.equal(
            header,
            "agentId,date,offered,accepted,missed,completed,transferredIn,transferredOut,forcedAssignments," +
              "firstResponseAvgSeconds,handleAvgSeconds,agentName,firstResponseP90Seconds,handleP90Seconds",
          );
          assert.ok(rows.some((r) => r.startsWith("bob,")), text);
          await screenshot(page, "supervisor-03-report");
        });
        assert.deepEqual(jsErrors(page), []);
      });

      await t.step("the page speaks French", async () => {
        await withSession("supervisor-fr", async ({ page, context }) => {
          const sup = await api(s, "sup");
          await context.addCookies([{ name: "rd_session", value: sup.token, url: s.url }]);
          await page.goto(s.url + "/supervisor");
          for (const name of ["Files d’attente", "Agents", "Interactions"]) {
            await page.getByRole("heading", { name, exact: true }).waitFor();
          }
        }, { locale: "fr-FR" });
      });
    } finally {
      await s.close();
    }
  },
);
