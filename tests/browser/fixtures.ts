/** Server-side helpers for the browser suites: the harness, plus polling assertions on the page. */
import type { Locator } from "playwright-core";
import { type AgentClient, eventually, type TestServer } from "../harness.ts";

export { eventually, msg, startServer, testConfig } from "../harness.ts";
export type { TestServer } from "../harness.ts";

const clients = new WeakMap<TestServer, Map<string, Promise<AgentClient>>>();

/** An API client for `login` on `s` (one sign-in per server and login). */
export function api(s: TestServer, login: string): Promise<AgentClient> {
  let m = clients.get(s);
  if (!m) clients.set(s, m = new Map());
  let c = m.get(login);
  if (!c) m.set(login, c = s.agent(login));
  return c;
}

/** The interaction detail as `login` sees it through the API. */
export async function detail(s: TestServer, login: string, id: string) {
  const r = await (await api(s, login)).req("GET", `/api/v1/interactions/${id}`);
  if (r.status !== 200) throw new Error(`detail ${id}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

export async function interaction(s: TestServer, login: string, id: string) {
  return (await detail(s, login, id)).interaction;
}

/** Waits until the locator's text contains `expected` (or matches it). */
export async function expectText(
  locator: Locator,
  expected: string | RegExp,
  timeoutMs = 15_000,
): Promise<void> {
  let last = "";
  try {
    await eventually(
      async () => {
        last = (await locator.first().textContent({ timeout: 1000 }).catch(() => "")) ?? "";
        if (locator.first() !== locator) {
          last = (await locator.allTextContents().catch(() => [last])).join(" | ");
        }
        return typeof expected === "string" ? last.includes(expected) : expected.test(last);
      },
      timeoutMs,
      String(expected),
    );
  } catch {
    throw new Error(`expected ${expected} in ${JSON.stringify(last)}`);
  }
}

export async function expectValue(locator: Locator, value: string, timeoutMs = 15_000): Promise<void> {
  await eventually(
    async () => (await locator.inputValue().catch(() => null)) === value,
    timeoutMs,
    `value ${value}`,
  );
}

export async function expectPresence(s: TestServer, id: string, presence: string): Promise<void> {
  await eventually(
    async () => (await s.desk.kv.get<{ presence: string }>(["agent", id])).value?.presence === presence,
    15_000,
    `${id} ${presence}`,
  );
}
