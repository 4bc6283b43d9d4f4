/**
 * Co-browsing in headless Chromium, two tabs: the customer on the demo shop, the agent in the
 * routing view. Request, accept, mirror, control, highlight, revoke and close from each side,
 * and nothing private (password, excluded areas, shadow DOM, iframe) ever reaches the agent.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import type { FrameLocator, Page } from "playwright-core";
import {
  type AgentClient,
  eventually,
  msg,
  startCallbackServer,
  startServer,
  type TestServer,
} from "../harness.ts";
import { browserTest, jsErrors, newSession, screenshot, signIn } from "./browser.ts";
import { acceptNext, customerSays, openShop, webchatConfig } from "./webchat_support.ts";

/** Everything the relay sends to agents for a session, as raw text (read with the API). */
function tapRelay(s: TestServer, agent: AgentClient, sessionId: string) {
  const abort = new AbortController();
  const tap = { text: "", close: () => abort.abort() };
  (async () => {
    const res = await fetch(`${s.url}/api/v1/cobrowse/${sessionId}/events`, {
      headers: { authorization: `Bearer ${agent.token}` },
      signal: abort.signal,
    });
    for await (const chunk of res.body!.pipeThrough(new TextDecoderStream())) tap!.text += chunk;
  })().catch(() => {});
  return tap;
}

const pane = (agent: Page): FrameLocator => agent.frameLocator('iframe[title="Co-browsing"]');
const replay = (agent: Page): FrameLocator => pane(agent).frameLocator(".replayer-wrapper iframe");

/** Clicks in the agent's replay where `target` is drawn (the overlay turns it into a command). */
async function clickInReplay(agent: Page, target: ReturnType<FrameLocator["locator"]>): Promise<void> {
  const box = (await target.boundingBox())!;
  await agent.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
}

async function startSession(s: TestServer, customer: Page, agentTab: Page, alice: AgentClient) {
  await openShop(customer, s);
  await customerSays(customer, "Can you show me where to pay?");
  const interactionId = await acceptNext(s, alice);
  await signIn(agentTab, s, "alice");
  await agentTab.getByText("Can you show me where to pay?").first().click();
  await agentTab.getByRole("button", { name: "Co-browsing" }).first().click();
  await customer.getByText("Alice asks to see this page to help you.", { exact: false }).waitFor();
  const session = await eventually(
    async () => (await alice.req("GET", `/api/v1/interactions/${interactionId}/cobrowse`)).body.cobrowse,
    5000,
    "the session",
  );
  return { interactionId, sessionId: session.id as string };
}

