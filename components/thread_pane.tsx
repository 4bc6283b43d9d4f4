/**
 * The centre pane: the open interaction's thread with its banners, messages and reply box.
 * Huge threads stay fast: only the latest page of messages is loaded (earlier pages come in on
 * demand, keeping the reader's place), rows outside the viewport skip layout
 * (`content-visibility`), and rows are memoised so hovering re-renders two of them, not all.
 */
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { useStore } from "../lib/browser/store.ts";
import { useActions } from "../lib/browser/actions.ts";
import { languageName, when } from "../lib/browser/format.ts";
import type { Detail } from "../lib/browser/types.ts";
import { ActionBar } from "./action_bar.tsx";
import { Icon } from "./icons.tsx";
import { isFolded, MessageItem } from "./message_item.tsx";
import { ReplyBox } from "./reply_box.tsx";

/** The latest messages are always unfolded. */
const ALWAYS_OPEN = 4;
/** Distance from the bottom (px) under which the list counts as "at the bottom". */
const NEAR_BOTTOM = 160;

export function ThreadPane() {
  const store = useStore();
  const { t } = store;
  const detail = store.detail.value;
  return (
    <main
      id="thread"
      class="thread"
      tabIndex={-1}
      aria-labelledby={detail ? "thread-title" : undefined}
      aria-busy={store.loading.value ? "true" : undefined}
    >
      {detail ? <Thread detail={detail} /> : (
        <div class="thread-empty">
          <Icon name="inbox" size={40} />
          <p>{store.loading.value ? t("thread.loading") : t("thread.empty")}</p>
        </div>
      )}
    </main>
  );
}

function Banners({ detail }: { detail: Detail }) {
  const store = useStore();
  const { t } = store;
  const i = detail.interaction;
  const now = store.now.value;
  const lang = store.lang.value;
  const out: { kind: string; text: string }[] = [];
  if (i.conversationClosed || detail.thread.conversationClosed && i.state !== "completed") {
    out.push({ kind: "closed", text: t("thread.closed") });
  }
  if (i.agentId !== store.me.value.id && !store.can("supervise")) {
    out.push({ kind: "warn", text: t("thread.withdrawn") });
  }
  if (i.state === "offered") out.push({ kind: "offer", text: t("thread.offered") });
  if (i.state === "deferred" && i.deferredUntil) {
    out.push({ kind: "info", text: t("thread.deferred", { time: when(i.deferredUntil, now, lang) }) });
  }
  if (i.state === "closing" && i.closing) {
    out.push({ kind: "info", text: t("thread.closing", { time: when(i.closing.deadline, now, lang) }) });
  }
  if (i.state === "completed" && i.completedAt) {
    out.push({ kind: "info", text: t("thread.completed", { time: when(i.completedAt, now, lang) }) });
  }
  if (detail.thread.locked) out.push({ kind: "warn", text: t("thread.locked") });
  if (detail.thread.ignored) out.push({ kind: "info", text: t("thread.ignored") });
  if (i.transfer?.comment && i.state !== "completed") {
    out.push({
      kind: "note",
      text: t("thread.transferComment", {
        name: store.agentName(i.transfer.fromAgentId),
        comment: i.transfer.comment,
      }),
    });
  }
  if (!out.length) return null;
  return (
    <div class="banners">
      {out.map((b) => (
        <p
          key={b.kind + b.text}
          class={`banner banner-${b.kind}`}
          role={b.kind === "closed" ? "status" : undefined}
          data-banner={b.kind}
        >
          {b.text}
        </p>
      ))}
    </div>
  );
}

/**
 * Keeps the list at its bottom while it is "pinned": on opening a thread (rows settle to their
 * real height after the first paint, since off-screen rows start at an estimated height) and
 * when a new message arrives while the reader is at the bottom. Reading (scrolling up, clicking
 * "Show more") unpins it. Loading earlier messages keeps the reader's place.
 */
