/// <reference lib="dom" />
/**
 * The embeddable web chat widget: `<script src="/widget.js" data-source="webchat" async>`.
 * Plain DOM in an open shadow root (`layout.ts`); the conversation log (`message_list.ts`),
 * the composer (`composer.ts`) and the co-browsing bar (`cobrowse_bar.ts`) are wired here to
 * the visitor's session and its event stream. Co-browsing code is a separate module loaded only
 * when the customer accepts a session.
 */
import { createApi, openSession, type WidgetApi } from "./api.ts";
import { type Lang, pickLang, texts } from "./i18n.ts";
import { buildLayout } from "./layout.ts";
import { createMessageList } from "./message_list.ts";
import { createComposer } from "./composer.ts";
import { createCobrowseBar } from "./cobrowse_bar.ts";
import type { VisitorEvents } from "../lib/shared/wire/webchat.ts";
import { onStreamEvent } from "../lib/shared/wire/stream.ts";

function boot(script: HTMLScriptElement): void {
  const origin = new URL(script.src, location.href).origin;
  const sourceId = script.dataset.source || "webchat";
  const lang: Lang = pickLang(script.dataset.lang || document.documentElement.lang);
  const t = texts(lang);
  const customerName = script.dataset.customerName?.trim().slice(0, 100) || undefined;

  const dom = buildLayout(t);
  /** The visitor's API, once the session is open. */
  let api: WidgetApi | null = null;
  const current = () => api;
  const messages = createMessageList(dom, t, {
    api: current,
    // A click on Yes/No, which comes after `composer` exists.
    onQuickReply: (label, payload) => void composer.send({ body: label, quickReply: payload }, label),
  });
  const composer = createComposer(dom, messages, t, { api: current, lang, customerName });
  const cobrowse = createCobrowseBar(dom, t, origin);
  void cobrowse.joinByLink();

  (async () => {
    const opened = await openSession(origin, sourceId);
    const chat = api = createApi(origin, sourceId, opened.token);
    const stream = chat.stream("/events");
    const on = <E extends keyof VisitorEvents & string>(name: E, fn: (data: VisitorEvents[E]) => void) =>
      onStreamEvent<VisitorEvents, E>(stream, name, fn);
    on("message", (m) => messages.show(m));
    on("typing", (x) => messages.typingEvent(x));
    on("conversation", (x) => {
      if (x.closed) messages.note(t("closed"));
    });
    on("cobrowse", (view) => cobrowse.fromChat(view, chat));
    if (messages.isEmpty()) messages.note(t("welcome"));
    dom.host.dataset.ready = "true";
  })().catch((e) => console.error("chat widget failed to start", e));
}

const current = (document.currentScript as HTMLScriptElement | null) ??
  document.querySelector<HTMLScriptElement>('script[src*="widget.js"][data-source]');
if (current && !document.getElementById("rd-widget-host")) {
  if (document.body) boot(current);
  else addEventListener("DOMContentLoaded", () => boot(current), { once: true });
}
