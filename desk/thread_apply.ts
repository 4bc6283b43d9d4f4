/**
 * Applies a thread decision (`decideThread`) in a transaction: writes the thread, its audit
 * entries, and carries the requirement changes over to the open interaction (re-routing it when
 * queued) through the interaction actor.
 */
import type { Tx } from "../lib/server/actor.ts";
import { type Actor, decideInteraction, type InteractionState } from "../actors/interaction.ts";
import type { ThreadDecision } from "../actors/thread.ts";
import type { Desk } from "./desk.ts";
import { writeAudit, writeThread } from "./persist.ts";

export async function applyThreadDecision(
  tx: Tx,
  desk: Desk,
  d: ThreadDecision,
  actor: Actor,
  open: InteractionState | null,
): Promise<void> {
  writeThread(tx, desk.ctx, d.state);
  for (const e of d.effects) {
    switch (e.type) {
      case "audit":
        writeAudit(tx, desk.ctx, {
          threadId: d.state.id,
          interactionId: open?.id ?? d.state.openInteractionId,
          actor,
          type: e.action,
          details: e.details,
        });
        break;
      case "requirements":
        if (open) {
          const change = { categories: e.categories, language: e.language };
          const decided = decideInteraction(
            open,
            { type: "set_requirements", ...change },
            desk.ctx.decideContext(open.sourceId),
          );
          await desk.apply(tx, open, decided, actor);
        }
        break;
      default: {
        const never: never = e;
        throw new Error(`unknown thread effect ${JSON.stringify(never)}`);
      }
    }
  }
}
