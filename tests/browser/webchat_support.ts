/**
 * Support for the web chat and co-browsing browser suites: a configuration whose agents may
 * co-browse, a customer tab on the demo shop, and helpers that read the widget's shadow DOM.
 */
import type { Page } from "playwright-core";
import { type AgentClient, eventually, type TestServer } from "../harness.ts";

export { webchatConfig } from "../../lib/testing/fixtures.ts";

/** Opens the demo shop as a customer and waits for the widget to be connected. */
export async function openShop(page: Page, server: TestServer, lang?: "fr"): Promise<void> {
  await page.goto(`${server.url}/demo${lang ? `?lang=${lang}` : ""}`);
  await page.locator("#rd-widget-host[data-ready=true]").waitFor({ state: "attached" });
}

/** Sends a chat message from the widget (opening it first when needed). */
export async function customerSays(page: Page, text: string): Promise<void> {
  const launcher = page.getByRole("button", { name: /Chat with us|Discuter avec nous/ });
  if (await launcher.isVisible()) await launcher.click();
  await page.getByRole("textbox", { name: "Message" }).fill(text);
  await page.getByRole("button", { name: /^(Send|Envoyer)$/ }).click();
}

/** Widget messages (author line + text) as the customer sees them. */
export async function widgetLog(page: Page): Promise<string[]> {
  return await page.locator("#rd-widget-host .msg").allInnerTexts();
}

/** Waits for an interaction offered to `agent` and accepts it; returns its id. */
export async function acceptNext(server: TestServer, agent: AgentClient): Promise<string> {
  const item = (await eventually(
    async () => (await agent.folder("in_progress")).find((i) => i.state === "offered"),
    10_000,
    "an offer",
  ))!;
  const r = await agent.act(item.id, "accept");
  if (r.status !== 200) throw new Error(`accept failed: ${JSON.stringify(r.body)}`);
  await server.settle();
  return item.id as string;
}

/** A valid 4×4 red PNG (no binary fixture in the repository). */
export function tinyPng(): Uint8Array {
  const b64 =
    "iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAIAAAAmkwkpAAAAEElEQVR4nGP4z8AARwzEcQCukw/x0F8jngAAAABJRU5ErkJggg==";
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}
