/**
 * The print view (SPEC A8) at `/threads/:id/print`: a preview of the print sheet with its
 * filter (author, dates, text, folded messages), printed with the browser (print CSS makes
 * "Save as PDF" a clean document). Images, GIFs (first frame), videos (first frame) and
 * structured messages print as static pictures; other files as a file-type icon.
 */
import type { App } from "../auth.ts";
import type { Context } from "hono";
import { renderToString } from "preact-render-to-string";
import { AppError } from "../../lib/shared/errors.ts";
import { type MessageKey, translate, type UiLanguage } from "../../lib/shared/i18n/mod.ts";
import { fromAcceptLanguage } from "../../lib/shared/i18n/mod.ts";
import { Island } from "../../lib/server/islands/render.tsx";
import type { Desk } from "../../desk/desk.ts";
import { type PrintMessage, type PrintSheet, printSheet } from "../../desk/print.ts";
import PrintToolbar from "../../islands/print_toolbar.tsx";
import { printFilterOf } from "../api/print.ts";
import { assets } from "./assets.ts";
import { securityHeaders } from "./_app.tsx";
import { pageSession } from "./session.ts";

type T = (key: MessageKey, vars?: Record<string, string | number>) => string;

const date = (iso: string, lang: UiLanguage) =>
  new Date(iso).toLocaleString(lang === "fr" ? "fr-FR" : "en-GB", {
    dateStyle: "medium",
    timeStyle: "short",
    timeZone: "UTC",
  }) + " UTC";
const ext = (
  name: string,
) => (name.includes(".") ? name.split(".").pop()!.slice(0, 4).toUpperCase() : "FILE");
const str = (
  x: unknown,
) => (typeof x === "string" ? x : x === null || x === undefined ? "" : JSON.stringify(x));
const safe = (u: unknown) => (typeof u === "string" && /^(https?:\/\/|\/)/i.test(u) ? u : null);

function FileIcon({ name }: { name: string }) {
  return (
    <span class="pv-file">
      <svg class="pv-file-icon" width="34" height="40" viewBox="0 0 24 28" aria-hidden="true">
        <path
          d="M14 1H4a2 2 0 0 0-2 2v22a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2V9z"
          fill="none"
          stroke="currentColor"
          stroke-width="1.5"
        />
        <polyline points="14 1 14 9 22 9" fill="none" stroke="currentColor" stroke-width="1.5" />
        <text x="12" y="21" text-anchor="middle" font-size="6" font-family="sans-serif" fill="currentColor">
          {ext(name)}
        </text>
      </svg>
      <span>{name}</span>
    </span>
  );
}

function Attachments({ m, t }: { m: PrintMessage; t: T }) {
  return (
    <div class="pv-attachments">
      {m.attachments.map((a, i) => {
        const url = safe(a.url);
        const type = a.contentType.toLowerCase();
        if (url && type.startsWith("image/")) {
          const gif = type === "image/gif";
          return (
            <figure key={i} class="pv-figure">
              <img
                class="pv-image"
                src={url}
                alt={a.name}
                referrerpolicy="no-referrer"
                data-gif={gif ? "" : undefined}
              />
              <figcaption>{a.name}</figcaption>
            </figure>
          );
        }
        if (url && type.startsWith("video/")) {
          return (
            <figure key={i} class="pv-figure">
              <video class="pv-image" src={`${url}#t=0.1`} preload="auto" muted playsinline />
              <figcaption>{t("print.video", { name: a.name })}</figcaption>
            </figure>
          );
        }
        return <FileIcon key={i} name={a.name} />;
      })}
    </div>
  );
}

