/**
 * The administration console (SPEC U8, M1, M1a) in Chromium over a real server and KV: forms
 * that change the running desk, the server's validation errors next to their fields, the
 * conflict view when two admins save at once, 403 for other agents, and French labels.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import type { Page } from "playwright-core";
import { PERMISSIONS } from "../../lib/shared/config.ts";
import { testRoles } from "../harness.ts";
import { api, eventually, expectText, msg, startServer, testConfig } from "./fixtures.ts";
import { browserTest, screenshot, signIn, withSession } from "./browser.ts";

/** alice and bob work billing; ada administers (and is never offered work: she stays offline). */
const adminConfig = () =>
  testConfig({ roles: { ...testRoles(), admin: [...PERMISSIONS] } }, [
    { id: "alice", categories: ["billing"], languages: ["en", "fr"] },
    { id: "bob", categories: ["tech"], languages: ["en"] },
    { id: "ada", role: "admin", categories: [], languages: ["en"] },
  ]);

/** Signs in and opens the console (ready once the island hydrated). */
async function openAdmin(page: Page, s: { url: string }, login = "ada", query = ""): Promise<void> {
  await signIn(page, s, login);
  await page.goto(`${s.url}/admin${query}`);
  await page.waitForFunction(() => !!(globalThis as { __admin?: unknown }).__admin);
}

/** The card of one agent in the Agents section, opened. */
async function agentCard(page: Page, name: string) {
  const card = page.locator("#s-agents details.admin-item").filter({
    has: page.locator("summary", { hasText: name }),
  });
  await card.locator("summary").click();
  return card;
}

browserTest(
  "admin - raising an agent's capacity in the form offers a waiting interaction at once",
  async () => {
    const s = await startServer({ config: await adminConfig() });
    try {
      const alice = await api(s, "alice");
      await alice.presence("available");
      for (const n of [1, 2, 3]) await s.inbound("webchat", msg(`cap-${n}`, { categories: ["billing"] }));
      await s.settle();
      // Realtime capacity 2: two offers, the third waits.
      assert.equal((await alice.folder("in_progress")).length, 2);

      await withSession("admin-capacity", async ({ page }) => {
        await signIn(page, s, "ada");
        await page.getByRole("link", { name: "Administration" }).click();
        await page.waitForURL(s.url + "/admin");
        await page.waitForFunction(() => !!(globalThis as { __admin?: unknown }).__admin);
        const card = await agentCard(page, "Alice");
        await card.getByLabel("Own capacity for Real time").check();
        const realtime = card.locator("fieldset", { hasText: "Real time" });
        await realtime.getByLabel("Capacity", { exact: true }).fill("3");
        await realtime.getByLabel("Maximum capacity").fill("3");
        await page.getByRole("button", { name: "Save changes" }).click();
        await expectText(page.getByRole("status").first(), "Saved");
        await screenshot(page, "admin-01-capacity-saved");
      });
      await eventually(async () => (await alice.folder("in_progress")).length === 3, 5000, "the third offer");
      const cfg = await (await api(s, "ada")).req("GET", "/api/v1/admin/config");
      assert.deepEqual(cfg.body.agents.find((a: { id: string }) => a.id === "alice").capacity, {
        realtime: { capacity: 3, maxCapacity: 3 },
      });
    } finally {
      await s.close();
    }
  },
);

