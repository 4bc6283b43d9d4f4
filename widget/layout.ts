/// <reference lib="dom" />
/**
 * The widget's elements, built once in an open shadow root (the page's CSS cannot break them,
 * and co-browsing never shares them): the launcher, the chat panel and the two bars.
 */
import { clipIcon, h } from "./dom.ts";
import type { Texts } from "./i18n.ts";
import { adoptStyles, STYLES } from "./styles.ts";

export type Translate = (key: keyof Texts, vars?: Record<string, string>) => string;

/** Attachment types the customer may pick (checked again by the server). */
export const FILE_TYPES = [
  "image/png",
  "image/jpeg",
  "image/gif",
  "image/webp",
  "application/pdf",
  "text/plain",
];

export type WidgetDom = ReturnType<typeof buildLayout>;

/** Builds the widget and appends its host to the page. */
export function buildLayout(t: Translate) {
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
  const input = h("textarea", { rows: "1", "aria-label": t("message"), placeholder: t("message") });
  const file = h("input", { type: "file", accept: FILE_TYPES.join(), hidden: true });
  const attach = h("button", {
    type: "button",
    class: "attach",
    "aria-label": t("attach"),
    title: t("attach"),
  }, clipIcon());
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
  adoptStyles(root, STYLES);
  root.append(launcher, panel, bar, notice);
  document.body.append(host);

  /** Opens or minimises the chat panel. */
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

  return {
    host,
    root,
    agentLine,
    endButton,
    log,
    typing,
    quick,
    error,
    input,
    file,
    attach,
    form,
    panel,
    bar,
    notice,
    open,
  };
}
