/**
 * The interaction actor: one unit of routed work on a thread (SPEC §1–4). `decideInteraction`
 * is a pure transition: (state, command, context) → { state, effects }. Effects are data; the
 * desk turns them into one atomic commit (agent load, feed events, audit, message statuses,
 * outbound messages). Timers are derived from the resulting state by `timerOf`.
 *
 * Split by phase under `interaction/`: `state.ts` (data), `offer.ts` (offer, accept, missed
 * offer), `handling.ts` (reply, customer messages, defer, resume, idle), `transfer.ts`,
 * `closing.ts` (complete, smart closure, conversation closed), `rules.ts` (shared rules),
 * `decide.ts` (routing a command to its phase). This module is the one importers use.
 */
export type {
  Actor,
  DecideContext,
  Decision,
  Disposition,
  EventName,
  FolderOf,
  InteractionCommand,
  InteractionEffect,
  InteractionState,
  InteractionStatus,
  NewInteraction,
  SmartClosure,
  TimerKind,
  TransferTarget,
} from "./interaction/state.ts";
export { folderOf, isOpen, newInteraction, OPEN_STATES, SYSTEM, timerOf } from "./interaction/state.ts";
export { decideInteraction } from "./interaction/decide.ts";
export { addPending } from "./interaction/rules.ts";
export { transferTargetProblems } from "./interaction/transfer.ts";
export type { ClosingReason } from "./interaction/closing.ts";
export { type IndexRecord, indexRecord, type InteractionView, interactionView } from "./interaction/view.ts";
