/**
 * The routing view's interaction actions (U6, A16), by the name the action bar and the
 * `actionLayout` configuration section use. `lock`, `ignore` and `mute` each stand for their
 * toggle pair. Its own module, without zod, so the routing view's bundle can import it.
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
