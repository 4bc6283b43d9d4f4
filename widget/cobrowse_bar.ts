/// <reference lib="dom" />
/**
 * Co-browsing consent and status in the widget: the bar that asks, shows who sees or controls
 * the page and stops it. Recording and remote control live in the on-demand module
 * (`cobrowse.ts`, imported only once a session is accepted). A session comes from the chat
 * (the visitor's stream) or from an invitation link sent through a messaging connector
 * (`#rd-cobrowse=<token>`); while a link session runs, it owns the bar.
 */
import { createGuestApi, keepGuest, type WidgetApi, WidgetError } from "./api.ts";
import { type El, h } from "./dom.ts";
import type { Translate, WidgetDom } from "./layout.ts";
import type { CobrowseView } from "../lib/webchat_schemas.ts";
import type { CobrowseHandle, StartCobrowse } from "./cobrowse.ts";

/** The invitation link's fragment parameter (`desk/cobrowse_invite.ts`). */
const INVITE_PARAM = "rd-cobrowse";
/** Replaced by the server with the co-browsing module's URL (content-hashed). */
const COBROWSE_MODULE = "__RD_COBROWSE_MODULE__";

export function createCobrowseBar(dom: WidgetDom, t: Translate, origin: string) {
  const { bar, notice, root } = dom;
  let cobrowse: { id: string; handle: Promise<CobrowseHandle | null> } | null = null;
  /** The API of a session joined by link (no chat stream), while it runs. */
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

  function start(s: CobrowseView, via: WidgetApi): void {
    stopCobrowse();
    const handle = import(new URL(COBROWSE_MODULE, origin).href).then((
      mod: { startCobrowse: StartCobrowse },
    ) =>
      mod.startCobrowse({
        api: via,
        session: s,
        root,
        t,
        onState: (next) => via === guest && show(next, via),
      })
    ).catch((e) => {
      console.error("co-browsing failed to start", e);
      return null;
    });
    cobrowse = { id: s.id, handle };
  }

  /** Shows a session's state (`null`: none) reported by `via`'s stream or answer. */
  function show(s: CobrowseView | null, via: WidgetApi): void {
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
      show(r.cobrowse, via);
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
    if (cobrowse?.id !== s.id) start(s, via);
    else void cobrowse.handle.then((h) => h?.update(s));
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
      show(r.cobrowse, via);
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

  /** A session state from the chat's own stream (ignored while a link session owns the bar). */
  const fromChat = (s: CobrowseView | null, api: WidgetApi) => {
    if (!guest) show(s, api);
  };

  return { joinByLink, fromChat };
}