/** A structured message as a static card (what the customer saw, without controls). */
function Structured({ data, t }: { data: Record<string, unknown>; t: T }) {
  const type = str(data.type);
  const kinds = ["quick_replies", "quick_reply_answer", "rich_link", "template", "carousel"];
  const kind = kinds.includes(type) ? `structured.${type}` : "structured.other";
  const list = (
    x: unknown,
  ) => (Array.isArray(x) ? x.filter((v) => v && typeof v === "object") as Record<string, unknown>[] : []);
  const img = (
    u: unknown,
  ) => (safe(u) ? <img class="pv-card-image" src={safe(u)!} alt="" referrerpolicy="no-referrer" /> : null);
  return (
    <div class="pv-card">
      <div class="pv-card-kind">{t(kind as MessageKey)}</div>
      {type === "quick_replies"
        ? (
          <ul class="pv-chips">
            {list(data.options).map((o, i) => <li key={i}>{str(o.label ?? o.payload)}</li>)}
          </ul>
        )
        : type === "quick_reply_answer"
        ? (
          <ul class="pv-chips">
            <li>{str(data.label ?? data.payload)}</li>
          </ul>
        )
        : type === "rich_link"
        ? (
          <div class="pv-card-row">
            {img(data.image ?? data.imageUrl)}
            <div>
              <p class="pv-card-title">{str(data.title ?? data.url)}</p>
              <p class="pv-muted">{str(data.url)}</p>
              {data.description ? <p>{str(data.description)}</p> : null}
            </div>
          </div>
        )
        : type === "template"
        ? (
          <div>
            <p class="pv-card-title">{str(data.title ?? data.name)}</p>
            {data.body ?? data.text ? <p>{str(data.body ?? data.text)}</p> : null}
            <ul class="pv-chips">
              {list(data.buttons).map((b, i) => <li key={i}>{str(b.label ?? b.title)}</li>)}
            </ul>
          </div>
        )
        : type === "carousel"
        ? (
          <ul class="pv-carousel">
            {list(data.items).map((it, i) => (
              <li key={i}>
                {img(it.image ?? it.imageUrl)}
                <p class="pv-card-title">{str(it.title)}</p>
                {it.subtitle ?? it.description
                  ? <p class="pv-muted">{str(it.subtitle ?? it.description)}</p>
                  : null}
              </li>
            ))}
          </ul>
        )
        : <pre class="pv-json">{JSON.stringify(data, null, 2).slice(0, 2000)}</pre>}
    </div>
  );
}

function Message({ m, t, lang }: { m: PrintMessage; t: T; lang: UiLanguage }) {
  const author = m.author.type === "system"
    ? (m.private ? m.author.name : t("author.system"))
    : m.author.name;
  return (
    <article class={`pv-msg pv-${m.author.type}`} data-message-id={m.id}>
      <header class="pv-meta">
        <strong>{author}</strong>
        <span>
          {m.author.type === "customer"
            ? t("print.customer")
            : m.author.type === "agent"
            ? t("print.agent")
            : t("print.systemMessages")}
        </span>
        <time dateTime={m.createdAt}>{date(m.createdAt, lang)}</time>
        <span class="pv-status">
          {t(`status.${m.status}` as MessageKey)}
          {m.handledBy ? ` · ${t("print.handledBy", { name: m.handledBy.name })}` : ""}
        </span>
        {m.private ? <span class="pv-badge">{t("thread.private")}</span> : null}
        {m.anonymized ? <span class="pv-badge">{t("thread.anonymized")}</span> : null}
      </header>
      {m.body
        ? m.format === "html"
          ? <div class="pv-body" dangerouslySetInnerHTML={{ __html: m.body }} />
          : <div class="pv-body pv-text">{m.body}</div>
        : null}
      {m.attachments.length ? <Attachments m={m} t={t} /> : null}
      {m.structured ? <Structured data={m.structured} t={t} /> : null}
      {m.contextData && Object.keys(m.contextData).length
        ? (
          <dl class="pv-context" aria-label={t("details.context")}>
            {Object.entries(m.contextData).slice(0, 50).map(([k, v]) => (
              <div key={k}>
                <dt>{k}</dt>
                <dd>{str(v).slice(0, 500)}</dd>
              </div>
            ))}
          </dl>
        )
        : null}
    </article>
  );
}

