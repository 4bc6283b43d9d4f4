/// <reference lib="dom" />
/**
 * Co-browsing consent and status in the widget: the bar that asks, shows who sees or controls
 * the page and stops it. Recording and remote control live in the on-demand module
 * (`cobrowse.ts`, imported only once a session is accepted). A session comes from the chat
 * (the visitor's stream) or from an invitation link sent through a messaging connector
 * (`#rd-cobrowse=<token>`); while a link session runs, it owns the bar.
 */
import { keepGuest, type WidgetApi } from "./api.ts";
import { h } from "./dom.ts";
import type { Translate, WidgetDom } from "./layout.ts";
import type { CobrowseView } from "../lib/shared/wire/webchat.ts";
import type { CobrowseHandle, JoinLink, StartCobrowse } from "./cobrowse.ts";

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

  /** The co-browsing module, loaded once, on demand. */
  let module: Promise<{ startCobrowse: StartCobrowse; joinLink: JoinLink }> | null = null;
  const loadModule = (): Promise<{ startCobrowse: StartCobrowse; joinLink: JoinLink }> =>
    module ??= import(new URL(COBROWSE_MODULE, origin).href);

  function start(s: CobrowseView, via: WidgetApi): void {
    stopCobrowse();
    const handle = loadModule().then((mod) =>
      mod.startCobrowse({
        api: via,
        session: s,
        root,
        bar,
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
    if (s.state === "requested") {
      const answer = (action: "accept" | "decline") => {
        const b = h("button", { type: "button" }, t(action));
        b.addEventListener("click", async () => {
          const r = await via.call<{ cobrowse: CobrowseView; key?: string | null }>(
            "POST",
            `/cobrowse/${s.id}/${action}`,
          ).catch(() => null);
          // A link session has no chat stream: it shows the state the answer returns, and
          // keeps the key accepting gives it (for the other pages of the site).
          if (!r || via !== guest) return;
          if (r.key) {
            via.token = r.key;
            keepGuest({ id: s.id, key: r.key });
          }
          show(r.cobrowse, via);
        });
        return b;
      };
      bar.className = "bar";
      bar.replaceChildren(
        h("span", {}, t("cobrowseAsk", { name: s.agentName })),
        answer("accept"),
        answer("decline"),
      );
      bar.hidden = false;
      return;
    }
    // Running: the co-browsing module shows the bar (who sees or controls the page, Stop).
    if (cobrowse?.id !== s.id) {
      bar.hidden = true;
      start(s, via);
    } else void cobrowse.handle.then((h) => h?.update(s));
  }

  /**
   * Joins the session of an invitation link (`#rd-cobrowse=<token>`, taken out of the address bar
   * at once), or resumes the one this tab accepted. The exchange lives in the on-demand module:
   * a page without either never loads it.
   */
  async function joinByLink(): Promise<void> {
    const m = new RegExp(`(?:^#|&)${INVITE_PARAM}=([^&]+)`).exec(location.hash);
    if (m) {
      // Not bookmarked, not shared, not in the history.
      const rest = location.hash.replace(m[0], "").replace(/^#?&?/, "");
      history.replaceState(history.state, "", location.pathname + location.search + (rest ? `#${rest}` : ""));
    } else if (!keepGuest()) return;
    const joined = await (await loadModule()).joinLink(origin, m ? decodeURIComponent(m[1]) : null, {
      notice,
      t,
    });
    if (joined) {
      guest = joined.via;
      show(joined.session, joined.via);
    }
  }

  /** A session state from the chat's own stream (ignored while a link session owns the bar). */
  const fromChat = (s: CobrowseView | null, api: WidgetApi) => {
    if (!guest) show(s, api);
  };

  return { joinByLink, fromChat };
}
