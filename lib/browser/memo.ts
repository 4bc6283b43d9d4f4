/**
 * `memo` for Preact components without `preact/compat` (which patches Preact's options hooks
 * for React compatibility and would grow the bundle): a component that re-renders only when a
 * prop changes (shallow comparison). Signals it reads still re-render it on their own.
 */
import { Component, type ComponentChildren, type FunctionComponent, h } from "preact";

/** Whether two props objects hold the same values (`Object.is` per key). */
export function shallowEqual(a: object, b: object): boolean {
  const ka = Object.keys(a), kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!Object.is((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

/**
 * How many times each memoised component rendered, by name: the browser tests read it (through
 * `window.__routingView.renders()`) to prove a change re-renders only the rows it concerns.
 */
export const renderCounts: Record<string, number> = {};

/** `name` keys `renderCounts`; give it explicitly, since minified bundles rename functions. */
export function memo<P extends object>(
  render: (props: P) => ComponentChildren,
  name: string = render.name,
): FunctionComponent<P> {
  class Memo extends Component<P> {
    override shouldComponentUpdate(next: P): boolean {
      return !shallowEqual(this.props, next);
    }
    override render(props: P) {
      renderCounts[name] = (renderCounts[name] ?? 0) + 1;
      return h(render as FunctionComponent<P>, props);
    }
  }
  (render as { displayName?: string }).displayName ??= name;
  return Memo as unknown as FunctionComponent<P>;
}
