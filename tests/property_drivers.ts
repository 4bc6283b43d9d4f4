/**
 * Two ways to drive the desk in the property suite, with one contract: the desk's own
 * operations on a real KV store (fast), or the real HTTP API of a real server (the whole stack:
 * signatures, validation, auth, error mapping). A domain refusal (4xx) is thrown as `Refusal`;
 * anything else that goes wrong is a failure of the property.
 */
import assert from "node:assert/strict";
import type { Config } from "../lib/shared/config.ts";
import { AppError } from "../lib/shared/errors.ts";
import type { InboundMessage } from "../lib/shared/wire/api.ts";
import type { Presence } from "../actors/agent.ts";
import { accept, complete, defer, reply, resume, transfer, type TransferInput } from "../desk/actions.ts";
import { getAgent, setPresence } from "../desk/agents.ts";
import type { Desk } from "../desk/desk.ts";
import { receiveEvent, receiveMessage } from "../desk/inbound.ts";
import { type Runtime, startDesk } from "../desk/runtime.ts";
import { sweepTimers } from "../desk/timers.ts";
import { type AgentClient, startServer, type TestServer } from "./harness.ts";

/** An expected refusal: the API's 4xx answer (or the desk error that maps to it). */
export class Refusal extends Error {
  constructor(readonly status: number, readonly code: string) {
    super(`${status} ${code}`);
  }
}

export type ActionName = "accept" | "reply" | "defer" | "resume" | "transfer" | "complete";
export type ActionBody = Record<string, unknown>;

export interface Driver {
  readonly desk: Desk;
  inbound(sourceId: string, m: InboundMessage): Promise<{ duplicate: boolean; messageId: string }>;
  closed(sourceId: string, threadExternalId: string): Promise<void>;
  presence(agentId: string, presence: Presence): Promise<void>;
  act(agentId: string, action: ActionName, interactionId: string, body: ActionBody): Promise<void>;
  close(): Promise<void>;
}

export type Clock = { at: number; now(): number };

const refusal = async <T>(p: Promise<T>): Promise<T> => {
  try {
    return await p;
  } catch (e) {
    if (e instanceof AppError && e.status < 500) throw new Refusal(e.status, e.code);
    throw e;
  }
};

/** Calls the desk's operations directly (what the routes call after parsing and auth). */
export class DeskDriver implements Driver {
  private constructor(readonly runtime: Runtime, readonly kv: Deno.Kv) {}

  static async start(config: Config, clock: Clock): Promise<DeskDriver> {
    const kv = await Deno.openKv(":memory:");
    return new DeskDriver(await startDesk({ kv, config, clock, tickMs: 3_600_000 }), kv);
  }

  get desk(): Desk {
    return this.runtime.desk;
  }

  inbound(sourceId: string, m: InboundMessage) {
    return refusal(receiveMessage(this.desk, sourceId, m));
  }

  async closed(sourceId: string, thread: string) {
    await refusal(receiveEvent(this.desk, sourceId, { type: "conversation.closed", thread: { id: thread } }));
  }

  async presence(agentId: string, presence: Presence) {
    await refusal(setPresence(this.desk, agentId, presence));
  }

  async act(agentId: string, action: ActionName, id: string, body: ActionBody) {
    const agent = (await getAgent(this.desk, agentId))!;
    const desk = this.desk;
    // (Some operations refuse synchronously, before returning a promise.)
    await refusal<unknown>((async () => {
      switch (action) {
        case "accept":
          return await accept(desk, agent, id);
        case "reply":
          return await reply(desk, agent, id, { body: body.body as string });
        case "defer":
          return await defer(desk, agent, id, body.until as string);
        case "resume":
          return await resume(desk, agent, id);
        case "transfer":
          return await transfer(desk, agent, id, body as TransferInput);
        case "complete":
          return await complete(desk, agent, id, body as Parameters<typeof complete>[3]);
      }
    })());
  }

  async close() {
    await this.runtime.stop();
    this.kv.close();
  }
}

/** Drives a real server over loopback HTTP; agents sign in once per run. */
export class HttpDriver implements Driver {
  #clients = new Map<string, AgentClient>();
  private constructor(readonly server: TestServer) {}

  static async start(config: Config, clock: Clock, agentIds: string[]): Promise<HttpDriver> {
    const d = new HttpDriver(await startServer({ config, clock, tickMs: 3_600_000 }));
    await Promise.all(agentIds.map(async (id) => d.#clients.set(id, await d.server.agent(id))));
    return d;
  }

  get desk(): Desk {
    return this.server.desk;
  }

  /** Maps an answer: 2xx passes, 4xx (with an API.md error body) is a refusal, anything else fails. */
  // deno-lint-ignore no-explicit-any
  #answer(r: { status: number; body: any }, what: string) {
    if (r.status >= 200 && r.status < 300) return r.body;
    if (r.status >= 400 && r.status < 500) {
      assert.equal(typeof r.body?.error?.code, "string", `${what}: ${r.status} without an error body`);
      throw new Refusal(r.status, r.body.error.code);
    }
    throw new Error(`${what} answered ${r.status}: ${JSON.stringify(r.body)}`);
  }

  /** A session can outlive the fake clock's 12 hours: sign in again once on 401. */
  // deno-lint-ignore no-explicit-any
  async #as(agentId: string, call: (c: AgentClient) => Promise<{ status: number; body: any }>) {
    let r = await call(this.#clients.get(agentId)!);
    if (r.status === 401) {
      this.#clients.set(agentId, await this.server.agent(agentId));
      r = await call(this.#clients.get(agentId)!);
    }
    return r;
  }

  async inbound(sourceId: string, m: InboundMessage) {
    const r = await this.server.inbound(sourceId, m);
    assert.equal(r.status === 202 || r.status >= 400, true, `inbound answered ${r.status}`);
    return this.#answer(r, "inbound");
  }

  async closed(sourceId: string, thread: string) {
    this.#answer(
      await this.server.event(sourceId, { type: "conversation.closed", thread: { id: thread } }),
      "event",
    );
  }

  async presence(agentId: string, presence: Presence) {
    this.#answer(
      await this.#as(agentId, (c) => c.req("PUT", "/api/v1/me/presence", { presence })),
      "presence",
    );
  }

  async act(agentId: string, action: ActionName, id: string, body: ActionBody) {
    this.#answer(await this.#as(agentId, (c) => c.act(id, action, body)), action);
  }

  async close() {
    await this.server.close();
  }
}

/** Fires every overdue timer record (what the start-up sweep and the periodic tick do). */
export const sweep = (d: Driver) => sweepTimers(d.desk);
