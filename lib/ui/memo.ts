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

export function memo<P extends object>(render: (props: P) => ComponentChildren): FunctionComponent<P> {
  class Memo extends Component<P> {
    override shouldComponentUpdate(next: P): boolean {
      return !shallowEqual(this.props, next);
    }
    override render(props: P) {
      return h(render as FunctionComponent<P>, props);
    }
  }
  (render as { displayName?: string }).displayName ??= render.name;
  return Memo as unknown as FunctionComponent<P>;
}