browserTest("admin - an invalid value is refused and its error shows next to the field", async () => {
  const s = await startServer({ config: await adminConfig() });
  try {
    const ada = await api(s, "ada");
    const before = await ada.req("GET", "/api/v1/admin/config");
    await withSession("admin-invalid", async ({ page }) => {
      await openAdmin(page, s);
      await page.getByLabel("Accept time limit (seconds)").fill("-5");
      const card = await agentCard(page, "Bob");
      await card.getByLabel("Own capacity for Real time").check();
      await card.locator("fieldset", { hasText: "Real time" }).getByLabel("Capacity", { exact: true }).fill(
        "9",
      );
      await page.getByRole("button", { name: "Save changes" }).click();

      const summary = page.getByRole("alert").filter({ hasText: "problems to fix" });
      await summary.waitFor();
      // The summary takes focus, so a keyboard or screen-reader user lands on it.
      await page.waitForFunction(() => document.activeElement?.classList.contains("admin-summary"));
      const timeout = page.getByLabel("Accept time limit (seconds)");
      assert.equal(await timeout.getAttribute("aria-invalid"), "true");
      const describedBy = await timeout.getAttribute("aria-describedby");
      assert.equal(describedBy, "e-routing.acceptTimeout");
      const next = page.locator(`[id="${describedBy}"]`);
      assert.match(await next.textContent() ?? "", /0|greater|positive/i);
      const capacity = card.locator("fieldset", { hasText: "Real time" }).getByLabel("Capacity", {
        exact: true,
      });
      assert.equal(await capacity.getAttribute("aria-invalid"), "true");
      await expectText(card.locator(".field-errors"), "capacity exceeds maxCapacity");
      await screenshot(page, "admin-02-invalid");

      // The summary's link leads to the field.
      await summary.getByRole("link").filter({ hasText: "routing.acceptTimeout" }).first().click();
      await page.waitForFunction(() => document.activeElement?.id === "f-routing.acceptTimeout");
    });
    const after = await ada.req("GET", "/api/v1/admin/config");
    assert.deepEqual(after.body, before.body, "a refused save changes nothing");
  } finally {
    await s.close();
  }
});

browserTest("admin - two admins saving at once: the second sees what changed and reapplies", async () => {
  const s = await startServer({ config: await adminConfig() });
  try {
    await withSession("admin-first", async (first) => {
      await withSession("admin-second", async (second) => {
        await openAdmin(first.page, s);
        await openAdmin(second.page, s);
        // The first admin changes the strategy and saves.
        await first.page.getByLabel("Routing strategy").selectOption("round_robin");
        await first.page.getByRole("button", { name: "Save changes" }).click();
        await expectText(first.page.getByRole("status").first(), "Saved");
        // The second, who loaded before, changes the sticky window and saves: refused.
        await second.page.getByLabel("Sticky window (seconds)").fill("3600");
        await second.page.getByRole("button", { name: "Save changes" }).click();
        const conflict = second.page.getByRole("region", { name: "Another administrator saved first" });
        await conflict.waitFor();
        await expectText(
          conflict.getByRole("list", { name: "What the other administrator changed" }),
          "routing › strategy",
        );
        await expectText(conflict.getByRole("list", { name: "Your changes" }), "routing › stickyWindow");
        await screenshot(second.page, "admin-03-conflict");
        assert.equal(
          (await (await api(s, "ada")).req("GET", "/api/v1/admin/config")).body.routing.stickyWindow,
          86400,
        );

        await conflict.getByRole("button", { name: "Reapply my changes" }).click();
        assert.equal(await second.page.getByLabel("Routing strategy").inputValue(), "round_robin");
        assert.equal(await second.page.getByLabel("Sticky window (seconds)").inputValue(), "3600");
        await second.page.getByRole("button", { name: "Save changes" }).click();
        await expectText(second.page.getByRole("status").first(), "Saved");
      });
    });
    const routing = (await (await api(s, "ada")).req("GET", "/api/v1/admin/config")).body.routing;
    assert.equal(routing.strategy, "round_robin");
    assert.equal(routing.stickyWindow, 3600);
  } finally {
    await s.close();
  }
});

browserTest("admin - other agents get 403 on /admin and no Administration link", async () => {
  const s = await startServer({ config: await adminConfig() });
  try {
    await withSession("admin-forbidden", async ({ page }) => {
      await signIn(page, s, "alice");
      assert.equal(await page.getByRole("link", { name: "Administration" }).count(), 0);
      const res = await page.goto(s.url + "/admin");
      assert.equal(res?.status(), 403);
      await page.getByRole("heading", { name: "Not permitted" }).waitFor();
      assert.equal(await page.locator("[data-island]").count(), 0);
    });
    const r = await fetch(s.url + "/admin", { redirect: "manual" });
    await r.body?.cancel();
    assert.equal(r.status, 303, "no session: to the sign-in page");
    assert.equal(r.headers.get("location"), "/login");
  } finally {
    await s.close();
  }
});

