/// <reference lib="dom" />
/**
 * The embeddable web chat widget: `<script src="/widget.js" data-source="webchat" async>`.
 * Plain DOM in an open shadow root (the page's CSS cannot break it, and co-browsing never
 * shares it). Everything shown is text: agent HTML is reduced to its text, never inserted.
 * Co-browsing code is a separate module loaded only when the customer accepts a session.
 */
import {
  clientId,
  createApi,
  createGuestApi,
  keepGuest,
  openSession,
  type WidgetApi,
  WidgetError,
} from "./api.ts";
import { type Lang, pickLang, texts } from "./i18n.ts";
import { STYLES } from "./styles.ts";
import type { CobrowseView, WidgetMessageView } from "../lib/webchat_schemas.ts";
import type { CobrowseHandle, StartCobrowse } from "./cobrowse.ts";

/** The invitation link's fragment parameter (`desk/cobrowse_invite.ts`). */
const INVITE_PARAM = "rd-cobrowse";
/** Replaced by the server with the co-browsing module's URL (content-hashed). */
const COBROWSE_MODULE = "__RD_COBROWSE_MODULE__";
const MAX_FILE = 5 * 1024 * 1024;
const FILE_TYPES = /^(image\/(png|jpeg|gif|webp)|application\/pdf|text\/plain)$/;

type El = HTMLElement;
function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | boolean> = {},
  ...kids: (Node | string)[]
) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false) continue;
    if (k === "class") e.className = String(v);
    else e.setAttribute(k, v === true ? "" : v);
  }
  e.append(...kids);
  return e;
}

/** A paperclip icon (inline SVG: no font or file needed). */
function clip(): SVGSVGElement {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", "18");
  svg.setAttribute("height", "18");
  svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS(ns, "path");
  path.setAttribute(
    "d",
    "M21 11.5l-8.6 8.6a5 5 0 01-7.1-7.1l8.6-8.6a3.3 3.3 0 014.7 4.7l-8.6 8.6a1.7 1.7 0 01-2.4-2.4l7.9-7.9",
  );
  path.setAttribute("fill", "none");
  path.setAttribute("stroke", "currentColor");
  path.setAttribute("stroke-width", "2");
  path.setAttribute("stroke-linecap", "round");
  svg.append(path);
  return svg;
}

/** Text of a sanitised HTML body, without running or loading anything (inert document). */
function textOf(m: WidgetMessageView): string {
  if (m.format !== "html") return m.body;
  return new DOMParser().parseFromString(m.body, "text/html").body.textContent ?? "";
}

const isHttp = (url: string) => {
  try {
    return /^https?:$/.test(new URL(url).protocol);
  } catch {
    return false;
  }
};