function Filter({ q, t, threadId }: { q: Record<string, string>; t: T; threadId: string }) {
  return (
    <form class="pv-filter" method="get" action={`/threads/${encodeURIComponent(threadId)}/print`}>
      <label>
        <span>{t("print.author")}</span>
        <select name="author">
          <option value="">{t("print.anyone")}</option>
          <option value="customer" selected={q.author === "customer"}>{t("print.customer")}</option>
          <option value="agent" selected={q.author === "agent"}>{t("print.agents")}</option>
          <option value="system" selected={q.author === "system"}>{t("print.systemMessages")}</option>
        </select>
      </label>
      <label>
        <span>{t("print.from")}</span>
        <input type="date" name="from" value={q.from ?? ""} />
      </label>
      <label>
        <span>{t("print.to")}</span>
        <input type="date" name="to" value={q.to ?? ""} />
      </label>
      <label>
        <span>{t("print.text")}</span>
        <input type="search" name="q" value={q.q ?? ""} maxLength={200} />
      </label>
      <label class="pv-check">
        <input type="checkbox" name="folded" value="include" checked={q.folded === "include"} />
        <span>{t("print.folded")}</span>
      </label>
      <button type="submit" class="btn">{t("print.apply")}</button>
    </form>
  );
}

async function render(
  c: Context,
  o: { lang: UiLanguage; threadId: string; sheet: PrintSheet | null; error: string | null; title: string },
) {
  const a = await assets();
  const t: T = (k, v) => translate(o.lang, k, v);
  const q = c.req.query();
  const island = a.islands["print_toolbar"];
  const s = o.sheet;
  const body = (
    <html lang={o.lang} data-theme="light">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light" />
        <title>{o.title}</title>
        <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href={a.styles["app.css"]} />
        <link rel="stylesheet" href={a.styles["print_view.css"]} />
        {island ? <link rel="modulepreload" href={island.src} /> : null}
      </head>
      <body class="page-print">
        <header class="pv-toolbar">
          <a
            class="btn btn-ghost"
            href={s ? `/?i=${encodeURIComponent(s.thread.openInteractionId ?? "")}` : "/"}
          >
            {t("print.back")}
          </a>
          <Filter q={q} t={t} threadId={o.threadId} />
          <Island name="print_toolbar" component={PrintToolbar} props={{ label: t("print.print") }} />
        </header>
        <main class="pv-sheet" id="print-sheet">
          {o.error ? <p class="form-error pv-error" role="alert">{o.error}</p> : null}
          {s
            ? (
              <>
                <h1>{s.thread.customer.name} · {s.source.name}</h1>
                <p class="pv-muted">
                  {t("print.printedBy", { name: s.printedBy.name, date: date(s.printedAt, o.lang) })} ·{" "}
                  {t("print.count", { n: s.messages.length })}
                </p>
                {s.truncated
                  ? <p class="pv-muted">{t("print.truncated", { n: s.messages.length })}</p>
                  : null}
                {s.messages.map((m) => <Message key={m.id} m={m} t={t} lang={o.lang} />)}
              </>
            )
            : null}
        </main>
        {island ? <script type="module" src={island.src} /> : null}
      </body>
    </html>
  );
  return "<!doctype html>" + renderToString(body);
}

export function printPageRoutes(app: App, desk: Desk): void {
  app.get("/threads/:id/print", async (c) => {
    const session = await pageSession(c, desk);
    if (!session) return c.redirect("/login", 303);
    const lang = session.agent.uiLanguage ?? fromAcceptLanguage(c.req.header("accept-language"));
    const threadId = c.req.param("id");
    const title = translate(lang, "print.title");
    securityHeaders(c);
    try {
      const sheet = await printSheet(desk, session.agent, threadId, printFilterOf(c.req.query()));
      return c.html(await render(c, { lang, threadId, sheet, error: null, title }));
    } catch (e) {
      // Bad filters and empty selections show their message above the filter, to change it.
      if (!(e instanceof AppError) || e.status >= 500) throw e;
      return c.html(
        await render(c, { lang, threadId, sheet: null, error: e.message, title }),
        e.status as 400,
      );
    }
  });
}
