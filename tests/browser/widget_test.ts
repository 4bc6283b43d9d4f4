/**
 * The web chat widget in headless Chromium, two tabs: a customer on the demo shop and an agent
 * in the routing view. Everything goes through the real server, KV and routing core.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { Buffer } from "node:buffer";
import { eventually, startServer } from "../harness.ts";
import { browserTest, jsErrors, newSession, screenshot, signIn } from "./browser.ts";
import { acceptNext, customerSays, openShop, tinyPng, webchatConfig, widgetLog } from "./webchat_support.ts";

browserTest(
  "widget - a customer chats on the demo shop and the agent answers in the routing view",
  async () => {
    const s = await startServer({ config: await webchatConfig() });
    const customer = await newSession({ name: "customer" });
    const agentTab = await newSession({ name: "agent" });
    try {
      const alice = await s.agent("alice", { available: true });
      await openShop(customer.page, s);
      await customerSays(customer.page, "Hello, where is my parcel?");
      const interactionId = await acceptNext(s, alice);

      // The agent sees the customer's message in the routing view and answers there.
      await signIn(agentTab.page, s, "alice");
      await agentTab.page.getByText("Hello, where is my parcel?").first().waitFor();
      await agentTab.page.getByText("Hello, where is my parcel?").first().click();
      await agentTab.page.getByRole("textbox", { name: "Reply" }).fill("Hi! It ships tomorrow.");
      await customer.page.getByText("Alice is typing…").waitFor();
      await agentTab.page.getByRole("button", { name: "Send" }).click();
      await customer.page.locator("#rd-widget-host .msg.agent", { hasText: "Hi! It ships tomorrow." })
        .waitFor();
      assert(
        (await widgetLog(customer.page)).some((m) =>
          m.startsWith("Alice") && m.includes("Hi! It ships tomorrow.")
        ),
      );
      await customer.page.getByText("You are chatting with Alice").waitFor();
      await customer.page.getByText("Alice is typing…").waitFor({ state: "hidden" });

      // History survives a reload (signed identity cookie).
      await customer.page.reload();
      await customer.page.locator("#rd-widget-host .msg.agent", { hasText: "Hi! It ships tomorrow." })
        .waitFor();
      assertEquals(
        (await widgetLog(customer.page)).filter((m) => m.includes("Hello, where is my parcel?")).length,
        1,
      );

      // An image: uploaded, stored, shown to the customer and reachable by the agent.
      await customer.page.locator("#rd-widget-host input[type=file]").setInputFiles({
        name: "parcel.png",
        mimeType: "image/png",
        buffer: Buffer.from(tinyPng()),
      });
      const img = customer.page.locator('#rd-widget-host .msg.customer img[alt="parcel.png"]');
      await img.waitFor();
      await eventually(
        () =>
          img.evaluate((e) => (e as HTMLImageElement).complete && (e as HTMLImageElement).naturalWidth === 4),
        10_000,
        "the image to load",
      );
      const detail = await eventually(
        async () => {
          const d = await alice.req("GET", `/api/v1/interactions/${interactionId}`);
          return d.body.messages.find((m: { attachments: unknown[] }) => m.attachments.length);
        },
        10_000,
        "the attachment on the agent side",
      );
      // The stored link opens only for a signed-in agent (the widget's own links are signed, short-lived).
      const bare = await fetch(detail.attachments[0].url);
      assertEquals(bare.status, 401);
      await bare.body?.cancel();
      const file = await fetch(detail.attachments[0].url, {
        headers: { authorization: `Bearer ${alice.token}` },
      });
      assertEquals(file.headers.get("content-type"), "image/png");
      assertEquals(new Uint8Array(await file.arrayBuffer()), tinyPng());
      // The routing view shows it through the agent's session (no signature in the page).
      const shown = agentTab.page.locator('img[alt="parcel.png"]').first();
      await shown.scrollIntoViewIfNeeded();
      await eventually(
        () =>
          shown.evaluate((e) =>
            (e as HTMLImageElement).complete && (e as HTMLImageElement).naturalWidth === 4
          ),
        10_000,
        "the image in the routing view",
      );

      // Agent HTML is shown as text only: nothing in it runs or renders as markup.
      const html =
        '<b>Bold</b> offer<img src="x" onerror="window.__pwned = 1"><script>window.__pwned = 2</script>';
      assertEquals((await alice.act(interactionId, "reply", { body: html, format: "html" })).status, 201);
      await customer.page.locator("#rd-widget-host .msg.agent", { hasText: "Bold offer" }).waitFor();
      assertEquals(await customer.page.locator("#rd-widget-host .msg.agent b").count(), 0);
      assertEquals(
        await customer.page.evaluate(() => (globalThis as { __pwned?: number }).__pwned),
        undefined,
      );

      // Smart closure: the agent completes, the customer gets Yes/No buttons; Yes reopens.
      assertEquals((await alice.act(interactionId, "complete")).status, 200);
      await customer.page.getByText("Do you have any other questions?").waitFor();
      await customer.page.getByRole("button", { name: "Yes" }).click();
      await customer.page.getByText("Please tell us more about your new question.").waitFor();
      await eventually(
        async () =>
          (await alice.req("GET", `/api/v1/interactions/${interactionId}`)).body.interaction.state ===
            "active",
        10_000,
        "reopened",
      );
      await customer.page.getByRole("button", { name: "Yes" }).waitFor({ state: "hidden" });

      // …and No completes it.
      assertEquals((await alice.act(interactionId, "complete")).status, 200);
      await customer.page.getByText("Do you have any other questions?").nth(1).waitFor();
      await customer.page.getByRole("button", { name: "No" }).click();
      await eventually(
        async () =>
          (await alice.req("GET", `/api/v1/interactions/${interactionId}`)).body.interaction.state ===
            "completed",
        10_000,
        "completed",
      );
      await screenshot(customer.page, "widget-customer");
      await screenshot(agentTab.page, "widget-agent");
      assertEquals(jsErrors(customer.page), []);
    } finally {
      await customer.close();
      await agentTab.close();
      await s.close();
    }
  },
);

browserTest(
  "widget - closing the conversation notifies the agent, and the widget speaks French",
  async () => {
    const s = await startServer({ config: await webchatConfig() });
    const customer = await newSession({ locale: "fr-FR" });
    try {
      const alice = await s.agent("alice", { available: true });
      const events = alice.events();
      await openShop(customer.page, s, "fr");
      await customer.page.getByRole("button", { name: "Discuter avec nous" }).click();
      await customer.page.getByRole("textbox", { name: "Message" }).fill("Bonjour, j'ai une question");
      await customer.page.getByRole("button", { name: "Envoyer" }).click();
      const id = await acceptNext(s, alice);
      await customer.page.getByRole("button", { name: "Fermer la conversation" }).click();
      await events.next("conversation.closed", (d) => d.interactionId === id, 10_000);
      await customer.page.getByText("Vous avez fermé la conversation.").waitFor();
      const detail = await alice.req("GET", `/api/v1/interactions/${id}`);
      assertEquals(detail.body.interaction.conversationClosed, true);
    } finally {
      await customer.close();
      await s.close();
    }
  },
);
