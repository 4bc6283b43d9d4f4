/**
 * The desk: the routing core's entry point. It owns the context, the dispatcher and the one
 * `apply` that turns a decision into staged writes; the operations live in sibling modules.
 */
import type { Tx } from "../lib/server/actor.ts";
import type { Config } from "../lib/shared/config.ts";
import type { Actor, Decision, InteractionState } from "../actors/interaction.ts";
import { DeskContext, type DeskOptions } from "./context.ts";
import { Dispatcher } from "./dispatch.ts";
import { applyDecision } from "./persist.ts";
import { postSmartClosureMessage } from "./messages.ts";
import { endStaleCobrowse, leavesCobrowse } from "./cobrowse.ts";
import { OpenStreams, STREAMS_PER_OWNER } from "../lib/server/streams.ts";
import { StreamLeases } from "./stream_leases.ts";

export class Desk {
  readonly ctx: DeskContext;
  readonly dispatcher: Dispatcher;
  /** Timer lateness samples (ms), read by the benchmark. */
  readonly timerLateness: number[] = [];
  /** The event streams this process serves (limits per owner; told to go when stopping). */
  readonly streams: OpenStreams;
  /** Set once the process is stopping (SIGTERM): it takes no new work; `/readyz` answers 503. */
  draining = false;

  constructor(options: DeskOptions) {
    this.ctx = new DeskContext(options);
    this.dispatcher = new Dispatcher(this.ctx, this.apply);
    this.streams = new OpenStreams(STREAMS_PER_OWNER, new StreamLeases(this.ctx.kv, STREAMS_PER_OWNER));
  }

  get kv(): Deno.Kv {
    return this.ctx.kv;
  }

  get config(): Config {
    return this.ctx.config;
  }

  /** Writes a decision and its effects into `tx`. */
  apply = async (tx: Tx, before: InteractionState | null, d: Decision, actor: Actor): Promise<void> => {
    await applyDecision(tx, this.ctx, before, d.state, d.effects, actor, {
      dispatch: (g) => this.dispatcher.request(g),
      outbound: (tx, s, kind) => postSmartClosureMessage(tx, this.ctx, s, kind),
    });
    // An interaction that left its agent ends that agent's co-browsing session at once.
    if (before && leavesCobrowse(before, d.state)) tx.after(() => endStaleCobrowse(this, d.state.id));
  };
}
