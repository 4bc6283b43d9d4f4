/// <reference lib="dom" />
/** Small DOM helpers of the widget: plain elements, one inline icon, safe text and links. */
import type { WidgetMessageView } from "../lib/shared/wire/webchat.ts";

export type El = HTMLElement;

/** An element with attributes (`true` → empty attribute, `false` → none) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | boolean> = {},
  ...kids: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false) continue;
    if (k === "class") e.className = String(v);
    else e.setAttribute(k, v === true ? "" : v);
  }
  e.append(...kids);
  return e;
}

/** An SVG element with attributes. */
function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string>,
): SVGElementTagNameMap[K] {
  const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

/** A paperclip icon (inline SVG: no font or file needed). */
export function clipIcon(): SVGSVGElement {
  const icon = svg("svg", { viewBox: "0 0 24 24", width: "18", height: "18", "aria-hidden": "true" });
  icon.append(svg("path", {
    d: "M21 11.5l-8.6 8.6a5 5 0 01-7.1-7.1l8.6-8.6a3.3 3.3 0 014.7 4.7l-8.6 8.6a1.7 1.7 0 01-2.4-2.4l7.9-7.9",
    fill: "none",
    stroke: "currentColor",
    "stroke-width": "2",
    "stroke-linecap": "round",
  }));
  return icon;
}

/** Text of a sanitised HTML body, without running or loading anything (inert document). */
export function textOf(m: WidgetMessageView): string {
  if (m.format !== "html") return m.body;
  return new DOMParser().parseFromString(m.body, "text/html").body.textContent ?? "";
}

/** Only http(s) links are ever shown. */
export const isHttp = (url: string): boolean => {
  try {
    return /^https?:$/.test(new URL(url).protocol);
  } catch {
    return false;
  }
};