browserTest(
  "co-browsing - requested, accepted, mirrored, controlled, highlighted and closed by the customer",
  async () => {
    const s = await startServer({ config: await webchatConfig() });
    const customerTab = await newSession({ name: "customer" });
    const agentTab = await newSession({ name: "agent" });
    const customer = customerTab.page;
    const agent = agentTab.page;
    let tap: ReturnType<typeof tapRelay> | null = null;
    try {
      const alice = await s.agent("alice", { available: true });
      const { sessionId } = await startSession(s, customer, agent, alice);
      tap = tapRelay(s, alice, sessionId);

      await customer.getByRole("button", { name: "Accept" }).click();
      await customer.getByText("Alice can see this page.").waitFor();
      await replay(agent).getByText("Blue mug").waitFor();

      // Private things typed or shown on the customer's page.
      await customer.locator("#password").fill("hunter2-very-secret");
      await customer.locator("#card").fill("4111 2222 3333 4444");
      await customer.locator("#note").fill("my private note 5512");
      await customer.locator("#name").fill("Jeanne");

      // Mirroring: a change on the customer's page appears in the agent's pane.
      await customer.getByRole("button", { name: "Add to cart" }).first().click();
      await replay(agent).getByText("Cart: 1 items").waitFor();

      // Control: the agent's click changes the customer's page; typing fills a field.
      await pane(agent).getByRole("button", { name: "Take control" }).click();
      await pane(agent).getByText("You are controlling the customer's page").waitFor();
      await customer.getByText("Alice is controlling this page.").waitFor();
      await clickInReplay(agent, replay(agent).getByRole("button", { name: "Add to cart" }).nth(1));
      await customer.locator("#cart-items li", { hasText: "Wool scarf" }).waitFor();
      await replay(agent).getByText("Cart: 2 items").waitFor();
      await clickInReplay(agent, replay(agent).locator("#email"));
      await agent.keyboard.type("jo@ex.fr");
      await eventually(
        async () => (await customer.locator("#email").inputValue()) === "jo@ex.fr",
        10_000,
        "the agent's typing",
      );
      // A password field never takes the agent's typing: commands run in order, so once the
      // typing sent after it has landed in another field, the refused one is settled too.
      await clickInReplay(agent, replay(agent).locator("#password"));
      await agent.keyboard.type("x");
      await clickInReplay(agent, replay(agent).locator("#name"));
      await agent.keyboard.type("Z");
      await eventually(
        async () => (await customer.locator("#name").inputValue()) === "JeanneZ",
        10_000,
        "the typing after the password field",
      );
      assertEquals(await customer.locator("#password").inputValue(), "hunter2-very-secret");

      // The customer revokes control in one click.
      await customer.getByRole("button", { name: "Revoke control" }).click();
      await pane(agent).getByText("You are controlling the customer's page").waitFor({ state: "hidden" });
      await pane(agent).getByRole("button", { name: "Take control" }).waitFor();
      await customer.getByText("Alice can see this page.").waitFor();

      // Highlight: a rectangle drawn by the agent appears on the customer's screen.
      await pane(agent).getByRole("button", { name: "Highlight" }).click();
      const box = (await replay(agent).locator("form.checkout").boundingBox())!;
      await agent.mouse.move(box.x + 5, box.y + 5);
      await agent.mouse.down();
      await agent.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 4 });
      await agent.mouse.up();
      await customer.locator("#rd-widget-host .highlight").waitFor();
      await customer.getByText("Highlighted by Alice").waitFor();
      await screenshot(agent, "cobrowse-agent");
      await screenshot(customer, "cobrowse-customer");

      // The customer ends it at once.
      await customer.getByRole("button", { name: "Stop sharing" }).click();
      await pane(agent).getByText("Co-browsing ended.").waitFor();
      await customer.getByRole("button", { name: "Stop sharing" }).waitFor({ state: "hidden" });

      // Privacy: what went through the relay.
      await eventually(
        () => tap!.text.includes("Cart: 2 items") || tap!.text.includes("Wool scarf"),
        5000,
        "the tap to see the page",
      );
      for (
        const secret of [
          "hunter2",
          "very-secret",
          // The card number's halves, with their space: a bare "4111" can turn up by chance in
          // the relay's timestamps and ids (one clean-clone run in ten failed on it).
          "4111 2222",
          "3333 4444",
          "private note 5512",
          "Shadow secret",
          "Partner widget",
        ]
      ) {
        const at = tap!.text.indexOf(secret);
        assert(at < 0, `"${secret}" reached the agent: …${tap!.text.slice(Math.max(0, at - 80), at + 80)}…`);
      }
      assert(tap!.text.includes("Jeanne"), "ordinary input is shared");
      const masked = await replay(agent).locator("#password").getAttribute("value");
      assert(!masked || /^\*+$/.test(masked), `password shown as ${masked}`);
      assertEquals(jsErrors(customer), []);
    } finally {
      tap?.close();
      await customerTab.close();
      await agentTab.close();
      await s.close();
    }
  },
);

