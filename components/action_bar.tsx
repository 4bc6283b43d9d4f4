/**
 * The interaction's action icons (U6 names, only those the role permits and the state allows),
 * placed as icons or in "More actions" by the role's configured `actionLayout` (A16).
 * There is exactly one bar: docked in the thread header, it moves next to the message under the
 * pointer or holding focus (U2), so every name stays unique on the page. Next to a message it
 * also carries that message's own actions (Anonymize, for roles with `anonymize`).
 */
import { type ActionName, ACTIONS } from "../lib/shared/actions.ts";
import { useEffect, useRef, useState } from "preact/hooks";
import { useStore } from "../lib/browser/store.ts";
import { useActions } from "../lib/browser/actions.ts";
import type { Detail, MessageView } from "../lib/browser/types.ts";
import { IconButton } from "./icon_button.tsx";
import { Icon, type IconName } from "./icons.tsx";

export function focusReply(): void {
  (document.getElementById("reply-text") as HTMLTextAreaElement | null)?.focus();
}

/** One action of the bar, placed as an icon or as an item of "More actions" (A16). */
type Entry = {
  action: string;
  label: string;
  icon: IconName;
  onClick: () => void;
  pressed?: boolean;
  tone?: "primary";
};

/** Today's layout: every action an icon (used when the page carries none). */
const EVERY_ACTION_AN_ICON = { icons: [...ACTIONS], menu: [] };

export function ActionBar(
  { detail, floating, message }: { detail: Detail; floating?: boolean; message?: MessageView },
) {
  const store = useStore();
  const actions = useActions();
  const { t } = store;
  const i = detail.interaction;
  const th = detail.thread;
  const mine = i.agentId === store.me.value.id;
  const open = mine || store.can("supervise");
  const muted = th.mutedBy.includes(store.me.value.id);
  const can = store.can.bind(store);
  const dialog = (kind: Parameters<typeof store.openDialog>[0]) => () => store.openDialog(kind, i.id);
  const active = i.state === "active";

  // Only what the role permits and the state allows; the layout then says where each one sits.
  const entries: Record<ActionName, Entry | null> = {
    accept: i.state === "offered" && open && can("accept")
      ? {
        action: "accept",
        label: t("action.accept"),
        icon: "check",
        tone: "primary",
        onClick: () => actions.accept(i.id),
      }
      : null,
    reply: active && open && can("reply") && !th.locked
      ? { action: "reply", label: t("action.reply"), icon: "reply", onClick: focusReply }
      : null,
    resume: (i.state === "deferred" || i.state === "completed") && can("resume")
      ? { action: "resume", label: t("action.resume"), icon: "resume", onClick: () => actions.resume(i.id) }
      : null,
    categorize: can("categorize")
      ? { action: "categorize", label: t("action.categorize"), icon: "tag", onClick: dialog("categorize") }
      : null,
    defer: active && open && can("defer")
      ? { action: "defer", label: t("action.defer"), icon: "clock", onClick: dialog("defer") }
      : null,
    transfer: (active || i.state === "deferred") && open && can("transfer")
      ? { action: "transfer", label: t("action.transfer"), icon: "transfer", onClick: dialog("transfer") }
      : null,
    complete: active && open && can("complete")
      ? {
        action: "complete",
        label: t("action.complete"),
        icon: "complete",
        onClick: () => startComplete(store, actions, i.id),
      }
      : null,
    print: can("print")
      ? { action: "print", label: t("action.print"), icon: "printer", onClick: dialog("print") }
      : null,
    audit: can("audit")
      ? { action: "audit", label: t("action.audit"), icon: "list", onClick: dialog("audit") }
      : null,
    language: can("change_language")
      ? { action: "language", label: t("action.language"), icon: "globe", onClick: dialog("language") }
      : null,
    ignore: can("ignore")
      ? {
        action: "ignore",
        label: t("action.ignore"),
        icon: "eyeOff",
        pressed: th.ignored,
        onClick: () => actions.control(th.id, th.ignored ? "unignore" : "ignore"),
      }
      : null,
    mute: can("mute")
      ? {
        action: "mute",
        label: t("action.mute"),
        icon: "bellOff",
        pressed: muted,
        onClick: () => actions.control(th.id, muted ? "unmute" : "mute"),
      }
      : null,
    lock: can("lock")
      ? th.locked
        ? {
          action: "unlock",
          label: t("action.unlock"),
          icon: "unlock",
          onClick: () => actions.control(th.id, "unlock"),
        }
        : {
          action: "lock",
          label: t("action.lock"),
          icon: "lock",
          onClick: () => startLock(store, actions, i.id, th.id),
        }
      : null,
    expert: can("ask_expert") && store.directory.experts.length
      ? { action: "expert", label: t("action.expert"), icon: "expert", onClick: dialog("expert") }
      : null,
  };
  const layout = store.me.value.actionLayout ?? EVERY_ACTION_AN_ICON;
  // A name this page does not know (a newer layout) has no entry and is left out.
  const placed = (names: string[]) =>
    names.map((n) => entries[n as ActionName]).filter((e): e is Entry => !!e);

  return (
    <div class={`action-bar${floating ? " is-floating" : ""}`} role="toolbar" aria-label={t("actions.label")}>
      {placed(layout.icons).map((e) => (
        <IconButton
          key={e.action}
          action={e.action}
          label={e.label}
          icon={e.icon}
          tone={e.tone}
          pressed={e.pressed}
          onClick={e.onClick}
        />
      ))}
      {message && can("anonymize") && !message.anonymized
        ? (
          <>
            <span class="bar-sep" aria-hidden="true" />
            <IconButton
              action="anonymize"
              label={t("action.anonymize")}
              icon="userX"
              tone="danger"
              onClick={() => store.openDialog("anonymize", i.id, message.id)}
            />
          </>
        )
        : null}
      <MoreMenu detail={detail} entries={placed(layout.menu)} />
    </div>
  );
}

