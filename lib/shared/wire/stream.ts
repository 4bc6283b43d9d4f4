/**
 * Typed server-sent events for browser code. No zod here: the widget and islands import this as
 * a value, and a schema module would pull zod into their bundles.
 */

/** One event of a stream whose event names and data `M` declares. */
export type StreamEvent<M> = { [E in keyof M]: { event: E; data: M[E] } }[keyof M];

/** Listens to one named event of `stream`, parsed as `M` declares it. */
export function onStreamEvent<M, E extends keyof M & string>(
  stream: EventSource,
  name: E,
  fn: (data: M[E]) => void,
): void {
  stream.addEventListener(name, (e) => fn(JSON.parse((e as MessageEvent<string>).data) as M[E]));
}
