/**
 * Where an interaction is listed by its state: the queue, or one of the agent's folders. The
 * server's views and the routing view's store both sort by it (no zod here: browser-safe).
 */
import type { FolderName, InteractionStatus } from "./wire/views.ts";

export function folderOfState(state: InteractionStatus): FolderName | "queue" {
  switch (state) {
    case "queued":
      return "queue";
    case "offered":
    case "active":
    case "closing":
      return "in_progress";
    case "deferred":
      return "deferred";
    case "completed":
      return "history";
  }
}