function useScrollKeeper(list: { current: HTMLDivElement | null }, detail: Detail) {
  const pinned = useRef(true);
  const last = useRef({ thread: "", count: 0, first: "" });
  // Loading earlier messages: the row the reader was looking at, and where it was on screen. Kept
  // while prepended rows settle to their real heights (they start at an estimated height), so
  // the row stays put through every resize, until the reader moves.
  const anchor = useRef<{ id: string; top: number } | null>(null);
  const holdAnchor = (el: HTMLDivElement) => {
    const a = anchor.current;
    const row = a && el.querySelector<HTMLElement>(`[data-message-id="${CSS.escape(a.id)}"]`);
    if (a && row) el.scrollTop += row.getBoundingClientRect().top - a.top;
  };

  useLayoutEffect(() => {
    const el = list.current;
    if (!el) return;
    const prev = last.current;
    const n = detail.messages.length;
    const first = detail.messages[0]?.id ?? "";
    const switched = prev.thread !== detail.thread.id;
    if (switched) pinned.current = true;
    else if (first !== prev.first && anchor.current) {
      // Earlier messages were put on top: stay on what the reader was looking at.
      holdAnchor(el);
    } else if (n > prev.count && el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM) {
      pinned.current = true;
    }
    if (pinned.current) el.scrollTop = el.scrollHeight;
    last.current = { thread: detail.thread.id, count: n, first };
  }, [detail.thread.id, detail.messages]);

  useEffect(() => {
    const el = list.current;
    const content = el?.firstElementChild;
    if (!el || !content || typeof ResizeObserver === "undefined") return;
    const ro = new ResizeObserver(() => {
      if (pinned.current) el.scrollTop = el.scrollHeight;
      else if (anchor.current) holdAnchor(el);
    });
    ro.observe(content);
    // Only a scroll up unpins: rows settling to their real height grow the list under a
    // pinned reader without moving scrollTop, and a scroll event read after such growth (before
    // the resize observer pins it again) must not take it for the reader leaving the bottom.
    let lastTop = el.scrollTop;
    const onScroll = () => {
      const up = el.scrollTop < lastTop - 1;
      lastTop = el.scrollTop;
      if (up && el.scrollHeight - el.scrollTop - el.clientHeight > NEAR_BOTTOM) pinned.current = false;
    };
    const unpin = () => {
      pinned.current = false;
      anchor.current = null;
    };
    el.addEventListener("scroll", onScroll, { passive: true });
    el.addEventListener("wheel", unpin, { passive: true });
    el.addEventListener("pointerdown", unpin);
    el.addEventListener("keydown", unpin);
    return () => {
      ro.disconnect();
      el.removeEventListener("scroll", onScroll);
      el.removeEventListener("wheel", unpin);
      el.removeEventListener("pointerdown", unpin);
      el.removeEventListener("keydown", unpin);
    };
  }, []);

  /** Call before earlier messages are prepended. */
  return () => {
    const el = list.current;
    const row = el?.querySelector<HTMLElement>("[data-message-id]");
    const id = row?.getAttribute("data-message-id");
    anchor.current = row && id ? { id, top: row.getBoundingClientRect().top } : null;
  };
}

