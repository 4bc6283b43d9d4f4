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
