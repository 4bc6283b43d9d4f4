/**
 * `decideInteraction`: one pure transition, (state, command, context) → { state, effects }.
 * Each command is decided by its phase's module; this only routes it there and stamps the
 * result (a new epoch, so timers set before it are stale).
 */
import { iso } from "../../lib/shared/time.ts";
import { accept, acceptTimedOut, offer, withdrawOffer } from "./offer.ts";
import { customerMessage, defer, idlePrompt, reply, resume, setRequirements, wakeUp } from "./handling.ts";
import { transfer } from "./transfer.ts";
import { closingTimedOut, complete, conversationClosed } from "./closing.ts";
import {
  type CommandOf,
  type DecideContext,
  type Decision,
  type InteractionCommand,
  type InteractionState,
  timerOf,
} from "./state.ts";

/**
 * Applies one command. Refuses (`actors/refusal.ts`: 409 when the state does not allow it, 400
 * for bad arguments); never performs I/O and never mutates `s`.
 */
export function decideInteraction(
  s: InteractionState,
  cmd: InteractionCommand,
  ctx: DecideContext,
): Decision {
  const d = route(s, cmd, ctx);
  return { state: { ...d.state, updatedAt: iso(ctx.now), epoch: s.epoch + 1 }, effects: d.effects };
}

function route(s: InteractionState, cmd: InteractionCommand, ctx: DecideContext): Decision {
  switch (cmd.type) {
    case "offer":
      return offer(s, cmd, ctx);
    case "accept":
      return accept(s, cmd, ctx);
    case "reply":
      return reply(s, cmd, ctx);
    case "customer_message":
      return customerMessage(s, cmd, ctx);
    case "defer":
      return defer(s, cmd, ctx);
    case "resume":
      return resume(s, cmd, ctx);
    case "transfer":
      return transfer(s, cmd, ctx);
    case "complete":
      return complete(s, cmd, ctx);
    case "timer":
      return onTimer(s, cmd, ctx);
    case "conversation_closed":
      return conversationClosed(s, ctx);
    case "set_requirements":
      return setRequirements(s, cmd);
    case "withdraw_offer":
      return withdrawOffer(s, cmd, ctx);
    default: {
      const never: never = cmd;
      throw new Error(`unknown interaction command ${JSON.stringify(never)}`);
    }
  }
}

/** A timer fires only if it is the one the state has now (an older one changes nothing). */
function onTimer(
  s: InteractionState,
  cmd: CommandOf<"timer">,
  ctx: DecideContext,
) {
  const timer = timerOf(s, cmd.idleTimeout);
  if (!timer || timer.kind !== cmd.kind) return { state: s, effects: [] };
  switch (timer.kind) {
    case "accept":
      return acceptTimedOut(s, ctx);
    case "idle":
      return idlePrompt(s);
    case "wake":
      return wakeUp(s, cmd.ownerCanTake, "deferral_ended", ctx);
    case "closing":
      return closingTimedOut(s, ctx);
  }
}
