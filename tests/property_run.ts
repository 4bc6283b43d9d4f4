/**
 * One run of the property suite: turns generated steps into driver calls (picking interactions
 * and acting agents from the store as it is), keeps the ledger of acknowledged messages and
 * checks the desk invariants after every step.
 */
import assert from "node:assert/strict";
import type { Config } from "../lib/shared/config.ts";
import { keys } from "../lib/server/keys.ts";
import { iso } from "../lib/shared/time.ts";
import { type InboundMessage, inboundMessageSchema } from "../lib/shared/wire/api.ts";
import type { InteractionState } from "../actors/interaction.ts";
import { checkInvariants, type InboundLedger, LivenessError } from "./desk_invariants.ts";
import { type Clock, type Driver, Refusal, sweep } from "./property_drivers.ts";
import { fireTimer } from "../desk/timers.ts";
import { onAgentCommit } from "../desk/persist.ts";
import type { AgentState } from "../actors/agent.ts";
import { isDeepStrictEqual } from "node:util";
import type { TimerMessage } from "../desk/persist.ts";
import fc from "fast-check";
import type { Presence } from "../actors/agent.ts";
import { putConfig } from "../desk/admin.ts";
import { seedFor } from "./seed.ts";
import {
  AGENT_IDS,
  AGENTS,
  applyEdit,
  type Op,
  type Pick,
  propertyConfig,
  SOURCES,
  type Step,
  stepArb,
  SUPERVISORS,
  type Who,
} from "./property_model.ts";

/** The store at the start of a step: concurrent operations all pick from it (so they collide). */
type Snapshot = { interactions: InteractionState[] };

const timerLogKey = (m: TimerMessage) => `${m.interactionId}|${m.epoch}|${m.dueAt}`;

const RELEVANT: Record<string, InteractionState["state"][]> = {
  accept: ["offered"],
  reply: ["active"],
  defer: ["active"],
  resume: ["deferred", "completed"],
  transfer: ["active", "offered", "deferred", "queued"],
  complete: ["active"],
};

export class Run {
  ledger: InboundLedger = { acked: new Set() };
  /** Messages acknowledged so far, for duplicate deliveries. */
  sent: { source: string; m: InboundMessage; messageId: string }[] = [];
  seq = 0;
  outcomes = new Map<string, number>();
  /** Every timer message the desk has set so far (current and superseded), for redeliveries. */
  timerLog = new Map<string, TimerMessage>();

  /**
   * Agent states published to commit listeners (the dispatcher's pool trusts them as what is
   * stored at their versionstamp): one state per agent and versionstamp, or the pool can offer
   * on a load that was never stored.
   */
  published = new Map<string, AgentState>();
  publishedTwice: string[] = [];

  constructor(readonly driver: Driver, readonly config: Config, readonly clock: Clock) {
    onAgentCommit(driver.desk.kv, (agent, versionstamp) => {
      const id = `${agent.id}@${versionstamp}`;
      const known = this.published.get(id);
      if (known && !isDeepStrictEqual(known, agent)) this.publishedTwice.push(id);
      this.published.set(id, agent);
    });
  }

  count(what: string) {
    this.outcomes.set(what, (this.outcomes.get(what) ?? 0) + 1);
  }

  async snapshot(): Promise<Snapshot> {
    const interactions: InteractionState[] = [];
    for await (const e of this.driver.desk.kv.list<InteractionState>({ prefix: keys.interactionsPrefix() })) {
      interactions.push(e.value);
    }
    for await (const e of this.driver.desk.kv.list<TimerMessage>({ prefix: keys.timers() })) {
      const { type, interactionId, epoch, dueAt } = e.value;
      const m: TimerMessage = { type, interactionId, epoch, dueAt };
      this.timerLog.set(timerLogKey(m), m);
    }
    return { interactions };
  }

  actor(who: Who, s: InteractionState): string {
    if (who.kind === "owner") return s.agentId ?? s.transfer?.fromAgentId ?? AGENT_IDS[0];
    return who.kind === "sup" ? SUPERVISORS[who.i] : AGENT_IDS[who.i];
  }

  pick(snap: Snapshot, op: string, p: Pick): InteractionState | null {
    const pool = p.relevant
      ? snap.interactions.filter((s) => RELEVANT[op].includes(s.state))
      : snap.interactions;
    const list = pool.length ? pool : snap.interactions;
    return list.length ? list[p.i % list.length] : null;
  }

  message(op: Extract<Op, { t: "inbound" }>): InboundMessage {
    this.seq++;
    return inboundMessageSchema.parse({
      id: `m${this.seq}`,
      thread: { id: `t${op.thread}` },
      author: { id: `c${op.thread}`, name: `Customer ${op.thread}` },
      body: `message ${this.seq}`,
      ...(op.cats.length ? { categories: op.cats } : {}),
      ...(op.lang ? { language: op.lang } : {}),
      ...(op.quick ? { structured: { type: "quick_reply_answer", payload: op.quick } } : {}),
    });
  }

