import type { InteractionView } from "../../lib/shared/wire/views.ts";
import type { InteractionState } from "./state.ts";

export type { InteractionView };

/** The public view of an interaction (API.md `Interaction`). */
export function interactionView(s: InteractionState): InteractionView {
  return {
    id: s.id,
    threadId: s.threadId,
    sourceId: s.sourceId,
    group: s.group,
    state: s.state,
    agentId: s.agentId,
    categories: s.categories,
    language: s.language,
    priority: s.priority,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    acceptDeadline: s.acceptDeadline,
    deferredUntil: s.deferredUntil,
    disposition: s.disposition,
    conversationClosed: s.conversationClosed,
    closing: s.closing,
    transfer: s.transfer,
    customer: s.customer,
    preview: s.preview,
    offeredAt: s.offeredAt,
    acceptedAt: s.acceptedAt,
    completedAt: s.completedAt,
    completedBy: s.completedBy,
    lastActivityAt: s.lastActivityAt,
  };
}

/**
 * What an index entry of an interaction holds (an agent's folders, the open-interaction indexes
 * by state and by source): the id and the fields lists filter on, not the view. Readers take the
 * views of the page they return from the interactions themselves; a whole view in each index
 * made one more ~750-byte copy per index in every transition's commit, and bytes are most of
 * what a commit costs the store. No customer content, so anonymising leaves these alone.
 */
export type IndexRecord = Pick<
  InteractionView,
  "id" | "state" | "sourceId" | "agentId" | "categories" | "language"
>;

export const indexRecord = (s: InteractionState): IndexRecord => ({
  id: s.id,
  state: s.state,
  sourceId: s.sourceId,
  agentId: s.agentId,
  categories: s.categories,
  language: s.language,
});
