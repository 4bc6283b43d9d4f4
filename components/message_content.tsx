/**
 * What a message holds (SPEC §1): text (as text) or HTML (sanitised when it was stored), images
 * inline (GIFs animate), video and audio players, other files as file-type icons, structured
 * content as cards, context data. Customer content is never executed: text goes through text
 * nodes, URLs through `safeUrl`, and the page's CSP allows no inline script.
 */
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import type { Attachment, MessageView } from "../lib/browser/types.ts";
import { useStore } from "../lib/browser/store.ts";
import { safeUrl } from "../lib/browser/format.ts";
import { Icon } from "./icons.tsx";

/** Past this many characters, or lines, a message is folded behind "Show more". */
export const LONG_MESSAGE = 1200;
const LONG_LINES = 24;
/** What a folded long message shows: its first lines, cut at a word. */
const PREVIEW_CHARS = 900;

/** The start of a long text: at most `LONG_LINES` lines and `PREVIEW_CHARS` characters, cut at a blank. */
export function textPreview(body: string): string | null {
  const lines = body.split("\n", LONG_LINES + 1);
  if (body.length <= LONG_MESSAGE && lines.length <= LONG_LINES) return null;
  let head = lines.slice(0, LONG_LINES).join("\n").slice(0, PREVIEW_CHARS);
  const blank = head.search(/\s\S*$/);
  if (blank > PREVIEW_CHARS * 0.8) head = head.slice(0, blank);
  return head.trimEnd() + "…";
}

export function MessageContent({ m }: { m: MessageView }) {
  return (
    <div class="msg-content">
      {m.body ? <MessageBody m={m} /> : null}
      {m.attachments.length ? <Attachments list={m.attachments} /> : null}
      {m.structured ? <Structured data={m.structured} /> : null}
      {m.contextData && Object.keys(m.contextData).length ? <ContextData data={m.contextData} /> : null}
    </div>
  );
}

function MessageBody({ m }: { m: MessageView }) {
  const { t } = useStore();
  const [full, setFull] = useState(false);
  const html = m.format === "html";
  const preview = html ? null : textPreview(m.body);
  const long = html ? m.body.length > LONG_MESSAGE : preview !== null;
  return (
    <>
      {html
        ? (
          <div
            class={`msg-html${long && !full ? " is-clamped" : ""}`}
            dangerouslySetInnerHTML={{ __html: m.body }}
          />
        )
        : <div class="msg-text">{preview !== null && !full ? preview : m.body}</div>}
      {long
        ? (
          <button
            type="button"
            class="link-btn"
            aria-expanded={full ? "true" : "false"}
            onClick={() => setFull(!full)}
          >
            {t(full ? "thread.showLess" : "thread.showMore")}
          </button>
        )
        : null}
    </>
  );
}

const extOf = (
  name: string,
) => (name.includes(".") ? name.split(".").pop()!.slice(0, 4).toUpperCase() : "FILE");

