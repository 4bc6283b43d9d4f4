/**
 * `decideInteraction`: one pure transition, (state, command, context) → { state, effects }.
 * Each command is decided by its phase's module (its exported map of command → function); this
 * only routes it there and stamps the result (a new epoch, so timers set before it are stale).
 */
import { iso } from "../../lib/shared/time.ts";
import { acceptTimedOut, offerPhase } from "./offer.ts";
import { handlingPhase, idlePrompt, wakeUp } from "./handling.ts";
import { transferPhase } from "./transfer.ts";
import { closingPhase, closingTimedOut } from "./closing.ts";
import {
  type CommandHandlers,
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

/** Every command's decide function: the phases' own maps, and the timer's routing below. */
const HANDLERS: CommandHandlers = {
  ...offerPhase,
  ...handlingPhase,
  ...transferPhase,
  ...closingPhase,
  timer: onTimer,
};

function route<T extends InteractionCommand["type"]>(
  s: InteractionState,
  cmd: CommandOf<T>,
  ctx: DecideContext,
): Decision {
  const decide: CommandHandlers[T] | undefined = HANDLERS[cmd.type as T];
  if (!decide) throw new Error(`unknown interaction command ${JSON.stringify(cmd)}`);
  return decide(s, cmd, ctx);
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
