/**
 * The soak's people (scripts/bench/soak.ts): agents who act on what their event streams say, and
 * customers who answer the smart-closure question the source receives. Every operation is timed
 * and every failure counted, including what a test would miss in a long run: a stream the server
 * ended, a reply never delivered to its source, a deferral that never woke, a server log line.
 *
 * Agents are driven by events only, as a browser would be:
 * - `interaction.offered` → accept, reply, then one of: complete (smart closure asks on the web
 *   chat), defer for 10 s and wait for the wake-up, defer for 15 s and resume early (the wake-up
 *   must then do nothing), or transfer to a colleague (whose stream offers it).
 * - `interaction.updated` bringing one of theirs back active (the wake-up, or the customer's
 *   "Yes" to the closing question) → reply and go on as above.
 */
import { sign, verifySignature } from "../../lib/server/crypto.ts";
import type { BenchAgent, BenchServer } from "./setup.ts";
import { FeedStream, type StreamEvent } from "./sse.ts";
import { sleep } from "./stats.ts";

export const SOURCES = [
  { id: "webchat", kind: "chat", group: "realtime", smartClosure: true },
  { id: "sms", kind: "messaging", group: "realtime", smartClosure: false },
  { id: "mail", kind: "email", group: "async", smartClosure: false },
] as const;
export const secretOf = (id: string) => `soak-${id}-secret-0123456789`;

export const OPS = [
  "inbound",
  "accept",
  "reply",
  "defer",
  "wake",
  "resume",
  "transfer",
  "complete",
  "answer",
  "reconnect",
] as const;
export type Op = (typeof OPS)[number];

/** A deferral not woken this long after its time is counted late (lost if never). */
const WAKE_LIMIT_MS = 15_000;
/** A reply not delivered to its source within this is counted late (lost if never). */
const DELIVERY_LIMIT_MS = 60_000;
/** Stream events that mean the stream was taken from its reader. */
const STREAM_ENDINGS = new Set(["stream.replaced", "session.ended", "server.stopping"]);

/** Latencies, errors and counts of one minute. */
export class Minute {
  ms = new Map<Op, number[]>(OPS.map((o) => [o, []]));
  errors: string[] = [];
  deliveries = 0;
  record(op: Op, ms: number) {
    this.ms.get(op)!.push(ms);
  }
}

export class SoakMix {
  minute = new Minute();
  /** Set once the run is over: failures from then on are the shutdown's, not the desk's. */
  stopping = false;
  /** Customer messages sent (their `id`s). */
  seq = 0;
  readonly work = new Set<Promise<unknown>>();
  /** Event ids already acted on (a resumed stream must not replay them), oldest first. */
  readonly #seen = new Set<string>();
  /** Per interaction, the agent's turn in progress: a second one waits for it (see `#turn`). */
  readonly #turns = new Map<string, Promise<void>>();
  /** Deferrals waiting for their wake-up: interaction id → when it is due (epoch ms). */
  readonly pendingWakes = new Map<string, number>();
  /** Replies not yet delivered to their source: message id → when the reply answered. */
  readonly undelivered = new Map<string, number>();
  /** Deliveries that arrived before their reply's answer did (the reply is then not awaited). */
  readonly #deliveredEarly = new Set<string>();
  #supervisor: FeedStream | null = null;

  constructor(readonly s: BenchServer, private readonly rnd: () => number) {}

  fail(what: string) {
    if (!this.stopping) this.minute.errors.push(what);
  }

  async timed<T>(op: Op, fn: () => Promise<T>): Promise<T | null> {
    const t = performance.now();
    try {
      const r = await fn();
      this.minute.record(op, performance.now() - t);
      return r;
    } catch (e) {
      this.fail(`${op}: ${e instanceof Error ? e.message : e}`);
      return null;
    }
  }

  track(p: Promise<unknown>): void {
    this.work.add(p);
    p.finally(() => this.work.delete(p));
  }

