/// <reference lib="dom" />
/**
 * "The agent is typing" for the customer's web chat widget: at most one call every few
 * seconds per interaction, fire and forget (a lost one only hides the indicator sooner).
 */
import { createApi } from "./api.ts";

const EVERY_MS = 3_000;
const last = new Map<string, number>();

export function notifyTyping(interactionId: string, sourceKind: string | undefined): void {
  if (sourceKind !== "chat") return;
  const now = Date.now();
  if (now - (last.get(interactionId) ?? 0) < EVERY_MS) return;
  last.set(interactionId, now);
  const csrf = document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? "";
  createApi(csrf, () => {})("POST", `/api/v1/interactions/${interactionId}/typing`).catch(() => {});
}
