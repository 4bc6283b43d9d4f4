/// <reference lib="dom" />
/**
 * Browser side of the islands runtime: finds the markers written by `lib/server/islands/render.tsx` and hydrates
 * each with the props serialised next to it.
 */
import { type ComponentType, h, hydrate } from "preact";

// deno-lint-ignore no-explicit-any
export function hydrateIslands(name: string, component: ComponentType<any>): void {
  for (const el of document.querySelectorAll<HTMLElement>(`[data-island="${name}"]`)) {
    const script = el.nextElementSibling;
    if (script?.getAttribute("data-island-props") !== name) continue;
    hydrate(h(component, JSON.parse(script.textContent || "{}")), el);
  }
}
