/// <reference lib="dom" />
/**
 * The widget's co-browsing module, loaded only once the customer accepts: records the page
 * with rrweb and relays it to the agent, and carries out the agent's commands (pointer, click,
 * typing, scroll only while the agent has control; highlight at any time).
 *
 * Never shared: password inputs (masked, and refused as typing targets), elements matching
 * `data-cobrowse-exclude` or the admin's selectors (blocked: an empty box of the same size),
 * every iframe/embed (third-party content), and anything inside a shadow root (filtered out of
 * the event stream below, as rrweb itself would record open shadow roots).
 */
import { record } from "@rrweb/record";
import { createGuestApi, keepGuest, type WidgetApi, WidgetError } from "./api.ts";
import type { TextKey } from "./i18n.ts";
import { adoptStyles, COBROWSE_STYLES } from "./styles.ts";
import type { CobrowseCommand, CobrowseStreamEvents, CobrowseView } from "../lib/shared/wire/webchat.ts";
import { onStreamEvent } from "../lib/shared/wire/stream.ts";

export type CobrowseHandle = { update(s: CobrowseView): void; stop(): void };

/** A link session joined (`via` is its API), or null: nothing to join, or refused (then `notice` says why). */
export type JoinLink = (
  origin: string,
  token: string | null,
  o: { notice: HTMLElement; t: (key: TextKey) => string },
) => Promise<{ via: WidgetApi; session: CobrowseView } | null>;

/**
 * Joins the session of an invitation link (`token`, from `#rd-cobrowse=`), or resumes the one
 * this tab accepted on another page of the site (`token` null: the key kept in this tab).
 */
export const joinLink: JoinLink = async (origin, token, { notice, t }) => {
  const kept = token ? null : keepGuest();
  const credential = token
    ? { id: token.split(".")[1] ?? "", token }
    : kept && { id: kept.id, token: kept.key };
  if (!credential) return null;
  const via = createGuestApi(origin, credential.token);
  try {
    const r = await via.call<{ cobrowse: CobrowseView }>("GET", `/cobrowse/${credential.id}`);
    return { via, session: r.cobrowse };
  } catch (e) {
    if (!token) {
      keepGuest(null);
      return null;
    }
    // Why the link did not work, in a bar of its own (the session bar may change at any moment).
    const code = e instanceof WidgetError ? e.code : "";
    const why = code === "cobrowse_link_expired"
      ? "linkExpired"
      : code === "cobrowse_already_accepted"
      ? "linkUsed"
      : "linkInvalid";
    const text = Object.assign(document.createElement("span"), { textContent: t(why) });
    const dismiss = Object.assign(document.createElement("button"), { type: "button", textContent: "×" });
    dismiss.setAttribute("aria-label", t("dismiss"));
    dismiss.addEventListener("click", () => (notice.hidden = true));
    notice.replaceChildren(text, dismiss);
    notice.hidden = false;
    return null;
  }
};
export type StartCobrowse = (o: {
  api: WidgetApi;
  session: CobrowseView;
  root: ShadowRoot;
  /** The widget's session bar: this module shows it while the session runs. */
  bar: HTMLElement;
  t: (key: TextKey, vars?: Record<string, string>) => string;
  /** Each state the session's own stream reports (the bar of a link session follows it). */
  onState?: (s: CobrowseView) => void;
}) => CobrowseHandle;

// deno-lint-ignore no-explicit-any
type Ev = { type: number; data?: any; timestamp: number };
const FULL = 2, INCREMENTAL = 3;
const MUTATION = 0, INPUT = 5;
const FLUSH_MS = 25;

const ALWAYS_BLOCKED = ["[data-cobrowse-exclude]", "iframe", "frame", "object", "embed", "#rd-widget-host"];

/** The admin's selectors that this browser can parse (a bad one must not break recording). */
function blockSelector(extra: string[]): string {
  const ok = extra.filter((s) => {
    try {
      document.createDocumentFragment().querySelector(s);
      return true;
    } catch {
      return false;
    }
  });
  return [...ALWAYS_BLOCKED, ...ok].join(",");
}

