/// <reference lib="dom" />
/**
 * Keyboard shortcuts of the routing view. Letter keys act only outside text fields; Alt
 * combinations work everywhere. Ctrl+Enter (send) belongs to the reply box.
 */
import type { Actions } from "./actions.ts";
import type { Store } from "./store.ts";
import type { FolderName } from "./types.ts";

const FOLDER_KEYS: Record<string, FolderName> = { "1": "in_progress", "2": "deferred", "3": "history" };

function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
}

/** Moves the selection `step` items through the open folder and opens that interaction. */
export function moveSelection(store: Store, actions: Actions, step: 1 | -1): void {
  const items = store.lists.value[store.folder.value];
  if (!items.length) return;
  const at = items.findIndex((i) => i.id === store.selectedId.value);
  const next =
    items[at < 0 ? (step > 0 ? 0 : items.length - 1) : Math.min(items.length - 1, Math.max(0, at + step))];
  if (!next || next.id === store.selectedId.value) return;
  if (next.state === "offered") return; // opening an offer accepts it: only on purpose
  void actions.open(next.id);
  requestAnimationFrame(() =>
    document.querySelector<HTMLElement>(`.item[data-id="${CSS.escape(next.id)}"] .item-link`)?.focus()
  );
}

export function installShortcuts(store: Store, actions: Actions): () => void {
  const onKey = (e: KeyboardEvent) => {
    if (store.dialog.value || e.defaultPrevented || e.ctrlKey || e.metaKey) return;
    const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
    const free = !typing(e.target) && !e.altKey;
    let handled = true;
    if ((e.altKey && e.code === "KeyA") || (free && key === "a")) {
      const offer = store.lists.value.in_progress.find((i) => i.state === "offered");
      if (offer) void actions.accept(offer.id);
    } else if ((e.altKey && key === "ArrowDown") || (free && key === "j")) moveSelection(store, actions, 1);
    else if ((e.altKey && key === "ArrowUp") || (free && key === "k")) moveSelection(store, actions, -1);
    else if (free && key === "r") document.getElementById("reply-text")?.focus();
    else if (free && key in FOLDER_KEYS) actions.showFolder(FOLDER_KEYS[key]);
    else if (free && key === "?") store.openDialog("shortcuts", store.selectedId.value ?? "");
    else handled = false;
    if (handled) e.preventDefault();
  };
  document.addEventListener("keydown", onKey);
  return () => document.removeEventListener("keydown", onKey);
}