browserTest("admin - the console speaks French", async () => {
  const s = await startServer({ config: await adminConfig() });
  try {
    await withSession("admin-french", async ({ page }) => {
      await openAdmin(page, s, "ada", "?lang=fr");
      assert.equal(await page.evaluate(() => document.documentElement.lang), "fr");
      await page.getByRole("heading", { name: "Routage", exact: true }).waitFor();
      await page.getByLabel("Délai d'acceptation (secondes)").waitFor();
      await page.getByLabel("Stratégie de routage").waitFor();
      await page.getByRole("button", { name: "Enregistrer" }).waitFor();
      await page.getByRole("heading", { name: "Rôles et permissions" }).waitFor();
      await page.getByRole("link", { name: "Administration" }).waitFor();
      // Ada may also supervise: the rail links the supervision page too.
      await page.getByRole("link", { name: "Supervision" }).waitFor();
      await screenshot(page, "admin-04-french");
    });
  } finally {
    await s.close();
  }
});

browserTest(
  "admin - a new source secret is shown once and signs at once; the old one verifies through the grace period",
  async () => {
    const s = await startServer({ config: await adminConfig() });
    try {
      await withSession("admin-secret", async ({ page }) => {
        await openAdmin(page, s);
        const card = page.locator("#s-sources details.admin-item").filter({
          has: page.locator("summary", { hasText: "Web chat" }),
        });
        await card.locator("summary").click();
        await card.getByRole("button", { name: "Set a new secret" }).click();
        const secret = await card.getByLabel("New secret").inputValue();
        assert.ok(secret.length >= 32, "a long random secret");
        await page.getByRole("button", { name: "Save changes" }).click();
        await expectText(page.getByRole("status").first(), "Saved");
        // Saved: the page no longer holds it, and the API never returns it.
        assert.equal(await card.getByLabel("New secret").count(), 0);
        assert.equal(await page.locator(`input[value="${secret}"]`).count(), 0);
        const cfg = await (await api(s, "ada")).req("GET", "/api/v1/admin/config");
        assert.ok(!JSON.stringify(cfg.body).includes(secret));
        const r = await s.inbound("webchat", msg("after-rotation"), secret);
        assert.equal(r.status, 202, "the new secret signs inbound messages");
        const old = await s.inbound("webchat", msg("grace"), "webchat-secret-0123456789");
        assert.equal(old.status, 202, "the previous secret still verifies during the grace period");
      });
    } finally {
      await s.close();
    }
  },
);

browserTest("admin - export downloads the configuration and import saves an edited copy", async () => {
  const s = await startServer({ config: await adminConfig() });
  try {
    await withSession("admin-as-code", async ({ page }) => {
      await openAdmin(page, s);
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.getByRole("button", { name: "Export JSON" }).click(),
      ]);
      const exported = JSON.parse(await Deno.readTextFile(await download.path()));
      const served = await (await api(s, "ada")).req("GET", "/api/v1/admin/config");
      assert.deepEqual(exported, served.body);

      // An invalid file is refused with its paths, and changes nothing.
      const bad = { ...exported, routing: { ...exported.routing, strategy: "fastest" } };
      await page.locator("#admin-import").setInputFiles({
        name: "bad.json",
        mimeType: "application/json",
        buffer: Buffer.from(JSON.stringify(bad)),
      });
      await expectText(page.getByRole("alert").filter({ hasText: "problems to fix" }), "routing.strategy");
      assert.equal(await page.getByLabel("Routing strategy").getAttribute("aria-invalid"), "true");

      const good = { ...exported, routing: { ...exported.routing, stickyWindow: 7200 } };
      await page.locator("#admin-import").setInputFiles({
        name: "good.json",
        mimeType: "application/json",
        buffer: Buffer.from(JSON.stringify(good)),
      });
      await expectText(page.getByRole("status").first(), "Saved");
      assert.equal(await page.getByLabel("Sticky window (seconds)").inputValue(), "7200");
    });
    const after = await (await api(s, "ada")).req("GET", "/api/v1/admin/config");
    assert.equal(after.body.routing.stickyWindow, 7200);
    assert.equal(after.body.routing.strategy, "least_occupied");
  } finally {
    await s.close();
  }
});