/** Shadow-DOM content, or content of any frame (rrweb would serialize same-origin frames even when blocked). */
const inShadow = (n: Node | null | undefined) =>
  !!n &&
  (n.getRootNode() instanceof ShadowRoot ||
    (n.nodeType === Node.DOCUMENT_NODE ? n !== document : n.ownerDocument !== document));
const isPassword = (n: Node | null | undefined) =>
  n instanceof HTMLInputElement && (n.type === "password" || n.hasAttribute("data-rr-is-password"));

/** Drops shadow-DOM content from a serialized node tree (in place). */
// deno-lint-ignore no-explicit-any
function stripShadow(node: any): void {
  if (!node?.childNodes) return;
  node.childNodes = node.childNodes.filter((c: { isShadow?: boolean }) => !c.isShadow);
  delete node.isShadowHost;
  for (const c of node.childNodes) stripShadow(c);
}

/** The privacy filter every event passes before it leaves the page; null drops it. */
function filter(e: Ev): Ev | null {
  const node = (id: unknown) => (typeof id === "number" ? record.mirror.getNode(id) : null);
  if (e.type === FULL) {
    stripShadow(e.data?.node);
    return e;
  }
  if (e.type !== INCREMENTAL || !e.data) return e;
  const d = e.data;
  if (d.source === MUTATION) {
    if (d.isAttachIframe) return null;
    // deno-lint-ignore no-explicit-any
    d.adds = d.adds.filter((a: any) =>
      !a.node?.isShadow && !inShadow(node(a.node?.id)) && !inShadow(node(a.parentId))
    );
    for (const a of d.adds) stripShadow(a.node);
    // deno-lint-ignore no-explicit-any
    d.texts = d.texts.filter((x: any) => !inShadow(node(x.id)));
    // deno-lint-ignore no-explicit-any
    d.attributes = d.attributes.filter((x: any) => !inShadow(node(x.id)));
    return e;
  }
  if ("id" in d && inShadow(node(d.id))) return null;
  if (d.source === INPUT && isPassword(node(d.id))) d.text = "*".repeat(String(d.text ?? "").length);
  return e;
}

