/**
 * What an agent can do: the permissions a role grants (configuration `roles`) and the routing
 * view's interaction actions (U6, A16). Its own module, without zod, so the routing view's bundle
 * can import it; `lib/shared/config.ts` re-exports both lists. A new action is added here once.
 */

export const PERMISSIONS = [
  "accept",
  "reply",
  "resume",
  "categorize",
  "defer",
  "transfer",
  "force_transfer",
  "complete",
  "print",
  "audit",
  "change_language",
  "ignore",
  "mute",
  "lock",
  "ask_expert",
  "cobrowse",
  "supervise",
  "admin",
  "anonymize",
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/**
 * The interaction actions by the name the action bar and the `actionLayout` configuration
 * section use. `lock`, `ignore` and `mute` each stand for their toggle pair.
 */
export const ACTIONS = [
  "accept",
  "reply",
  "resume",
  "categorize",
  "defer",
  "transfer",
  "complete",
  "print",
  "audit",
  "language",
  "ignore",
  "mute",
  "lock",
  "expert",
] as const;
export type ActionName = (typeof ACTIONS)[number];