browserTest(
  "admin - versions list what changed, Restore brings an earlier one back, the audit log shows both",
  async () => {
    const s = await startServer({ config: await adminConfig() });
    try {
      await withSession("admin-versions", async ({ page }) => {
        await openAdmin(page, s);
        await page.getByLabel("Sticky window (seconds)").fill("3600");
        await page.getByRole("button", { name: "Save changes" }).click();
        await expectText(page.getByRole("status").first(), "Saved as version");
        const saved = await (await api(s, "ada")).req("GET", "/api/v1/admin/config");
        const v = Number(JSON.parse(saved.headers.get("etag")!));

        await page.getByRole("button", { name: "Show versions" }).click();
        const list = page.locator(".admin-versions");
        const newest = list.locator("li.admin-version").first();
        await expectText(newest, `Version ${v}`);
        await expectText(newest, "Ada");
        await expectText(newest.locator(".admin-version-summary"), "stickyWindow");
        await screenshot(page, "admin-05-versions");

        const previous = list.locator("li.admin-version").filter({ hasText: `Version ${v - 1}` });
        await previous.getByRole("button", { name: "Restore" }).click();
        await expectText(page.getByRole("status").first(), `Version ${v - 1} restored`);
        assert.equal(await page.getByLabel("Sticky window (seconds)").inputValue(), "86400");
        await expectText(list.locator("li.admin-version").first(), `Version ${v + 1}`);

        // Both changes are in the audit log, newest first, with who made them.
        await page.getByRole("button", { name: "Show the audit log" }).click();
        const audit = page.locator(".admin-audit li.admin-version");
        await expectText(audit.first(), "Version restored");
        await expectText(audit.first(), "Ada");
        await expectText(audit.nth(1), "Configuration saved");
      });
      const after = await (await api(s, "ada")).req("GET", "/api/v1/admin/config");
      assert.equal(after.body.routing.stickyWindow, 86400);
    } finally {
      await s.close();
    }
  },
);

browserTest(
  'admin - moving Defer into "More actions" for a role changes that role\'s action bar',
  async () => {
    const s = await startServer({ config: await adminConfig() });
    try {
      await withSession("admin-more-actions", async ({ page }) => {
        await openAdmin(page, s);
        const agentRole = page.locator("#s-actions fieldset").filter({
          has: page.locator("legend", { hasText: /^agent$/ }),
        });
        await agentRole.getByRole("button", { name: "Customize for agent" }).click();
        await agentRole.getByLabel("Defer", { exact: true }).selectOption("menu");
        // Keyboard-reachable ordering: Transfer moves up one place among the icons.
        await agentRole.getByRole("button", { name: "Move Transfer up" }).click();
        await page.getByRole("button", { name: "Save changes" }).click();
        await expectText(page.getByRole("status").first(), "Saved");
      });
      const layout = (await (await api(s, "ada")).req("GET", "/api/v1/admin/config")).body.actionLayout.agent;
      assert.ok(layout.menu.includes("defer") && !layout.icons.includes("defer"));
      assert.ok(layout.icons.indexOf("transfer") < layout.icons.indexOf("categorize"));

      const alice = await api(s, "alice");
      await alice.presence("available");
      await s.inbound(
        "webchat",
        msg("layout-1", { author: { id: "c1", name: "Marc Petit" }, categories: ["billing"] }),
      );
      await s.settle();
      const [offer] = await alice.folder("in_progress");
      assert.equal((await alice.act(offer.id, "accept")).status, 200);
      await withSession("agent-more-actions", async ({ page }) => {
        await signIn(page, s, "alice");
        await page.goto(`${s.url}/?i=${offer.id}`);
        const bar = page.getByRole("toolbar").first();
        await bar.getByRole("button", { name: "Transfer", exact: true }).waitFor();
        assert.equal(await bar.getByRole("button", { name: "Defer", exact: true }).count(), 0);
        await bar.getByRole("button", { name: "More actions" }).click();
        await page.getByRole("menu").getByRole("menuitem", { name: "Defer" }).waitFor();
      });
    } finally {
      await s.close();
    }
  },
);