function boot(script: HTMLScriptElement): void {
  const origin = new URL(script.src, location.href).origin;
  const sourceId = script.dataset.source || "webchat";
  const lang: Lang = pickLang(script.dataset.lang || document.documentElement.lang);
  const t = texts(lang);
  const customerName = script.dataset.customerName?.trim().slice(0, 100) || undefined;

  const host = h("div", { id: "rd-widget-host", "data-cobrowse-exclude": true });
  const root = host.attachShadow({ mode: "open" });
  const launcher = h("button", { class: "launcher", type: "button", "aria-expanded": "false" }, t("open"));
  const agentLine = h("div", { class: "agent" });
  const endButton = h("button", { type: "button" }, t("endChat"));
  const minButton = h("button", { type: "button", "aria-label": t("minimize") }, "–");
  const log = h("div", { class: "log", role: "log", "aria-live": "polite" });
  const typing = h("div", { class: "note", "aria-live": "polite" });
  const quick = h("div", { class: "quick", hidden: true });
  const error = h("div", { class: "note error", role: "alert" });
  const input = h("textarea", {
    rows: "1",
    "aria-label": t("message"),
    placeholder: t("message"),
  }) as HTMLTextAreaElement;
  const file = h("input", {
    type: "file",
    accept: "image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain",
    hidden: true,
  }) as HTMLInputElement;
  const attach = h("button", {
    type: "button",
    class: "attach",
    "aria-label": t("attach"),
    title: t("attach"),
  }, clip());
  const sendButton = h("button", { type: "submit" }, t("send"));
  const form = h("form", {}, attach, file, input, sendButton);
  const panel = h(
    "div",
    { class: "panel", role: "dialog", "aria-label": t("title"), hidden: true },
    h("header", {}, h("div", { class: "titles" }, h("h2", {}, t("title")), agentLine), endButton, minButton),
    log,
    typing,
    quick,
    error,
    form,
  );
  const bar = h("div", { class: "bar", role: "status", hidden: true });
  // Why an invitation link did not work: apart from the session bar, which the chat's own
  // stream may clear at any moment.
  const notice = h("div", { class: "bar", role: "alert", hidden: true });
  root.append(h("style", {}, STYLES), launcher, panel, bar, notice);
  document.body.append(host);

  let api: WidgetApi | null = null;
  const pending = new Set<El>();
  let lastAgentAt = 0;
  let typingTimer: ReturnType<typeof setTimeout> | undefined;

  const open = (yes: boolean) => {
    panel.hidden = !yes;
    launcher.hidden = yes;
    launcher.setAttribute("aria-expanded", String(yes));
    if (yes) {
      input.focus();
      log.scrollTop = log.scrollHeight;
    }
  };
  launcher.addEventListener("click", () => open(true));
  minButton.addEventListener("click", () => open(false));

  const keyOf = (body: string, files: string[]) => body.trim() || files.join(", ");

  function messageEl(who: string, kind: string, body: string): El {
    const el = h("div", { class: `msg ${kind}` });
    if (kind !== "system") el.append(h("span", { class: "who" }, who));
    el.append(document.createTextNode(body));
    return el;
  }

  const byId = (id: string) => log.querySelector<El>(`[data-id="${CSS.escape(id)}"]`);

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

  /** File links expire after two hours: an open chat fetches fresh ones well before. */
  const LINK_REFRESH_MS = 50 * 60_000;
  setInterval(async () => {
    if (!api || !log.querySelector("a[data-file]")) return;
    try {
      const r = await api.call<{ messages: WidgetMessageView[] }>("GET", "/messages");
      for (const m of r.messages) {
        const el = byId(m.id);
        if (el) attachments(el, m);
      }
    } catch { /* the next round tries again */ }
  }, LINK_REFRESH_MS);

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
    quick.replaceChildren();
    quick.hidden = true;
    const s = m.structured as { type?: string; options?: { label?: unknown; payload?: unknown }[] } | null;
    if (s?.type === "quick_replies" && Array.isArray(s.options)) {
      for (const o of s.options) {
        if (o.payload !== "yes" && o.payload !== "no") continue;
        const label = String(o.label ?? o.payload);
        const b = h("button", { type: "button" }, label);
        b.addEventListener("click", () => {
          quick.hidden = true;
          void send({ body: label, quickReply: o.payload as "yes" | "no" }, label);
        });
        quick.append(b);
      }
      quick.hidden = quick.childElementCount === 0;
    }
    if (m.author.type !== "customer" && panel.hidden) open(true);
    log.scrollTop = log.scrollHeight;
  }

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
    if (name) typingTimer = setTimeout(() => (typing.textContent = ""), 6000);
  }

  async function send(
    body: { body?: string; uploads?: string[]; quickReply?: "yes" | "no" },
    shown: string,
  ): Promise<void> {
    if (!api) return;
    error.textContent = "";
    const id = clientId();
    const el = messageEl(t("you"), "customer pending", shown);
    el.dataset.key = shown;
    pending.add(el);
    log.append(el);
    log.scrollTop = log.scrollHeight;
    for (let attempt = 0; attempt < 4; attempt++) {
      try {
        const r = await api.call<{ messageId: string }>("POST", "/messages", {
          id,
          ...body,
          language: lang,
          ...(customerName ? { name: customerName } : {}),
        });
        return adopt(el, r.messageId);
      } catch (e) {
        // A retry that the server already has: it was delivered.
        if (e instanceof WidgetError && e.code === "replayed_request") {
          return adopt(el, (e.details as { messageId: string }).messageId);
        }
        if (e instanceof WidgetError && e.status < 500) {
          error.textContent = e.message;
          break;
        }
        await new Promise((r) => setTimeout(r, 400 * (attempt + 1)));
      }
    }
    pending.delete(el);
    el.classList.replace("pending", "failed");
    error.textContent ||= t("sendFailed");
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const body = input.value.trim();
    if (!body) return;
    input.value = "";
    void send({ body }, body);
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  attach.addEventListener("click", () => file.click());
  file.addEventListener("change", async () => {
    const f = file.files?.[0];
    file.value = "";
    if (!f || !api) return;
    if (f.size > MAX_FILE) return void (error.textContent = t("fileTooLarge"));
    if (!FILE_TYPES.test(f.type)) return void (error.textContent = t("fileType"));
    try {
      const { upload } = await api.call<{ upload: { id: string; name: string } }>("POST", "/uploads", f, {
        "content-type": f.type,
        "x-file-name": encodeURIComponent(f.name),
      });
      await send({ uploads: [upload.id] }, upload.name);
    } catch (e) {
      error.textContent = e instanceof WidgetError ? e.message : t("sendFailed");
    }
  });
  endButton.addEventListener("click", async () => {
    if (!api) return;
    try {
      await api.call("POST", "/close");
    } catch (e) {
      error.textContent = e instanceof WidgetError ? e.message : t("sendFailed");
    }
  });

  // Co-browsing: consent here; recording and remote control in the on-demand module. A session
  // comes from the chat (the visitor's stream) or from an invitation link sent through a
  // messaging connector (`#rd-cobrowse=<token>`); while a link session runs, it owns the bar.
  let cobrowse: { id: string; handle: Promise<CobrowseHandle | null> } | null = null;
  let guest: WidgetApi | null = null;
  const stopCobrowse = () => {
    const c = cobrowse;
    cobrowse = null;
    void c?.handle.then((h) => h?.stop());
  };
  function barButton(label: string, action: () => Promise<unknown>): El {
    const b = h("button", { type: "button" }, label);
    b.addEventListener("click", () => void action().catch(() => {}));
    return b;
  }
  function showNotice(text: string): void {
    const dismiss = h("button", { type: "button", "aria-label": t("dismiss") }, "×");
    dismiss.addEventListener("click", () => (notice.hidden = true));
    notice.replaceChildren(h("span", {}, text), dismiss);
    notice.hidden = false;
  }
  function showCobrowse(s: CobrowseView | null, via: WidgetApi): void {
    if (!s || s.state === "declined" || s.state === "ended") {
      stopCobrowse();
      bar.hidden = true;
      bar.replaceChildren();
      if (via === guest) {
        guest = null;
        keepGuest(null);
      }
      return;
    }
    const name = s.agentName;
    const path = `/cobrowse/${s.id}`;
    // A link session has no chat stream: it shows the state each answer returns.
    const act = (action: string) => async () => {
      const r = await via.call<{ cobrowse: CobrowseView; key?: string | null }>("POST", `${path}/${action}`);
      if (via !== guest) return;
      if (r.key) {
        via.token = r.key;
        keepGuest({ id: s.id, key: r.key });
      }
      showCobrowse(r.cobrowse, via);
    };
    if (s.state === "requested") {
      bar.className = "bar";
      bar.replaceChildren(
        h("span", {}, t("cobrowseAsk", { name })),
        barButton(t("accept"), act("accept")),
        barButton(t("decline"), act("decline")),
      );
      bar.hidden = false;
      return;
    }
    bar.className = s.control ? "bar control" : "bar";
    bar.replaceChildren(
      h("span", {}, t(s.control ? "controlOn" : "cobrowseOn", { name })),
      ...(s.control ? [barButton(t("revokeControl"), act("revoke"))] : []),
      barButton(t("stopSharing"), act("end")),
    );
    bar.hidden = false;
    if (cobrowse?.id !== s.id) {
      stopCobrowse();
      const handle = import(new URL(COBROWSE_MODULE, origin).href).then((
        mod: { startCobrowse: StartCobrowse },
      ) =>
        mod.startCobrowse({
          api: via,
          session: s,
          root,
          t,
          onState: (next) => via === guest && showCobrowse(next, via),
        })
      ).catch((e) => {
        console.error("co-browsing failed to start", e);
        return null;
      });
      cobrowse = { id: s.id, handle };
    } else {
      void cobrowse.handle.then((h) => h?.update(s));
    }
  }

  /** Joins the session of an invitation link, or resumes the one this tab accepted (another page of the site). */
  async function joinByLink(): Promise<void> {
    const m = new RegExp(`(?:^#|&)${INVITE_PARAM}=([^&]+)`).exec(location.hash);
    let credential: { id: string; token: string } | null = null;
    if (m) {
      const token = decodeURIComponent(m[1]);
      // Out of the address bar at once: not bookmarked, not shared, not in the history.
      const rest = location.hash.replace(m[0], "").replace(/^#?&?/, "");
      history.replaceState(history.state, "", location.pathname + location.search + (rest ? `#${rest}` : ""));
      credential = { id: token.split(".")[1] ?? "", token };
    } else {
      const kept = keepGuest();
      if (kept) credential = { id: kept.id, token: kept.key };
    }
    if (!credential) return;
    const via = createGuestApi(origin, credential.token);
    try {
      const r = await via.call<{ cobrowse: CobrowseView }>("GET", `/cobrowse/${credential.id}`);
      guest = via;
      showCobrowse(r.cobrowse, via);
    } catch (e) {
      if (!m) {
        keepGuest(null);
        return;
      }
      const code = e instanceof WidgetError ? e.code : "";
      showNotice(
        code === "cobrowse_link_expired"
          ? t("linkExpired")
          : code === "cobrowse_already_accepted"
          ? t("linkUsed")
          : t("linkInvalid"),
      );
    }
  }
  void joinByLink();

  (async () => {
    const session = await openSession(origin, sourceId);
    api = createApi(origin, sourceId, session.token);
    const stream = api.stream("/events");
    stream.addEventListener("message", (e) => show(JSON.parse((e as MessageEvent).data)));
    stream.addEventListener("typing", (e) => {
      const typing = JSON.parse((e as MessageEvent).data) as { name: string | null; at: number };
      // Typing that an agent message already answered (e.g. replayed on reconnect) is stale.
      showTyping(typing.name && typing.at > lastAgentAt ? typing.name : null);
    });
    stream.addEventListener("conversation", (e) => {
      if (JSON.parse((e as MessageEvent).data).closed) log.append(messageEl("", "system", t("closed")));
    });
    stream.addEventListener("cobrowse", (e) => {
      if (!guest) showCobrowse(JSON.parse((e as MessageEvent).data), api!);
    });
    if (!log.childElementCount) log.append(messageEl("", "system", t("welcome")));
    host.dataset.ready = "true";
  })().catch((e) => console.error("chat widget failed to start", e));
}

const current = (document.currentScript as HTMLScriptElement | null) ??
  document.querySelector<HTMLScriptElement>('script[src*="widget.js"][data-source]');
if (current && !document.getElementById("rd-widget-host")) {
  if (document.body) boot(current);
  else addEventListener("DOMContentLoaded", () => boot(current), { once: true });
}