export const startCobrowse: StartCobrowse = ({ api, session, root, bar, t, onState }) => {
  const path = `/cobrowse/${session.id}`;
  const blocked = blockSelector(session.excludeSelectors);
  let current = session;
  let stopped = false;
  let buffer: Ev[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight = false;
  let lastTarget: Element | null = null;

  const cursor = Object.assign(document.createElement("div"), { className: "cursor", hidden: true });
  const styles = adoptStyles(root, COBROWSE_STYLES);
  root.append(cursor);

  async function flush(): Promise<void> {
    timer = undefined;
    if (inFlight || stopped || buffer.length === 0) return;
    const events = buffer;
    buffer = [];
    inFlight = true;
    try {
      await api.call("POST", `${path}/events`, { events });
    } catch (e) {
      // 4xx: the session ended or is not ours any more; anything else: the next flush retries later events.
      if ((e as { status?: number }).status && (e as { status: number }).status < 500) stop();
    } finally {
      inFlight = false;
      if (buffer.length && !stopped) timer = setTimeout(flush, FLUSH_MS);
    }
  }

  const stopRecording = record({
    emit(e: Ev) {
      const kept = filter(e);
      if (!kept || stopped) return;
      buffer.push(kept);
      timer ??= setTimeout(flush, buffer.length > 200 ? 0 : FLUSH_MS);
    },
    blockSelector: blocked,
    maskInputOptions: { password: true },
    recordCrossOriginIframes: false,
    recordCanvas: false,
    collectFonts: false,
    inlineImages: false,
    sampling: { mousemove: 50, scroll: 100, input: "last" },
  }) as (() => void) | undefined;

  /** An element the agent may act on: shared (not blocked, not in a shadow root, not the widget). */
  function target(c: { node?: number; x?: number; y?: number }): HTMLElement | null {
    let el: Node | null = c.node !== undefined ? record.mirror.getNode(c.node) : null;
    if (!(el instanceof HTMLElement) || !el.isConnected) {
      el = c.x !== undefined && c.y !== undefined ? document.elementFromPoint(c.x, c.y) : null;
    }
    if (!(el instanceof HTMLElement) || inShadow(el) || el.closest(blocked)) return null;
    return el;
  }

  function typeKey(el: Element | null, key: string): void {
    const field = el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement ? el : null;
    if (!field || isPassword(field) || field.disabled || field.readOnly || field.closest(blocked)) return;
    if (key === "Enter") {
      if (field instanceof HTMLInputElement) field.form?.requestSubmit();
      else field.value += "\n";
    } else if (key === "Backspace") {
      field.value = field.value.slice(0, -1);
    } else if (key.length === 1) {
      field.value += key;
    } else return;
    field.dispatchEvent(new Event("input", { bubbles: true }));
    field.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function highlight(c: Extract<CobrowseCommand, { kind: "highlight" }>): void {
    const box = document.createElement("div");
    box.className = "highlight";
    Object.assign(box.style, {
      left: `${c.x}px`,
      top: `${c.y}px`,
      width: `${c.width}px`,
      height: `${c.height}px`,
    });
    const label = document.createElement("span");
    label.textContent = t("highlight", { name: current.agentName });
    box.append(label);
    root.append(box);
    setTimeout(() => box.remove(), 8000);
  }

  function run(c: CobrowseStreamEvents["command"]): void {
    if (c.kind === "snapshot") return record.takeFullSnapshot(true);
    if (c.kind === "highlight") return highlight(c);
    if (!current.control) return;
    switch (c.kind) {
      case "pointer":
        cursor.hidden = false;
        Object.assign(cursor.style, { left: `${c.x}px`, top: `${c.y}px` });
        return;
      case "click": {
        cursor.hidden = false;
        Object.assign(cursor.style, { left: `${c.x}px`, top: `${c.y}px` });
        const el = target(c);
        if (!el) return;
        lastTarget = el;
        el.focus?.();
        el.click();
        return;
      }
      case "key": {
        const el = (c.node !== undefined ? target({ node: c.node }) : null) ?? lastTarget ??
          document.activeElement;
        return typeKey(el, c.key);
      }
      case "scroll":
        return scrollBy(c.dx, c.dy);
    }
  }

  const stream = api.stream(`${path}/stream`);
  onStreamEvent<CobrowseStreamEvents, "command">(stream, "command", (c) => {
    try {
      run(c);
    } catch (err) {
      console.error("co-browsing command failed", err);
    }
  });
  onStreamEvent<CobrowseStreamEvents, "state">(stream, "state", (s) => {
    update(s);
    onState?.(s);
  });

  /** The bar while the session runs: who sees or controls the page, and how to stop it. */
  function showBar(s: CobrowseView): void {
    const button = (key: TextKey, action: string) => {
      const b = Object.assign(document.createElement("button"), { type: "button", textContent: t(key) });
      // A link session has no chat stream: it shows the state the answer returns.
      b.addEventListener(
        "click",
        () =>
          void api.call<{ cobrowse: CobrowseView }>("POST", `${path}/${action}`).then(
            (r) => onState?.(r.cobrowse),
            () => {},
          ),
      );
      return b;
    };
    const who = document.createElement("span");
    who.textContent = t(s.control ? "controlOn" : "cobrowseOn", { name: s.agentName });
    bar.className = s.control ? "bar control" : "bar";
    bar.replaceChildren(
      who,
      ...(s.control ? [button("revokeControl", "revoke")] : []),
      button("stopSharing", "end"),
    );
    bar.hidden = false;
  }

  function update(s: CobrowseView): void {
    current = s;
    if (!s.control) cursor.hidden = true;
    if (s.state === "ended" || s.state === "declined") stop();
    else if (!stopped) showBar(s);
  }

  function stop(): void {
    if (stopped) return;
    stopped = true;
    clearTimeout(timer);
    stopRecording?.();
    stream.close();
    cursor.remove();
    styles.remove();
    for (const b of root.querySelectorAll(".highlight")) b.remove();
  }

  showBar(session);
  return { update, stop };
};