/**
 * Lock (A13) closes the thread by completing its interaction: where the source requires a
 * disposition and the interaction is still active, the disposition window comes first.
 */
export function startLock(
  store: ReturnType<typeof useStore>,
  actions: ReturnType<typeof useActions>,
  id: string,
  threadId: string,
): void {
  const i = store.byId.value[id] ?? store.detail.value?.interaction;
  const source = i ? store.directory.sources.find((s) => s.id === i.sourceId) : undefined;
  if (i?.state === "active" && source?.dispositionRequired) store.openDialog("lock", id);
  else void actions.control(threadId, "lock");
}

/** Complete (A7): a dialog when the source needs a disposition or offers smart closure, else at once (C1). */
export function startComplete(
  store: ReturnType<typeof useStore>,
  actions: ReturnType<typeof useActions>,
  id: string,
): void {
  const i = store.byId.value[id] ?? store.detail.value?.interaction;
  const source = i ? store.directory.sources.find((s) => s.id === i.sourceId) : undefined;
  if (source?.dispositionRequired || source?.smartClosure) store.openDialog("complete", id);
  else void actions.complete(id);
}

function MoreMenu({ detail, entries }: { detail: Detail; entries: Entry[] }) {
  const store = useStore();
  const { t } = store;
  const [open, setOpen] = useState(false);
  const menu = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!open) return;
    (menu.current?.querySelector("[role=menuitem]") as HTMLElement | null)?.focus();
    const away = (e: Event) => {
      if (!menu.current?.contains(e.target as Node) && e.target !== button.current) setOpen(false);
    };
    document.addEventListener("pointerdown", away);
    return () => document.removeEventListener("pointerdown", away);
  }, [open]);

  const close = () => {
    setOpen(false);
    button.current?.focus();
  };
  const onKey = (e: KeyboardEvent) => {
    const items = [...(menu.current?.querySelectorAll<HTMLElement>("[role=menuitem]") ?? [])];
    const at = items.indexOf(document.activeElement as HTMLElement);
    if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      close();
    } else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      const next = (at + (e.key === "ArrowDown" ? 1 : -1) + items.length) % items.length;
      items[next]?.focus();
    } else if (e.key === "Tab") setOpen(false);
  };
  const item = (label: string, icon: IconName, run: () => void, action?: string, pressed?: boolean) => (
    <button
      key={action ?? label}
      type="button"
      role="menuitem"
      class="menu-item"
      data-action={action}
      aria-pressed={pressed === undefined ? undefined : pressed ? "true" : "false"}
      onClick={() => {
        close();
        run();
      }}
    >
      <Icon name={icon} size={16} /> {label}
    </button>
  );
  return (
    <div class="menu-wrap">
      <button
        ref={button}
        type="button"
        class="icon-btn"
        data-action="more"
        title={t("action.more")}
        aria-haspopup="menu"
        aria-expanded={open ? "true" : "false"}
        onClick={() => setOpen(!open)}
      >
        <Icon name="more" />
        <span class="sr-only">{t("action.more")}</span>
      </button>
      {open
        ? (
          <div ref={menu} class="menu" role="menu" aria-label={t("action.more")} onKeyDown={onKey}>
            {entries.map((e) => item(e.label, e.icon, e.onClick, e.action, e.pressed))}
            {item(t("more.copyLink"), "link", () => {
              const url = `${location.origin}/?i=${encodeURIComponent(detail.interaction.id)}`;
              void navigator.clipboard?.writeText(url).then(
                () => store.toast(t("toast.copied"), "info"),
                () => {},
              );
            })}
            {item(t("more.expandAll"), "expand", () => (store.expandAll.value = true))}
            {item(
              t("more.shortcuts"),
              "keyboard",
              () => store.openDialog("shortcuts", detail.interaction.id),
            )}
          </div>
        )
        : null}
    </div>
  );
}