function size(bytes?: number): string {
  if (bytes === undefined) return "";
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function Attachments({ list }: { list: Attachment[] }) {
  const { t } = useStore();
  return (
    <div class="attachments">
      {list.map((a) => {
        const url = safeUrl(a.url);
        if (!url) return null;
        const type = a.contentType.toLowerCase();
        if (type.startsWith("image/")) {
          return (
            <a
              key={url}
              class="att-image"
              href={url}
              target="_blank"
              rel="noopener noreferrer nofollow"
              title={a.name}
            >
              <img src={url} alt={a.name} loading="lazy" referrerpolicy="no-referrer" />
            </a>
          );
        }
        if (type.startsWith("video/")) {
          return <video key={url} class="att-video" src={url} controls preload="metadata" title={a.name} />;
        }
        if (type.startsWith("audio/")) {
          return <audio key={url} class="att-audio" src={url} controls preload="metadata" title={a.name} />;
        }
        return (
          <a
            key={url}
            class="att-file"
            href={url}
            target="_blank"
            rel="noopener noreferrer nofollow"
            title={t("attachment.open", { name: a.name })}
          >
            <span class="file-icon" aria-hidden="true">
              <Icon name="file" size={28} />
              <span class="file-ext">{extOf(a.name)}</span>
            </span>
            <span class="file-name">{a.name}</span>
            <span class="file-size muted">{size(a.size)}</span>
          </a>
        );
      })}
    </div>
  );
}

const str = (
  x: unknown,
): string => (typeof x === "string" ? x : x === undefined || x === null ? "" : JSON.stringify(x));
const arr = (
  x: unknown,
): Record<string, unknown>[] => (Array.isArray(x) ? x.filter((v) => v && typeof v === "object") : []);

function CardImage({ src }: { src: unknown }) {
  const url = safeUrl(src);
  return url ? <img class="card-image" src={url} alt="" loading="lazy" referrerpolicy="no-referrer" /> : null;
}

function CardLink({ url, children }: { url: unknown; children: ComponentChildren }) {
  const href = safeUrl(url);
  return href
    ? <a href={href} target="_blank" rel="noopener noreferrer nofollow">{children}</a>
    : <>{children}</>;
}

/** Structured messages as read-only cards (the agent sees what the customer saw). */
export function Structured({ data }: { data: Record<string, unknown> }) {
  const { t } = useStore();
  const type = str(data.type);
  const label = (["quick_replies", "quick_reply_answer", "rich_link", "template", "carousel"] as const).find((
    k,
  ) => k === type);
  return (
    <div class={`card card-${label ?? "other"}`}>
      <div class="card-kind">{t(label ? `structured.${label}` : "structured.other")}</div>
      {type === "quick_replies"
        ? (
          <>
            {data.body ? <p>{str(data.body)}</p> : null}
            <ul class="chips">
              {arr(data.options).map((o, i) => (
                <li key={i} class="chip chip-option">{str(o.label ?? o.payload)}</li>
              ))}
            </ul>
          </>
        )
        : type === "quick_reply_answer"
        ? <p class="chip chip-option">{str(data.label ?? data.payload)}</p>
        : type === "rich_link"
        ? (
          <div class="card-row">
            <CardImage src={data.image ?? data.imageUrl} />
            <div>
              <p class="card-title">
                <CardLink url={data.url}>{str(data.title ?? data.url)}</CardLink>
              </p>
              {data.description ? <p class="muted">{str(data.description)}</p> : null}
            </div>
          </div>
        )
        : type === "template"
        ? (
          <div>
            <p class="card-title">{str(data.title ?? data.name)}</p>
            {data.body ?? data.text ? <p>{str(data.body ?? data.text)}</p> : null}
            {arr(data.buttons).length
              ? (
                <ul class="chips">
                  {arr(data.buttons).map((b, i) => (
                    <li key={i} class="chip chip-option">{str(b.label ?? b.title)}</li>
                  ))}
                </ul>
              )
              : null}
          </div>
        )
        : type === "carousel"
        ? (
          <ul class="carousel">
            {arr(data.items).map((it, i) => (
              <li key={i} class="carousel-item">
                <CardImage src={it.image ?? it.imageUrl} />
                <p class="card-title">
                  <CardLink url={it.url}>{str(it.title)}</CardLink>
                </p>
                {it.subtitle ?? it.description
                  ? <p class="muted">{str(it.subtitle ?? it.description)}</p>
                  : null}
              </li>
            ))}
          </ul>
        )
        : <pre class="card-json">{JSON.stringify(data, null, 2).slice(0, 4000)}</pre>}
    </div>
  );
}

export function ContextData({ data }: { data: Record<string, unknown> }) {
  const { t } = useStore();
  return (
    <dl class="kv kv-inline" aria-label={t("details.context")}>
      {Object.entries(data).slice(0, 50).map(([k, v]) => (
        <div key={k} class="kv-row">
          <dt>{k}</dt>
          <dd>{str(v).slice(0, 500)}</dd>
        </div>
      ))}
    </dl>
  );
}
