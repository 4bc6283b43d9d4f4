/**
 * The routing view island (U1–U7): the agent's live workspace. It owns the store, the event
 * stream (one per page), the clock tick for ages and countdowns, and the keyboard shortcuts.
 */
import { useEffect, useMemo } from "preact/hooks";
import { ActionsContext, createActions } from "../lib/browser/actions.ts";
import { createApi } from "../lib/browser/api.ts";
import { chime, chimes, notify, unlockAudio } from "../lib/browser/alerts.ts";
import { connectLive, type RoutingViewEvent } from "../lib/browser/live.ts";
import { installShortcuts } from "../lib/browser/keyboard.ts";
import { renderCounts } from "../lib/browser/memo.ts";
import { createStore, type Store, StoreContext } from "../lib/browser/store.ts";
import type { BootProps, FolderName } from "../lib/browser/types.ts";
import type { Actions } from "../lib/browser/actions.ts";
import { TopBar } from "../components/top_bar.tsx";
import { NavRail } from "../components/nav_rail.tsx";
import { FolderPane } from "../components/folder_pane.tsx";
import { ThreadPane } from "../components/thread_pane.tsx";
import { DetailsPane } from "../components/details_pane.tsx";
import { Dialogs } from "../components/dialogs/dialogs.tsx";
import { Toasts } from "../components/toasts.tsx";
import { SignedOut } from "../components/signed_out.tsx";

let refreshTimer: ReturnType<typeof setTimeout> | undefined;
function refreshSoon(actions: Actions): void {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => void actions.refreshMe(), 250);
}

/** Applies one event of the agent's stream to the store, with sound and notifications. */
export function onLiveEvent(
  store: Store,
  actions: Actions,
  e: RoutingViewEvent,
): void {
  if (e.event === "session.ended") {
    store.signedOut.value = e.data.reason ?? "expired";
    return;
  }
  // Load and presence change with the interactions (and away-on-miss): re-read them, coalesced.
  if (e.event !== "message.created" && e.event !== "message.updated") refreshSoon(actions);
  const { t } = store;
  // Payloads come off the network: a missing part is skipped, never trusted to be there.
  const v = "interaction" in e.data ? e.data.interaction : undefined;
  switch (e.event) {
    case "interaction.offered": {
      if (!v || store.upsert(v) !== "added") return;
      if (!store.isMuted(v.threadId)) chime("offer");
      notify(t("notify.offer"), v.customer.name, () => void actions.accept(v.id));
      store.toast(t("toast.offer", { name: v.customer.name }), "info");
      return;
    }
    case "interaction.withdrawn": {
      if (!v) return;
      const before = store.byId.value[v.id];
      if (store.upsert(v) === "removed" && before) {
        store.toast(t("toast.withdrawn", { name: v.customer.name }), "info");
      }
      return;
    }
    case "interaction.updated": {
      if (!v) return;
      const before = store.byId.value[v.id] ??
        (store.detail.value?.interaction.id === v.id ? store.detail.value.interaction : undefined);
      const r = store.upsert(v);
      if (r === "stale") return;
      // Message statuses change with the state (assigned, ignored): re-read the open thread.
      if (before && before.state !== v.state && store.detail.value?.interaction.id === v.id) {
        void actions.reloadDetail(v.id);
      }
      if (
        before?.state === "deferred" && (v.state === "active" || v.state === "offered") &&
        v.agentId === store.me.value.id
      ) {
        store.toast(t("toast.back", { name: v.customer.name }), "info");
        if (!store.isMuted(v.threadId)) chime("message");
      } else if (r === "added" && e.data.reason === "transferred_in") {
        store.toast(t("toast.transferredIn", { name: v.customer.name }), "info");
        if (!store.isMuted(v.threadId)) chime("offer");
      }
      return;
    }
    case "message.created": {
      const { message: m, interactionId, muted } = e.data;
      if (!m) return;
      store.addMessage(m);
      // Its big fields stayed in KV parts: the open thread reads it again, whole.
      if (m.partial && store.detail.value?.thread.id === m.threadId) {
        void actions.reloadDetail(store.detail.value.interaction.id);
      }
      // A new offer's first message is announced by the offer itself.
      const offered = store.byId.value[interactionId]?.state === "offered";
      if (m.author.type === "customer" && !muted && !offered) {
        chime("message");
        notify(
          t("notify.message", { name: m.author.name }),
          m.body.slice(0, 120),
          () => void actions.open(interactionId),
        );
      }
      return;
    }
    case "message.updated": {
      const m = e.data.message;
      if (m) store.updateMessage(m);
      return;
    }
    case "interaction.idle": {
      if (v) store.upsert(v);
      const id = e.data.interactionId ?? "";
      if (id && !store.dialog.value && store.byId.value[id]?.state === "active") store.openDialog("idle", id);
      return;
    }
    case "presence.changed": {
      const { presence } = e.data;
      const by = e.data.by ?? null;
      store.me.value = { ...store.me.value, presence, presenceBy: by };
      if (by) {
        store.toast(t("toast.presenceBy", { name: by.name, presence: t(`presence.${presence}`) }), "info");
      }
      return;
    }
    case "conversation.closed": {
      if (v) store.upsert(v);
      const d = store.detail.value;
      if (d && d.interaction.id === e.data.interactionId) {
        store.detail.value = { ...d, thread: { ...d.thread, conversationClosed: true } };
      }
      return;
    }
  }
}