browserTest(
  "co-browsing - the agent closes the session and the customer's page stops sharing",
  async () => {
    const s = await startServer({ config: await webchatConfig() });
    const customerTab = await newSession({ name: "customer" });
    const agentTab = await newSession({ name: "agent" });
    const customer = customerTab.page;
    const agent = agentTab.page;
    try {
      const alice = await s.agent("alice", { available: true });
      const { sessionId } = await startSession(s, customer, agent, alice);
      await customer.getByRole("button", { name: "Accept" }).click();
      await replay(agent).getByText("Blue mug").waitFor();
      await pane(agent).getByRole("button", { name: "Close" }).click();
      await customer.getByText("Alice can see this page.").waitFor({ state: "hidden" });
      await pane(agent).getByText("Co-browsing ended.").waitFor();
      const after = await alice.req("GET", `/api/v1/cobrowse/${sessionId}`);
      assertEquals(after.body.cobrowse.state, "ended");
      assertEquals(after.body.cobrowse.endedBy, "agent");
      // The audit log lists request, accept and end.
      const d = await alice.req("GET", `/api/v1/interactions/${after.body.cobrowse.interactionId}`);
      const audit = await alice.req("GET", `/api/v1/threads/${d.body.thread.id}/audit`);
      const types = audit.body.items.map((e: { type: string }) => e.type);
      for (const t of ["cobrowse.requested", "cobrowse.accepted", "cobrowse.ended"]) {
        assert(types.includes(t), `audit has ${t}`);
      }
    } finally {
      await customerTab.close();
      await agentTab.close();
      await s.close();
    }
  },
);

browserTest(
  "co-browsing - a messaging customer accepts through the invitation link on the site, and the session ends when the agent transfers",
  async () => {
    const cb = await startCallbackServer();
    const config = await webchatConfig();
    const wa = config.sources.find((x) => x.id === "wa")!;
    wa.cobrowseUrl = "/demo";
    wa.callbackUrl = cb.url;
    const s = await startServer({ config });
    const customerTab = await newSession({ name: "customer" });
    const agentTab = await newSession({ name: "agent" });
    const customer = customerTab.page;
    const agent = agentTab.page;
    try {
      const alice = await s.agent("alice", { available: true });
      const sent = await s.inbound(
        "wa",
        msg("wa-cobrowse", { body: "Le paiement ne marche pas", language: "en" }),
      );
      const interactionId: string = sent.body.interactionId;
      await acceptNext(s, alice);
      await signIn(agent, s, "alice");
      await agent.getByText("Le paiement ne marche pas").first().click();
      await agent.getByRole("button", { name: "Co-browsing" }).first().click();
      await pane(agent).getByText("A link was sent to the customer", { exact: false }).waitFor();

      // The connector delivers the invitation; the customer opens its link.
      const invite = await eventually(
        () => cb.received.find((r) => r.json.message?.structured?.type === "cobrowse_invite"),
        10_000,
        "the invitation",
      );
      const url: string = invite!.json.message.structured.url;
      await customer.goto(url);
      await customer.getByText("Alice asks to see this page to help you.", { exact: false }).waitFor();
      assert(!customer.url().includes("rd-cobrowse"), `the token left the address bar: ${customer.url()}`);
      await customer.getByRole("button", { name: "Accept" }).click();
      await customer.getByText("Alice can see this page.").waitFor();
      await replay(agent).getByText("Blue mug").waitFor();

      // Another page of the site in the same tab: the session carries on there.
      await customer.goto(`${s.url}/demo?lang=fr`);
      await customer.getByText("Alice voit cette page.").waitFor();
      await replay(agent).getByText("Mug bleu").waitFor();
      assert(!(await customer.evaluate(() => location.href)).includes("rd-cobrowse"));

      // The link is spent: opening it again shares nothing.
      const again = await newSession({ name: "intruder" });
      try {
        await again.page.goto(url);
        await again.page.getByText("This co-browsing link was already used.").waitFor();
      } finally {
        await again.close();
      }

      // The agent transfers: both sides stop at once.
      const session =
        (await alice.req("GET", `/api/v1/interactions/${interactionId}/cobrowse`)).body.cobrowse;
      assertEquals((await alice.act(interactionId, "transfer", { teamId: "support" })).status, 200);
      await customer.getByText("Alice voit cette page.").waitFor({ state: "hidden" });
      const after = (await alice.req("GET", `/api/v1/cobrowse/${session.id}`)).body.cobrowse;
      assertEquals([after.state, after.endedBy, after.endReason], ["ended", "system", "transferred"]);
      await screenshot(customer, "cobrowse-link-customer");
      assertEquals(jsErrors(customer), []);
    } finally {
      await customerTab.close();
      await agentTab.close();
      await s.close();
      await cb.close();
    }
  },
);