  /** Delivers a message and records the answer (a duplicate must name the first delivery's message). */
  async inbound(source: string, m: InboundMessage, expectDuplicate: boolean): Promise<void> {
    const r = await this.driver.inbound(source, m);
    const id = `${source}|${m.id}`;
    assert.equal(r.duplicate, expectDuplicate, `message ${id}: duplicate flag`);
    if (r.duplicate) {
      const first = this.sent.find((x) => x.source === source && x.m.id === m.id)!;
      assert.equal(r.messageId, first.messageId, `duplicate of ${id} answered another message id`);
      return this.count("inbound duplicate");
    }
    this.ledger.acked.add(id);
    this.sent.push({ source, m, messageId: r.messageId });
    this.count("inbound");
  }

  /** Runs one operation; refusals (4xx) are expected outcomes, anything else fails the property. */
  async op(op: Op, snap: Snapshot): Promise<void> {
    try {
      await this.#op(op, snap);
    } catch (e) {
      if (!(e instanceof Refusal)) throw e;
      this.count(`${op.t} refused ${e.status} ${e.code}`);
    }
  }

  async #op(op: Op, snap: Snapshot): Promise<void> {
    const d = this.driver;
    switch (op.t) {
      case "inbound": {
        const source = SOURCES[op.source];
        const m = this.message(op);
        if (!op.twins) return await this.inbound(source, m, false);
        // The connector retries while its first delivery is still in flight: only one is stored.
        // Both are awaited even if one is refused (a 409 under contention): the other one's
        // acknowledgement counts, whatever happened to its twin.
        const settled = await Promise.allSettled([d.inbound(source, m), d.inbound(source, m)]);
        const answers: { duplicate: boolean; messageId: string }[] = [];
        let refusal: Refusal | null = null;
        for (const x of settled) {
          if (x.status === "fulfilled") answers.push(x.value);
          else if (x.reason instanceof Refusal) refusal = x.reason;
          else throw x.reason;
        }
        const fresh = answers.filter((r) => !r.duplicate);
        assert.equal(fresh.length, answers.length ? 1 : 0, "exactly one of the concurrent deliveries is new");
        assert.equal(new Set(answers.map((r) => r.messageId)).size, answers.length ? 1 : 0, "one message id");
        if (!fresh.length) throw refusal!;
        this.ledger.acked.add(`${source}|${m.id}`);
        this.sent.push({ source, m, messageId: fresh[0].messageId });
        if (refusal) this.count(`inbound twin refused ${refusal.status} ${refusal.code}`);
        return this.count("inbound twins");
      }
      case "duplicate": {
        if (!this.sent.length) return;
        const { source, m } = this.sent[op.i % this.sent.length];
        return await this.inbound(source, m, true);
      }
      case "presence":
        await d.presence(AGENT_IDS[op.agent], op.presence);
        return this.count("presence");
      case "closed":
        await d.closed(SOURCES[op.source], `t${op.thread}`);
        return this.count("closed");
      case "advance":
        this.clock.at += op.seconds * 1000;
        this.count("timers swept");
        await sweep(d);
        return;
      case "config": {
        // As an administrator's save: a new version, applied (agents synced, dispatch) at once.
        const next = applyEdit(d.desk.config, op.edit);
        const change = await putConfig(d.desk, next, { type: "agent", id: "admin", name: "Admin" }, null);
        await d.desk.dispatcher.settle();
        await this.#grandfather();
        return this.count(change.record ? `config ${op.edit.k}` : "config unchanged");
      }
      case "redeliver": {
        const log = [...this.timerLog.values()];
        if (!log.length) return;
        // What the queue's own handler does with it: stale and early copies must change nothing.
        const outcome = await fireTimer(d.desk, log[op.i % log.length]);
        return this.count(`timer redelivered: ${outcome}`);
      }
    }
    const s = this.pick(snap, op.t, op.pick);
    if (!s) return;
    const agent = this.actor(op.who, s);
    switch (op.t) {
      case "accept":
      case "resume":
        await d.act(agent, op.t, s.id, {});
        break;
      case "reply":
        await d.act(agent, "reply", s.id, { body: `answer ${++this.seq}` });
        break;
      case "defer":
        await d.act(agent, "defer", s.id, { until: iso(this.clock.at + op.minutes * 60_000) });
        break;
      case "transfer": {
        const force = op.force && "agentId" in op.target;
        // Forcing is a supervisor's right; now and then an agent tries (and is refused).
        const by = force && op.who.kind !== "agent" ? SUPERVISORS[0] : agent;
        await d.act(by, "transfer", s.id, { ...op.target, ...(force ? { force } : {}), comment: "property" });
        if (force) this.count("forced transfer");
        break;
      }
      case "complete":
        await d.act(agent, "complete", s.id, {
          ...(op.disposition ? { disposition: { categoryId: "solved" } } : {}),
          ...(op.waitForReply !== null ? { waitForReply: op.waitForReply } : {}),
        });
        break;
    }
    this.count(op.t);
  }

  /**
   * Checks the invariants. A timer the KV queue fires in the background (one written after its
   * due time) may have just requeued an interaction whose dispatch has not run yet: a
   * waiting-while-someone-could-take-it finding must survive a few settled re-checks.
   */
  async check(): Promise<void> {
    assert.deepEqual(this.publishedTwice, [], "two different agent states published for one commit");
    await this.#shrinkAllowances();
    for (let attempt = 1;; attempt++) {
      try {
        // The running configuration: edits may have changed it since the run started.
        return await checkInvariants(this.driver.desk.kv, this.driver.desk.config, {
          ledger: this.ledger,
          liveness: true,
          capacityAllowance: (agentId, group) => this.allowance.get(`${agentId}|${group}`) ?? 0,
        });
      } catch (e) {
        if (!(e instanceof LivenessError) || attempt === 5) throw e;
        await this.driver.desk.dispatcher.settle();
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  }

  /**
   * Load held above a hard capacity that a configuration edit lowered (work is never taken
   * away), per `agent|group`. It may only shrink until the next edit: any growth is a breach.
   */
  allowance = new Map<string, number>();

  async #excess(): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for await (const e of this.driver.desk.kv.list<AgentState>({ prefix: keys.agents() })) {
      for (const g of ["realtime", "async"] as const) {
        out.set(`${e.value.id}|${g}`, Math.max(0, e.value.load[g] - e.value.capacity[g].maxCapacity));
      }
    }
    return out;
  }

  /** After an edit: what is over the new capacity now was taken under the old one. */
  async #grandfather(): Promise<void> {
    for (const [key, excess] of await this.#excess()) {
      this.allowance.set(key, Math.max(this.allowance.get(key) ?? 0, excess));
    }
  }

  async #shrinkAllowances(): Promise<void> {
    const now = await this.#excess();
    for (const [key, allowed] of this.allowance) {
      this.allowance.set(key, Math.min(allowed, now.get(key) ?? 0));
    }
  }

  async step(step: Step): Promise<void> {
    this.clock.at += 1000;
    const snap = await this.snapshot();
    if (step.t === "concurrent") await Promise.all(step.ops.map((op) => this.op(op, snap)));
    else await this.op(step, snap);
    await this.driver.desk.dispatcher.settle();
  }
}

