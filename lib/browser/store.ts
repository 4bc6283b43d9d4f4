/**
 * The routing view's state (browser and server render alike): signals for the agent, the
 * interactions in its folders, the open thread, dialogs, toasts and the live connection.
 * Mutations here are pure state changes; I/O lives in `actions.ts` and `live.ts`.
 */
import { batch, computed, type ReadonlySignal, signal } from "@preact/signals";
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import { type MessageKey, translate, type UiLanguage, type Vars } from "../shared/i18n/mod.ts";
import type { BootProps, Detail, FolderItem, FolderName, MessageView, Theme, ThreadView } from "./types.ts";
import { folderOfState } from "../shared/folders.ts";

export type DialogKind =
  | "transfer"
  | "defer"
  | "complete"
  | "lock"
  | "language"
  | "categorize"
  | "audit"
  | "idle"
  | "print"
  | "shortcuts"
  | "expert"
  | "anonymize";
/** The open dialog: its kind, the interaction it acts on, and the message for message actions. */
export type OpenDialog = { kind: DialogKind; interactionId: string; messageId?: string };
export type Toast = { id: number; text: string; kind: "info" | "success" | "error" };
export type LiveState = "connecting" | "open" | "reconnecting";

/** The folder an interaction is shown in (the server's `folderOf`, minus the queue). */
export function folderOf(i: Pick<FolderItem, "state">): FolderName | null {
  const f = folderOfState(i.state);
  return f && f !== "queue" ? f : null;
}

const at = (s: string | null | undefined) => (s ? Date.parse(s) : 0);

/** In progress: pending offers on top (oldest offer first), then by creation. */
function inProgressOrder(a: FolderItem, b: FolderItem): number {
  const ao = a.state === "offered" ? 0 : 1, bo = b.state === "offered" ? 0 : 1;
  if (ao !== bo) return ao - bo;
  return ao === 0 ? at(a.offeredAt) - at(b.offeredAt) : at(a.createdAt) - at(b.createdAt);
}