  async #expect(r: Promise<{ status: number; body: unknown }>, ok: number[]) {
    const x = await r;
    if (!ok.includes(x.status)) throw new Error(`${x.status} ${JSON.stringify(x.body).slice(0, 200)}`);
    return x;
  }

  #post(a: BenchAgent, id: string, action: string, body: unknown = {}, ok = [200]) {
    return this.#expect(this.s.call("POST", `/api/v1/interactions/${id}/${action}`, body, a.token), ok);
  }

  /** A signed customer message (202 expected). */
  async inbound(source: string, thread: string, body = `Question ${this.seq + 1}`, structured?: unknown) {
    const raw = JSON.stringify({
      id: `m-${++this.seq}`,
      thread: { id: thread },
      author: { id: `c-${thread}` },
      body,
      ...(structured ? { structured } : {}),
    });
    const res = await fetch(`${this.s.url}/api/v1/sources/${source}/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-signature": await sign(secretOf(source), raw) },
      body: raw,
    });
    const text = await res.text();
    if (res.status !== 202) throw new Error(`${res.status} ${text.slice(0, 200)}`);
  }

  // ---- agents -------------------------------------------------------------------------------

  onEvent(e: StreamEvent): void {
    if (STREAM_ENDINGS.has(e.event)) return this.fail(`stream of ${e.agentId}: ${e.event}`);
    const id = e.data.interactionId as string | undefined;
    if (!id || this.stopping) return;
    const view = e.data.interaction as { state?: string; agentId?: string } | undefined;
    const reason = e.data.reason as string | undefined;
    if (reason === "returned_from_deferred" || reason === "requeued_from_deferred") this.#woke(id);
    const backToMe = e.event === "interaction.updated" && view?.state === "active" &&
      view.agentId === e.agentId && (reason === "returned_from_deferred" || reason === "closing_reopened");
    if (e.event !== "interaction.offered" && !backToMe) return;
    if (!this.#firstTime(e)) return;
    const agent = this.s.agent(e.agentId);
    this.track(
      this.#turn(agent, id, backToMe ? () => this.#work(agent, id) : () => this.#offered(agent, id)),
    );
  }

  /**
   * Runs one agent turn on interaction `id`, after the turn already in progress on it, if any: a
   * customer writing while the agent resumes a deferral wakes it (an event, a second turn) while
   * the first turn goes on to complete it, and the second then replied to a completed interaction
   * (a 409 the harness caused, not the desk). A turn that had to wait first checks the
   * interaction is still active or offered for this agent.
   */
  #turn(agent: BenchAgent, id: string, run: () => Promise<void>): Promise<void> {
    const before = this.#turns.get(id);
    const go = async () => {
      if (before) {
        await before.catch(() => {});
        const now = await this.s.call("GET", `/api/v1/interactions/${id}`, undefined, agent.token);
        const i = now.body?.interaction as { state?: string; agentId?: string } | undefined;
        if (!i || i.agentId !== agent.id || (i.state !== "active" && i.state !== "offered")) return;
      }
      await run();
    };
    const turn = go();
    this.#turns.set(id, turn);
    return turn.finally(() => {
      if (this.#turns.get(id) === turn) this.#turns.delete(id);
    });
  }

  /** False for an event already acted on (by id; events without one are all new). */
  #firstTime(e: StreamEvent): boolean {
    if (!e.id) return true;
    if (this.#seen.has(e.id)) return false;
    this.#seen.add(e.id);
    if (this.#seen.size > 20_000) this.#seen.delete(this.#seen.values().next().value!);
    return true;
  }

  #woke(id: string) {
    const due = this.pendingWakes.get(id);
    if (due === undefined) return;
    this.pendingWakes.delete(id);
    // A customer message can wake it before its time: only the timer's lateness is a figure.
    if (Date.now() >= due) this.minute.record("wake", Date.now() - due);
  }

  async #offered(agent: BenchAgent, id: string) {
    if (await this.timed("accept", () => this.#post(agent, id, "accept"))) await this.#work(agent, id);
  }

  /** Active and the agent's: reply, then complete, defer, or transfer it. */
  async #work(agent: BenchAgent, id: string) {
    await sleep(200 + this.rnd() * 800);
    if (this.stopping) return;
    const replied = await this.timed(
      "reply",
      () => this.#post(agent, id, "reply", { body: "Thanks, looking." }, [201]),
    );
    if (!replied) return;
    const messageId = (replied.body as { message?: { id?: string } }).message?.id;
    if (messageId && !this.#deliveredEarly.delete(messageId)) this.undelivered.set(messageId, Date.now());
    const pick = this.rnd();
    if (pick < 0.1) {
      // Deferred until the wake-up brings it back (or requeues it): see onEvent.
      // Far enough ahead that a request slowed by a starved machine still defers to the future
      // (4 s was not: answers took over 4 s at load 16).
      const due = Date.now() + 10_000;
      if (
        await this.timed(
          "defer",
          () => this.#post(agent, id, "defer", { until: new Date(due).toISOString() }),
        )
      ) {
        this.pendingWakes.set(id, due);
      }
      return;
    }
    if (pick < 0.15) {
      // Resumed before its time: the wake-up timer must then change nothing.
      const until = new Date(Date.now() + 15_000).toISOString();
      if (!(await this.timed("defer", () => this.#post(agent, id, "defer", { until })))) return;
      await sleep(500);
      const resumed = await this.timed("resume", () => this.#post(agent, id, "resume", {}, [200, 409]));
      if (!resumed) return;
      if (resumed.status === 409) {
        // The customer wrote meanwhile, which wakes it (back to this agent, or to the queue when
        // they are full, and then offered anew): only another reason is an error.
        const state = (resumed.body as { error?: { details?: { state?: string } } }).error?.details?.state;
        if (state !== "active" && state !== "queued" && state !== "offered") {
          this.fail(`resume: 409 ${JSON.stringify(resumed.body).slice(0, 200)}`);
        }
        if (state !== "active") return;
        const now = await this.s.call("GET", `/api/v1/interactions/${id}`, undefined, agent.token);
        if (now.body?.interaction?.agentId !== agent.id) return;
      }
    } else if (pick < 0.3) {
      const others = this.s.agents.filter((a) => a.id !== agent.id);
      const to = others[Math.floor(this.rnd() * others.length)];
      await this.timed("transfer", () => this.#post(agent, id, "transfer", { agentId: to.id }));
      return;
    }
    if (this.stopping) return;
    await this.timed("complete", () => this.#post(agent, id, "complete", {}));
  }

  /** Closes an agent's stream and opens a new one from its last event id. */
  async reconnect(a: BenchAgent): Promise<void> {
    await this.timed("reconnect", async () => {
      a.stream.close();
      const stream = new FeedStream(this.s.url, a.id, a.token, (e) => this.onEvent(e), {
        lastEventId: a.stream.lastEventId,
        onEnd: (err) => this.streamEnded(a, err),
      });
      a.stream = stream;
      await stream.ready;
    });
  }

  /** An agent's stream ended without being closed here: an error, then reopened. */
  streamEnded(a: BenchAgent, err: unknown | null): void {
    if (this.stopping) return;
    this.fail(`stream of ${a.id} ended${err ? `: ${err instanceof Error ? err.message : err}` : ""}`);
    this.track(this.reconnect(a));
  }

  /** The supervisor's overview stream, held open (and reopened each minute like the agents'). */
  async supervise(token: string): Promise<void> {
    await this.timed("reconnect", async () => {
      const last = this.#supervisor;
      last?.close();
      const stream = new FeedStream(this.s.url, "supervisor", token, () => {}, {
        path: "/api/v1/supervisor/events",
        lastEventId: last?.lastEventId ?? null,
        onEnd: (err) => {
          if (this.stopping || stream !== this.#supervisor) return;
          this.fail(`supervisor stream ended${err ? `: ${err}` : ""}`);
          this.track(this.supervise(token));
        },
      });
      this.#supervisor = stream;
      await stream.ready;
    });
  }

  closeSupervisor(): void {
    this.#supervisor?.close();
  }

  /**
   * Still awaited past their limits (a figure each minute: on a starved machine they come late):
   * deferrals not woken 15 s after their time, replies not delivered 60 s after they were sent.
   */
  late(now = Date.now()): { wakes: number; deliveries: number } {
    let wakes = 0, deliveries = 0;
    for (const due of this.pendingWakes.values()) if (now - due > WAKE_LIMIT_MS) wakes++;
    for (const at of this.undelivered.values()) if (now - at > DELIVERY_LIMIT_MS) deliveries++;
    return { wakes, deliveries };
  }

  /** After the drain, whatever is still awaited is lost: an error each. */
  lost(): void {
    for (const id of this.pendingWakes.keys()) this.fail(`wake of ${id}: never happened`);
    for (const id of this.undelivered.keys()) this.fail(`reply ${id}: never delivered`);
    this.pendingWakes.clear();
    this.undelivered.clear();
  }

  // ---- customers ----------------------------------------------------------------------------

  /**
   * The sources' callback: checks the signature, notes the reply delivered, and has the customer
   * answer the smart-closure question: Yes (back to the agent), No (completed), or nothing (its
   * timer completes it).
   */
  async receive(req: Request): Promise<Response> {
    const bytes = new Uint8Array(await req.arrayBuffer());
    const raw = new TextDecoder().decode(bytes);
    let d: {
      source?: string;
      thread?: { id?: string };
      message?: { id?: string; structured?: { type?: string } };
    };
    try {
      d = JSON.parse(raw);
    } catch {
      this.fail("delivery: not JSON");
      return new Response(null, { status: 400 });
    }
    const source = d.source ?? "";
    if (
      !(await verifySignature(secretOf(source), bytes, req.headers.get("x-signature")).catch(() => false))
    ) {
      this.fail(`delivery ${d.message?.id}: bad signature for source ${source}`);
      return new Response(null, { status: 401 });
    }
    this.minute.deliveries++;
    const id = d.message?.id;
    if (id && !this.undelivered.delete(id) && d.message?.structured?.type !== "quick_replies") {
      this.#deliveredEarly.add(id);
      if (this.#deliveredEarly.size > 5_000) {
        this.#deliveredEarly.delete(this.#deliveredEarly.values().next().value!);
      }
    }
    const thread = d.thread?.id;
    if (d.message?.structured?.type === "quick_replies" && thread) {
      const pick = this.rnd();
      const answer = pick < 0.3 ? "yes" : pick < 0.7 ? "no" : null;
      if (answer) {
        this.track((async () => {
          await sleep(300 + this.rnd() * 700);
          if (this.stopping) return;
          await this.timed("answer", () =>
            this.inbound(source, thread, answer === "yes" ? "Yes" : "No", {
              type: "quick_reply_answer",
              payload: answer,
            }));
        })());
      }
    }
    return new Response(null, { status: 200 });
  }
}
