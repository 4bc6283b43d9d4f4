/**
 * The events of an agent's live feed (API.md "Events" and the documented extensions), by name
 * with their payloads: `Tx.emit` (lib/server/actor.ts) only takes these, the interaction actor's
 * event effects are typed by them, and the browser's stream (lib/browser/live.ts) and routing
 * view read them through the same map, so a renamed event or a changed payload is a type error
 * on both sides.
 *
 * Types only (plus the list of names): browser code imports them without zod.
 */
import type { CobrowseView } from "./webchat.ts";
import type { InteractionView, MessageView, Presence } from "./views.ts";

/** What every interaction event carries: the interaction as it is after the commit. */
type InteractionChanged = { interactionId: string; interaction: InteractionView };

/** Why an interaction left the agent's folders or came into them (`reason` of the events). */
export type WithdrawnReason = "accept_timeout" | "agent_signed_out" | "transferred";
export type UpdatedReason =
  | "transferred_out"
  | "transferred_in"
  | "closing_reopened"
  | "returned_from_deferred"
  | "requeued_from_deferred"
  | "taken_over";

/** Payload of each feed event, by name. */
export type AgentEvents = {
  "interaction.offered": InteractionChanged & { acceptDeadline: string | null };
  "interaction.withdrawn": InteractionChanged & { reason: WithdrawnReason };
  "interaction.updated": InteractionChanged & { reason?: UpdatedReason };
  "interaction.idle": InteractionChanged & { lastActivityAt: string };
  "conversation.closed": InteractionChanged;
  "message.created": { interactionId: string; messageId: string; muted: boolean; message: MessageView };
  /** Extension: a message changed in place (anonymised). */
  "message.updated": { interactionId: string; messageId: string; message: MessageView };
  /** Extension: a supervisor set this agent's presence. */
  "presence.changed": {
    interactionId: null;
    presence: Presence;
    presenceSince: string;
    by: { id: string; name: string } | null;
  };
  /** Extension (SPEC M1b): every session of the agent ended (disabled, removed, new password or role). */
  "session.ended": { interactionId: null; reason: string };
  /** Extension: a co-browsing session of one of the agent's interactions changed. */
  "cobrowse.updated": { interactionId: string; cobrowse: CobrowseView };
  /** Extension: an expert's answer arrived (to the asker, when the thread moved to someone else). */
  "expert.answered": { interactionId: string; messageId: string; questionId: string };
};
export type AgentEventName = keyof AgentEvents;
export type AgentEventData<E extends AgentEventName> = AgentEvents[E];

/** One feed event as a discriminated union (what a reader switches on). */
export type AgentEvent = { [E in AgentEventName]: { event: E; data: AgentEvents[E] } }[AgentEventName];

/** Every feed event name, for a client that subscribes to each (checked complete below). */
export const AGENT_EVENT_NAMES = [
  "interaction.offered",
  "interaction.withdrawn",
  "interaction.updated",
  "interaction.idle",
  "conversation.closed",
  "message.created",
  "message.updated",
  "presence.changed",
  "session.ended",
  "cobrowse.updated",
  "expert.answered",
] as const satisfies readonly AgentEventName[];
// A name added to AgentEvents and not to the list fails here.
const _complete: Exclude<AgentEventName, (typeof AGENT_EVENT_NAMES)[number]> extends never ? true : never =
  true;
void _complete;

export const SESSION_ENDED = "session.ended" satisfies AgentEventName;

/** The events the interaction actor decides (its effects carry the payload minus the interaction). */
export type InteractionEventName =
  | "interaction.offered"
  | "interaction.withdrawn"
  | "interaction.updated"
  | "interaction.idle"
  | "conversation.closed";
export type InteractionEventExtra<E extends InteractionEventName> = Omit<
  AgentEvents[E],
  keyof InteractionChanged
>;

/**
 * The last event a stream writes before it closes (no id: not part of the feed), on every
 * stream (the agent's, the web chat's, co-browsing's).
 */
export type ClosingEvents = {
  /** More streams of one owner were opened than are kept: the oldest closes; do not reconnect. */
  "stream.replaced": { reason: "too_many_streams"; limit: number };
  /** This server is stopping: reconnect (another process, or this one after its restart). */
  "server.stopping": { interactionId: null; reason: "shutdown" };
};
export type ClosingEvent = {
  [E in keyof ClosingEvents]: { event: E; data: ClosingEvents[E] };
}[keyof ClosingEvents];
export const STREAM_REPLACED = "stream.replaced" satisfies keyof ClosingEvents;
export const SERVER_STOPPING = "server.stopping" satisfies keyof ClosingEvents;
