/**
 * The HTML document around every page (Fresh's `_app`): language, theme, the hashed
 * stylesheet, module preloads and island scripts, and strict security headers.
 */
import type { Context } from "hono";
import type { ComponentChildren } from "preact";
import { renderToString } from "preact-render-to-string";
import type { UiLanguage } from "../../lib/shared/i18n/mod.ts";
import type { Theme } from "../../lib/browser/types.ts";
import { assets } from "./assets.ts";

export type DocumentProps = {
  lang: UiLanguage;
  title: string;
  theme: Theme;
  islands?: string[];
  csrf?: string;
  bodyClass?: string;
  children: ComponentChildren;
};

/** Customer content never executes: scripts only from this origin, no inline script, no frames. */
export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' https: http: data: blob:",
  "media-src 'self' https: http: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

export function securityHeaders(c: Context): void {
  c.header("content-security-policy", CSP);
  c.header("x-content-type-options", "nosniff");
  c.header("referrer-policy", "same-origin");
  c.header("x-frame-options", "DENY");
  c.header("cache-control", "no-store");
}

/** Renders a whole page to an HTML string. */
export async function renderDocument(p: DocumentProps): Promise<string> {
  const a = await assets();
  const islands = (p.islands ?? []).map((n) => a.islands[n]).filter(Boolean);
  const preload = [...new Set(islands.flatMap((i) => i.preload))];
  const html = renderToString(
    <html lang={p.lang} data-theme={p.theme === "system" ? undefined : p.theme}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content={p.theme === "system" ? "light dark" : p.theme} />
        <title>{p.title}</title>
        {p.csrf ? <meta name="csrf-token" content={p.csrf} /> : null}
        <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href={a.styles["app.css"]} />
        {islands.map((i) => <link key={i.src} rel="modulepreload" href={i.src} />)}
        {preload.map((href) => <link key={href} rel="modulepreload" href={href} />)}
      </head>
      <body class={p.bodyClass}>
        {p.children}
        {islands.map((i) => <script key={i.src} type="module" src={i.src} />)}
      </body>
    </html>,
  );
  return "<!doctype html>" + html;
}
