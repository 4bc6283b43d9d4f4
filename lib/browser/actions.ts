/// <reference lib="dom" />
/**
 * What the agent does in the routing view, as calls to the JSON API (API.md) that update the
 * store with the answers. Errors become toasts with the server's message.
 */
import type { z } from "zod";
import type { auditItemSchema, InteractionActionBody, InteractionActionName } from "../shared/wire/api.ts";
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import { type Api, ApiError } from "./api.ts";
import { folderOf, type Store } from "./store.ts";
import type { Detail, FolderItem, FolderName, Me, MessageView, Presence, ThreadView } from "./types.ts";
import { when } from "./format.ts";
import type { UiLanguage } from "../shared/i18n/mod.ts";

type One = { interaction: FolderItem };
type ThreadAnswer = { thread: ThreadView };
type Page<T> = { items: T[]; cursor: string | null };
/** One audit line (`GET /threads/{id}/audit`). */
export type AuditItem = z.infer<typeof auditItemSchema>;

export function createActions(store: Store, api: Api) {
  const fail = (e: unknown) => {
    const text = e instanceof ApiError
      ? (e.status === 0 ? store.t("error.network") : e.message || store.t("error.generic"))
      : store.t("error.generic");
    store.toast(text, "error");
  };

  /** Runs an API call; on failure shows the error and resolves to null. */
  const run = async <T>(f: () => Promise<T>): Promise<T | null> => {
    try {
      return await f();
    } catch (e) {
      fail(e);
      return null;
    }
  };

  const urlFor = (id: string | null, folder: FolderName) => {
    const q = new URLSearchParams();
    if (folder !== "in_progress") q.set("folder", folder);
    if (id) q.set("i", id);
    const s = q.toString();
    return s ? `/?${s}` : "/";
  };

  const actions = {
    run,

    /** Opens an interaction's thread (and records it in the address bar). */
    async open(id: string, push = true): Promise<void> {
      store.selectedId.value = id;
      const known = store.byId.value[id];
      if (known) store.folder.value = folderOf(known) ?? "history";
      if (push) history.pushState({ i: id }, "", urlFor(id, store.folder.value));
      if (store.detail.value?.interaction.id !== id) store.loading.value = true;
      try {
        const d = await api<Omit<Detail, "earlier"> & { earlier?: string | null }>(
          "GET",
          `/api/v1/interactions/${id}`,
        );
        if (store.selectedId.value !== id) return;
        const earlier = d.messages.length > 0 && d.messages.length < d.thread.messageCount
          ? d.messages[0].id
          : null;
        store.detail.value = { ...d, earlier };
        store.setThread(d.thread);
        store.upsert(d.interaction);
      } catch (e) {
        fail(e);
      } finally {
        if (store.selectedId.value === id) store.loading.value = false;
      }
    },

    /** Re-reads the open thread (message statuses follow the interaction's state). */
    async reloadDetail(id: string): Promise<void> {
      const d = await api<Omit<Detail, "earlier">>("GET", `/api/v1/interactions/${id}`).catch(() => null);
      const cur = store.detail.value;
      if (!d || !cur || cur.interaction.id !== id) return;
      const have = new Set(d.messages.map((m) => m.id));
      // Keep older pages already loaded; take the fresh versions of the latest ones.
      const older = cur.messages.filter((m) =>
        !have.has(m.id) && m.createdAt < (d.messages[0]?.createdAt ?? "")
      );
      store.detail.value = { ...cur, thread: d.thread, messages: [...older, ...d.messages] };
      store.setThread(d.thread);
      store.upsert(d.interaction);
    },

    showFolder(folder: FolderName, push = true): void {
      store.folder.value = folder;
      if (push) history.pushState({ folder }, "", urlFor(store.selectedId.value, folder));
    },

    /**
     * An action on an interaction (`INTERACTION_ACTIONS` in lib/shared/wire/api.ts): the answer
     * updates the folder and `done` says what to tell the agent. Null when it was refused (the
     * error is shown).
     */
    async act<K extends InteractionActionName>(
      name: K,
      id: string,
      body: InteractionActionBody<K>,
      done: (i: FolderItem) => string,
    ): Promise<FolderItem | null> {
      const r = await run(() => api<One>("POST", `/api/v1/interactions/${id}/${name}`, body));
      if (!r) return null;
      store.upsert(r.interaction);
      store.toast(done(r.interaction));
      return r.interaction;
    },

    async accept(id: string): Promise<void> {
      if (await actions.act("accept", id, {}, () => store.t("toast.accepted"))) await actions.open(id);
    },

    async reply(id: string, body: string): Promise<boolean> {
      const r = await run(() =>
        api<{ message: MessageView }>("POST", `/api/v1/interactions/${id}/reply`, { body })
      );
      if (!r) return false;
      store.addMessage(r.message);
      return true;
    },

    async resume(id: string): Promise<void> {
      if (await actions.act("resume", id, {}, () => store.t("toast.resumed"))) await actions.open(id);
    },

    async defer(id: string, until: Date): Promise<boolean> {
      const time = until.toISOString();
      return !!await actions.act(
        "defer",
        id,
        { until: time },
        () => store.t("toast.deferred", { time: when(time, Date.now(), store.lang.value) }),
      );
    },

    async transfer(id: string, body: InteractionActionBody<"transfer">): Promise<boolean> {
      return !!await actions.act("transfer", id, body, () => store.t("toast.transferred"));
    },

    async complete(id: string, body: InteractionActionBody<"complete"> = {}): Promise<boolean> {
      return !!await actions.act(
        "complete",
        id,
        body,
        (i) => store.t(i.state === "closing" ? "toast.closing" : "toast.completed"),
      );
    },

    async categorize(threadId: string, categories: string[]): Promise<boolean> {
      const r = await run(() =>
        api<ThreadAnswer>("POST", `/api/v1/threads/${threadId}/categorize`, { categories })
      );
      if (!r) return false;
      store.setThread(r.thread);
      store.toast(store.t("toast.categorized"));
      return true;
    },

    async changeLanguage(threadId: string, language: string): Promise<boolean> {
      const r = await run(() =>
        api<ThreadAnswer>("POST", `/api/v1/threads/${threadId}/language`, { language })
      );
      if (!r) return false;
      store.setThread(r.thread);
      store.toast(store.t("toast.languageChanged"));
      return true;
    },

    /** A thread control; Lock may carry the disposition of the interaction it completes (A13). */
    async control(
      threadId: string,
      control: "ignore" | "unignore" | "mute" | "unmute" | "lock" | "unlock",
      body?: Record<string, unknown>,
    ): Promise<boolean> {
      const r = await run(() => api<ThreadAnswer>("POST", `/api/v1/threads/${threadId}/${control}`, body));
      if (!r) return false;
      store.setThread(r.thread);
      store.toast(store.t(`toast.${control}`));
      return true;
    },

    /** Anonymises a message (permission `anonymize`): the thread shows "[anonymized]" at once. */
    async anonymize(threadId: string, messageId: string): Promise<boolean> {
      const r = await run(() =>
        api<{ message: MessageView }>(
          "POST",
          `/api/v1/threads/${encodeURIComponent(threadId)}/messages/${
            encodeURIComponent(messageId)
          }/anonymize`,
        )
      );
      if (!r) return false;
      store.updateMessage(r.message);
      store.toast(store.t("toast.anonymized"));
      return true;
    },

    /** A page of the thread's audit log, each entry with its readable summary in the interface language. */
    audit(threadId: string, cursor?: string | null) {
      const q = new URLSearchParams({ limit: "100", lang: store.lang.value });
      if (cursor) q.set("cursor", cursor);
      return api<Page<AuditItem>>("GET", `/api/v1/threads/${threadId}/audit?${q}`);
    },

    async loadEarlier(): Promise<void> {
      const d = store.detail.value;
      if (!d?.earlier) return;
      const r = await run(() =>
        api<Page<MessageView>>(
          "GET",
          `/api/v1/threads/${d.thread.id}/messages?before=${encodeURIComponent(d.earlier!)}&limit=100`,
        )
      );
      const cur = store.detail.value;
      if (!r || !cur || cur.thread.id !== d.thread.id) return;
      const have = new Set(cur.messages.map((m) => m.id));
      const older = r.items.filter((m) => !have.has(m.id));
      store.detail.value = { ...cur, messages: [...older, ...cur.messages], earlier: r.cursor };
    },

    async loadMoreHistory(): Promise<void> {
      const cursor = store.historyCursor.value;
      if (!cursor) return;
      const r = await run(() =>
        api<Page<FolderItem>>(
          "GET",
          `/api/v1/me/folders/history?limit=50&cursor=${encodeURIComponent(cursor)}`,
        )
      );
      if (!r) return;
      for (const i of r.items) store.upsert(i);
      store.historyCursor.value = r.cursor;
    },

    async setPresence(presence: Presence): Promise<void> {
      const r = await run(() =>
        api<{ presence: Presence; load: Record<string, number> }>("PUT", "/api/v1/me/presence", { presence })
      );
      if (r) store.me.value = { ...store.me.value, presence: r.presence, presenceBy: null, load: r.load };
    },

    async refreshMe(): Promise<void> {
      const r = await api<{ presence: Presence; presenceBy: Me["presenceBy"]; load: Record<string, number> }>(
        "GET",
        "/api/v1/me",
      ).catch(() => null);
      if (r) {
        store.me.value = { ...store.me.value, presence: r.presence, presenceBy: r.presenceBy, load: r.load };
      }
    },

    async setLanguage(lang: UiLanguage): Promise<void> {
      store.lang.value = lang;
      document.documentElement.lang = lang;
      await run(() => api("PUT", "/api/v1/me/language", { language: lang }));
    },

    directoryAgents() {
      return api<
        { agents: { id: string; name: string; presence: Presence; teams: string[]; languages: string[] }[] }
      >(
        "GET",
        "/api/v1/directory/agents",
      );
    },
  };
  return actions;
}

export type Actions = ReturnType<typeof createActions>;

export const ActionsContext = createContext<Actions | null>(null);

export function useActions(): Actions {
  const a = useContext(ActionsContext);
  if (!a) throw new Error("useActions outside the routing view");
  return a;
}
