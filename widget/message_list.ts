/// <reference lib="dom" />
/**
 * The conversation log: messages from the stream (text only: agent HTML is reduced to its
 * text, never inserted), the customer's optimistic messages until the server names them, file
 * links kept fresh, quick-reply buttons and the agent's typing note.
 */
import type { WidgetApi } from "./api.ts";
import { type El, h, isHttp, textOf } from "./dom.ts";
import type { Translate, WidgetDom } from "./layout.ts";
import type { WidgetMessageView } from "../lib/shared/wire/webchat.ts";

/** File links expire after two hours: an open chat fetches fresh ones well before. */
const LINK_REFRESH_MS = 50 * 60_000;
/** How long "… is typing" stays without a new typing event. */
const TYPING_SHOWN_MS = 6000;

export type QuickReply = (label: string, payload: "yes" | "no") => void;
export type MessageList = ReturnType<typeof createMessageList>;

export function createMessageList(
  dom: WidgetDom,
  t: Translate,
  o: { api: () => WidgetApi | null; onQuickReply: QuickReply },
) {
  const { log, quick, typing, agentLine, panel } = dom;
  /** Customer messages shown before the server acknowledged them. */
  const pending = new Set<El>();
  let lastAgentAt = 0;
  let typingTimer: ReturnType<typeof setTimeout> | undefined;

  const keyOf = (body: string, files: string[]) => body.trim() || files.join(", ");
  const byId = (id: string) => log.querySelector<El>(`[data-id="${CSS.escape(id)}"]`);

  function messageEl(who: string, kind: string, body: string): El {
    const el = h("div", { class: `msg ${kind}` });
    if (kind !== "system") el.append(h("span", { class: "who" }, who));
    el.append(document.createTextNode(body));
    return el;
  }

  function attachments(el: El, m: WidgetMessageView): void {
    if (el.dataset.full) {
      // Links are short-lived: a newer view of the message carries fresh ones.
      const shown = el.querySelectorAll<HTMLAnchorElement>("a[data-file]");
      for (const link of shown) {
        const url = m.attachments[Number(link.dataset.file)]?.url;
        if (!url || !isHttp(url) || link.href === url) continue;
        link.href = url;
        const img = link.querySelector("img");
        if (img) img.src = url;
      }
      return;
    }
    el.dataset.full = "1";
    for (const [i, a] of m.attachments.entries()) {
      if (!isHttp(a.url)) continue;
      const link = h("a", {
        href: a.url,
        target: "_blank",
        rel: "noopener noreferrer",
        "data-file": String(i),
      });
      if (a.contentType.startsWith("image/")) link.append(h("img", { src: a.url, alt: a.name }));
      else link.append(a.name);
      el.append(link);
    }
  }

  setInterval(async () => {
    const api = o.api();
    if (!api || !log.querySelector("a[data-file]")) return;
    try {
      const r = await api.call<{ messages: WidgetMessageView[] }>("GET", "/messages");
      for (const m of r.messages) {
        const el = byId(m.id);
        if (el) attachments(el, m);
      }
    } catch { /* the next round tries again */ }
  }, LINK_REFRESH_MS);

  /** The server's id for an optimistic message (from the POST answer or the stream, whichever is first). */
  function adopt(el: El, id: string): void {
    pending.delete(el);
    el.classList.remove("pending");
    if (el.dataset.id === id) return;
    const shown = byId(id);
    if (shown && shown !== el) return el.remove();
    el.dataset.id = id;
  }

  function showTyping(name: string | null): void {
    clearTimeout(typingTimer);
    typing.textContent = name ? t("typing", { name }) : "";
    if (name) typingTimer = setTimeout(() => (typing.textContent = ""), TYPING_SHOWN_MS);
  }

  function showQuickReplies(m: WidgetMessageView): void {
    quick.replaceChildren();
    quick.hidden = true;
    const s = m.structured as { type?: string; options?: { label?: unknown; payload?: unknown }[] } | null;
    if (s?.type !== "quick_replies" || !Array.isArray(s.options)) return;
    for (const option of s.options) {
      const payload = option.payload;
      if (payload !== "yes" && payload !== "no") continue;
      const label = String(option.label ?? payload);
      const b = h("button", { type: "button" }, label);
      b.addEventListener("click", () => {
        quick.hidden = true;
        o.onQuickReply(label, payload);
      });
      quick.append(b);
    }
    quick.hidden = quick.childElementCount === 0;
  }

  /** Shows a message from the stream (once: a known id or an acknowledged optimistic copy only refreshes links). */
  function show(m: WidgetMessageView): void {
    let el = byId(m.id);
    if (!el && m.author.type === "customer") {
      const key = keyOf(m.body, m.attachments.map((a) => a.name));
      el = [...pending].find((p) => !p.dataset.id && p.dataset.key === key) ?? null;
      if (el) adopt(el, m.id);
    }
    if (el) return attachments(el, m);
    const who = m.author.type === "customer" ? t("you") : m.author.name;
    el = messageEl(who, m.author.type, textOf(m));
    el.dataset.id = m.id;
    attachments(el, m);
    log.append(el);
    if (m.author.type === "agent") {
      lastAgentAt = Math.max(lastAgentAt, Date.parse(m.createdAt) || 0);
      agentLine.textContent = t("chattingWith", { name: m.author.name });
      showTyping(null);
    }
    showQuickReplies(m);
    if (m.author.type !== "customer" && panel.hidden) dom.open(true);
    log.scrollTop = log.scrollHeight;
  }

  /** Adds the customer's message at once, greyed until `adopt` gives it the server's id. */
  function showPending(text: string): El {
    const el = messageEl(t("you"), "customer pending", text);
    el.dataset.key = text;
    pending.add(el);
    log.append(el);
    log.scrollTop = log.scrollHeight;
    return el;
  }

  function markFailed(el: El): void {
    pending.delete(el);
    el.classList.replace("pending", "failed");
  }

  /** A system line (welcome, conversation closed). */
  const note = (text: string) => log.append(messageEl("", "system", text));

  /** Typing that an agent message already answered (e.g. replayed on reconnect) is stale. */
  const typingEvent = (e: { name: string | null; at: number }) =>
    showTyping(e.name && e.at > lastAgentAt ? e.name : null);

  return { show, showPending, adopt, markFailed, note, typingEvent, isEmpty: () => !log.childElementCount };
}