const env = (name: string) => Deno.env.get(name);

/**
 * Runs the property: `runs` random plans of `stepsArb` (from a random strategy, away-on-miss and
 * starting presences), each step followed by the invariant checks. Returns how often each
 * outcome happened across runs (for coverage assertions).
 */
export async function property(
  name: string,
  runs: number,
  start: (config: Config, clock: Clock) => Promise<Driver>,
  stepsArb: fc.Arbitrary<Step> = stepArb,
) {
  const totals = new Map<string, number>();
  let steps = 0;
  const started = Date.now();
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom("least_occupied", "longest_idle", "round_robin"),
      fc.boolean(),
      fc.array(fc.constantFrom<Presence>("available", "available", "available", "away", "offline"), {
        minLength: AGENTS.length,
        maxLength: AGENTS.length,
      }),
      fc.array(stepsArb, { minLength: 30, maxLength: 60 }),
      async (strategy, awayOnMiss, presences, plan) => {
        const config = await propertyConfig(strategy, awayOnMiss);
        const clock: Clock = { at: Date.parse("2031-03-01T09:00:00Z"), now: () => clock.at };
        const driver = await start(config, clock);
        const run = new Run(driver, config, clock);
        const done: Step[] = [];
        try {
          for (const [i, p] of presences.entries()) await driver.presence(AGENT_IDS[i], p);
          await driver.desk.dispatcher.settle();
          await run.check();
          for (const step of plan) {
            done.push(step);
            await run.step(step);
            await run.check();
          }
          steps += plan.length;
          for (const [what, n] of run.outcomes) totals.set(what, (totals.get(what) ?? 0) + n);
        } catch (e) {
          if (e instanceof Error) {
            e.message += `\n(${strategy}, awayOnMiss ${awayOnMiss}) after steps:\n${
              done.map((s) => JSON.stringify(s)).join("\n")
            }`;
          }
          throw e;
        } finally {
          await driver.close();
        }
      },
    ),
    {
      numRuns: runs,
      seed: seedFor(name, "PROPERTY_SEED"),
      ...(env("PROPERTY_PATH") ? { path: env("PROPERTY_PATH") } : {}),
      // Shrinking replays many runs, and concurrent steps do not always replay alike: opt in.
      endOnFailure: !env("PROPERTY_SHRINK"),
    },
  );
  const summary = [...totals].sort((a, b) => b[1] - a[1]).map(([w, n]) => `${w}: ${n}`).join(", ");
  console.log(`${name}: ${runs} runs, ${steps} steps in ${Date.now() - started} ms\n${summary}`);
  return totals;
}