export function createStore(boot: BootProps) {
  const me = signal(boot.me);
  const lang = signal<UiLanguage>(boot.lang);
  const theme = signal<Theme>(boot.theme);
  const now = signal(boot.now);
  /** Local midnight of `now`: what message times depend on, so they skip the per-second tick. */
  const day = computed(() => {
    const d = new Date(now.value);
    return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  });
  const folder = signal<FolderName>(boot.folder);
  const byId = signal<Record<string, FolderItem>>(
    Object.fromEntries(boot.interactions.map((i) => [i.id, i])),
  );
  /** Interactions removed from this agent's folders, with the version that removed them. */
  const removed = new Map<string, string>();
  const historyCursor = signal<string | null>(boot.historyCursor);
  const selectedId = signal<string | null>(boot.selected?.interaction.id ?? null);
  const detail = signal<Detail | null>(boot.selected);
  const loading = signal(false);
  const dialog = signal<OpenDialog | null>(null);
  const toasts = signal<Toast[]>([]);
  const live = signal<LiveState>("connecting");
  const expandAll = signal(false);
  const mutedThreads = signal<ReadonlySet<string>>(new Set());
  /** Why this page's session ended (a `session.ended` reason, or "expired"); null while signed in. */
  const signedOut = signal<string | null>(null);
  let toastSeq = 0;

  const lists = computed(() => {
    const out: Record<FolderName, FolderItem[]> = { in_progress: [], deferred: [], history: [] };
    for (const i of Object.values(byId.value)) {
      const f = folderOf(i);
      if (f) out[f].push(i);
    }
    out.in_progress.sort(inProgressOrder);
    out.deferred.sort((a, b) => at(a.deferredUntil) - at(b.deferredUntil));
    out.history.sort((a, b) => at(b.completedAt ?? b.updatedAt) - at(a.completedAt ?? a.updatedAt));
    return out;
  });

  const store = {
    me,
    lang,
    theme,
    now,
    day: day as ReadonlySignal<number>,
    folder,
    byId,
    historyCursor,
    selectedId,
    detail,
    loading,
    dialog,
    toasts,
    live,
    expandAll,
    mutedThreads,
    signedOut,
    lists: lists as ReadonlySignal<Record<FolderName, FolderItem[]>>,
    directory: boot.directory,
    acceptTimeout: boot.acceptTimeout,
    csrf: boot.csrf,

    t(key: MessageKey, vars?: Vars): string {
      return translate(lang.value, key, vars);
    },

    can(permission: string): boolean {
      return me.value.permissions.includes(permission);
    },

    /**
     * Applies an interaction view from an action answer or an event. Older versions than the
     * one held are ignored (events replayed after the page's snapshot); an interaction that
     * is no longer this agent's leaves the folders.
     */
    upsert(v: FolderItem): "added" | "updated" | "removed" | "stale" {
      const current = byId.value[v.id];
      const gone = removed.get(v.id);
      if (current && current.updatedAt > v.updatedAt) return "stale";
      if (!current && gone !== undefined && gone >= v.updatedAt) return "stale";
      const mine = v.agentId === me.value.id && folderOf(v) !== null;
      let result: "added" | "updated" | "removed";
      batch(() => {
        if (mine) {
          byId.value = { ...byId.value, [v.id]: v };
          removed.delete(v.id);
          result = current ? "updated" : "added";
        } else {
          removed.set(v.id, v.updatedAt);
          if (current) {
            const next = { ...byId.value };
            delete next[v.id];
            byId.value = next;
          }
          result = "removed";
        }
        const d = detail.value;
        if (d && d.interaction.id === v.id && d.interaction.updatedAt <= v.updatedAt) {
          detail.value = { ...d, interaction: v };
        }
      });
      return result!;
    },

    /** Adds a message to the open thread (once) and refreshes the item's preview. */
    addMessage(m: MessageView): void {
      batch(() => {
        const d = detail.value;
        if (d && d.thread.id === m.threadId && !d.messages.some((x) => x.id === m.id)) {
          // An agent's reply answers the customer messages before it (as the server records).
          const answered = m.author.type === "agent" && !m.private;
          const earlier = answered
            ? d.messages.map((x) =>
              x.author.type === "customer" && (x.status === "new" || x.status === "assigned")
                ? { ...x, status: "replied" as const }
                : x
            )
            : d.messages;
          detail.value = { ...d, messages: [...earlier, m] };
        }
        const i = m.interactionId ? byId.value[m.interactionId] : undefined;
        if (i && !m.private && at(m.createdAt) >= at(i.preview.at)) {
          byId.value = {
            ...byId.value,
            [i.id]: { ...i, preview: { text: m.body.slice(0, 140), at: m.createdAt, author: m.author.type } },
          };
        }
      });
    },

    /** Replaces a message of the open thread by its new version (anonymised, status changed). */
    updateMessage(m: MessageView): void {
      const d = detail.value;
      if (!d || d.thread.id !== m.threadId) return;
      const at = d.messages.findIndex((x) => x.id === m.id);
      if (at < 0) return;
      const messages = d.messages.slice();
      messages[at] = m;
      detail.value = { ...d, messages };
    },

    setThread(t: ThreadView): void {
      const d = detail.value;
      if (d && d.thread.id === t.id) detail.value = { ...d, thread: t };
      const muted = new Set(mutedThreads.value);
      if (t.mutedBy.includes(me.value.id)) muted.add(t.id);
      else muted.delete(t.id);
      mutedThreads.value = muted;
    },

    isMuted(threadId: string): boolean {
      return mutedThreads.value.has(threadId);
    },

    toast(text: string, kind: Toast["kind"] = "success"): number {
      const id = ++toastSeq;
      toasts.value = [...toasts.value.slice(-2), { id, text, kind }];
      return id;
    },

    dismiss(id: number): void {
      toasts.value = toasts.value.filter((x) => x.id !== id);
    },

    openDialog(kind: DialogKind, interactionId: string, messageId?: string): void {
      dialog.value = messageId ? { kind, interactionId, messageId } : { kind, interactionId };
    },

    closeDialog(): void {
      dialog.value = null;
    },

    sourceName(id: string): string {
      return boot.directory.sources.find((s) => s.id === id)?.name ?? id;
    },

    agentName(id: string | null): string {
      return (id && boot.directory.agents.find((a) => a.id === id)?.name) || id || "";
    },

    categoryName(id: string): string {
      return boot.directory.categories.find((c) => c.id === id)?.name ?? id;
    },
  };
  if (boot.selected) store.setThread(boot.selected.thread);
  return store;
}

export type Store = ReturnType<typeof createStore>;

export const StoreContext = createContext<Store | null>(null);

export function useStore(): Store {
  const s = useContext(StoreContext);
  if (!s) throw new Error("useStore outside the routing view");
  return s;
}