export default function RoutingView(props: BootProps) {
  const store = useMemo(() => createStore(props), []);
  const actions = useMemo(() => createActions(store, createApi(props.csrf)), []);

  useEffect(() => {
    const log: { id: string; name: string; state?: string }[] = [];
    const live = connectLive({
      url: "/api/v1/me/events",
      lastEventId: props.feedCursor,
      onEvent: (e, id) => {
        log.push({
          id,
          name: e.event,
          state: "interaction" in e.data ? e.data.interaction?.state : undefined,
        });
        if (log.length > 100) log.shift();
        onLiveEvent(store, actions, e);
        if (e.event === "session.ended") live.close();
      },
      onState: (s) => (store.live.value = s),
      beforeReopen: async () => {
        const r = await fetch("/api/v1/me", { credentials: "same-origin" });
        if (r.status === 401) {
          store.signedOut.value ??= "expired";
          return false;
        }
        return true;
      },
    });
    const tick = setInterval(() => (store.now.value = Date.now()), 1000);
    store.now.value = Date.now();
    const unlock = () => unlockAudio();
    document.addEventListener("pointerdown", unlock, { capture: true });
    document.addEventListener("keydown", unlock, { capture: true });
    const removeShortcuts = installShortcuts(store, actions);
    const onPop = () => {
      const q = new URLSearchParams(location.search);
      const f = q.get("folder") as FolderName | null;
      store.folder.value = f === "deferred" || f === "history" ? f : "in_progress";
      const i = q.get("i");
      if (i && i !== store.selectedId.value) void actions.open(i, false);
    };
    addEventListener("popstate", onPop);
    // A hook for the browser tests and for debugging from the console.
    (globalThis as Record<string, unknown>).__routingView = {
      store,
      actions,
      live,
      log,
      chimes: () => chimes,
      renders: () => ({ ...renderCounts }),
    };
    return () => {
      live.close();
      clearInterval(tick);
      document.removeEventListener("pointerdown", unlock, { capture: true });
      document.removeEventListener("keydown", unlock, { capture: true });
      removeShortcuts();
      removeEventListener("popstate", onPop);
    };
  }, []);

  const modal = store.dialog.value !== null || store.signedOut.value !== null;
  return (
    <StoreContext.Provider value={store}>
      <ActionsContext.Provider value={actions}>
        <div class="app">
          <div class="workspace" aria-hidden={modal ? "true" : undefined}>
            <a class="skip-link" href="#thread">{store.t("app.skip")}</a>
            <TopBar />
            <div class="columns">
              <NavRail />
              <FolderPane />
              <ThreadPane />
              <DetailsPane />
            </div>
          </div>
          <Dialogs />
          <Toasts />
          <SignedOut />
        </div>
      </ActionsContext.Provider>
    </StoreContext.Provider>
  );
}