function Thread({ detail }: { detail: Detail }) {
  const store = useStore();
  const actions = useActions();
  const { t } = store;
  const i = detail.interaction;
  const [hovered, setHovered] = useState<string | null>(null);
  const [focused, setFocused] = useState<string | null>(null);
  const [roving, setRoving] = useState<string | null>(null);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const [loadingEarlier, setLoadingEarlier] = useState(false);
  const list = useRef<HTMLDivElement>(null);
  const active = focused ?? hovered;
  const agentInitials = store.directory.agents.find((a) => a.id === i.agentId)?.initials ?? "";
  const beforePrepend = useScrollKeeper(list, detail);

  // Another thread: nothing unfolded, hovered or focused carries over.
  const shownThread = useRef(detail.thread.id);
  useLayoutEffect(() => {
    if (shownThread.current === detail.thread.id) return;
    shownThread.current = detail.thread.id;
    setExpanded(new Set());
    setHovered(null);
    setFocused(null);
    setRoving(null);
    store.expandAll.value = false;
  }, [detail.thread.id]);

  // Stable callbacks, so memoised rows do not re-render when the thread does.
  const onToggle = useCallback((id: string) => setExpanded((s) => new Set([...s, id])), []);
  const onFocusIn = useCallback((id: string) => {
    setFocused(id);
    setRoving(id);
  }, []);
  const onFocusOut = useCallback((id: string, e: FocusEvent) => {
    const to = e.relatedTarget as Node | null;
    const row = (e.currentTarget as HTMLElement | null) ?? null;
    if (!to || !row?.contains(to)) setFocused((f) => (f === id ? null : f));
  }, []);

  /** Arrow keys, Home and End move between messages (one Tab stop for the whole list); Enter unfolds. */
  const onKeyDown = (e: KeyboardEvent) => {
    const row = e.target as HTMLElement;
    if (!row.classList?.contains("msg") || e.altKey || e.ctrlKey || e.metaKey) return;
    if ((e.key === "Enter" || e.key === " ") && row.classList.contains("is-folded")) {
      e.preventDefault();
      const id = row.dataset.messageId;
      if (id) onToggle(id);
      return;
    }
    const rows = [...(list.current?.querySelectorAll<HTMLElement>(":scope > div > .msg") ?? [])];
    const at = rows.indexOf(row);
    const to = e.key === "ArrowDown"
      ? rows[at + 1]
      : e.key === "ArrowUp"
      ? rows[at - 1]
      : e.key === "Home"
      ? rows[0]
      : e.key === "End"
      ? rows[rows.length - 1]
      : undefined;
    if (!to) return;
    e.preventDefault();
    to.focus();
  };

  const loadEarlier = async () => {
    if (loadingEarlier) return;
    setLoadingEarlier(true);
    beforePrepend();
    await actions.loadEarlier();
    setLoadingEarlier(false);
  };

  const src = store.directory.sources.find((s) => s.id === i.sourceId);
  const n = detail.messages.length;
  const tabStop = roving && detail.messages.some((m) => m.id === roving)
    ? roving
    : detail.messages[n - 1]?.id;
  const total = Math.max(detail.thread.messageCount, n);

  return (
    <>
      <header class="thread-head">
        <div class="thread-title">
          <h1 id="thread-title">{detail.thread.customer.name}</h1>
          <p class="thread-sub">
            <span class="chip">{src?.name ?? i.sourceId}</span>
            <span class={`state state-${i.state}`}>{t(`state.${i.state}`)}</span>
            <span class="muted">{languageName(detail.thread.language ?? i.language, store.lang.value)}</span>
          </p>
        </div>
        <div class="toolbar-dock">{active ? null : <ActionBar detail={detail} />}</div>
      </header>
      <Banners detail={detail} />
      <div
        class="messages"
        ref={list}
        role="log"
        aria-label={t("thread.messages")}
        onMouseLeave={() => setHovered(null)}
        onKeyDown={onKeyDown}
      >
        <div class="messages-inner">
          {detail.earlier
            ? (
              <div class="earlier">
                <button
                  type="button"
                  class="btn btn-ghost"
                  aria-busy={loadingEarlier ? "true" : undefined}
                  disabled={loadingEarlier}
                  onClick={loadEarlier}
                >
                  {t("thread.earlier")}
                </button>
                <span class="muted earlier-count">{t("thread.shownCount", { shown: n, total })}</span>
              </div>
            )
            : null}
          {detail.messages.map((m, idx) => (
            <MessageItem
              key={m.id}
              m={m}
              collapsed={isFolded(m) && idx < n - ALWAYS_OPEN && !expanded.has(m.id) &&
                !store.expandAll.value}
              agentInitials={agentInitials}
              toolbar={active === m.id ? <ActionBar detail={detail} floating message={m} /> : null}
              tabbable={m.id === tabStop}
              onToggle={onToggle}
              onHover={setHovered}
              onFocusIn={onFocusIn}
              onFocusOut={onFocusOut}
            />
          ))}
        </div>
      </div>
      <ReplyBox detail={detail} />
    </>
  );
}
