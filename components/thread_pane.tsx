/**
 * The centre pane: the open interaction's thread with its banners, messages and reply box.
 * Only the latest messages are loaded (earlier ones page in on demand), and rows outside the
 * viewport skip layout (`content-visibility`), so huge threads stay fast.
 */
import { useLayoutEffect, useRef, useState } from "preact/hooks";
import { useStore } from "../lib/ui/store.ts";
import { useActions } from "../lib/ui/actions.ts";
import { languageName, when } from "../lib/ui/format.ts";
import type { Detail } from "../lib/ui/types.ts";
import { ActionBar } from "./action_bar.tsx";
import { Icon } from "./icons.tsx";
import { isFolded, MessageItem } from "./message_item.tsx";
import { ReplyBox } from "./reply_box.tsx";

/** The latest messages are always unfolded. */
const ALWAYS_OPEN = 4;

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

function Thread({ detail }: { detail: Detail }) {
  const store = useStore();
  const actions = useActions();
  const { t } = store;
  const i = detail.interaction;
  const [hovered, setHovered] = useState<string | null>(null);
  const [focused, setFocused] = useState<string | null>(null);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const list = useRef<HTMLDivElement>(null);
  const lastCount = useRef({ id: "", n: 0 });
  const active = focused ?? hovered;
  const agentInitials = store.directory.agents.find((a) => a.id === i.agentId)?.initials ?? "";

  // Open at the bottom; follow new messages when already near the bottom.
  useLayoutEffect(() => {
    const el = list.current;
    if (!el) return;
    const prev = lastCount.current;
    const n = detail.messages.length;
    const switched = prev.id !== detail.thread.id;
    const nearBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 160;
    const grewAtEnd = !switched && n > prev.n && detail.messages[n - 1]?.id !== undefined;
    if (switched || (grewAtEnd && nearBottom)) el.scrollTop = el.scrollHeight;
    lastCount.current = { id: detail.thread.id, n };
    if (switched) {
      setExpanded(new Set());
      setHovered(null);
      setFocused(null);
      store.expandAll.value = false;
    }
  }, [detail.thread.id, detail.messages.length]);

  const src = store.directory.sources.find((s) => s.id === i.sourceId);
  const toolbar = <ActionBar detail={detail} floating />;
  const n = detail.messages.length;

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
      >
        {detail.earlier
          ? (
            <button type="button" class="btn btn-ghost earlier" onClick={() => actions.loadEarlier()}>
              {t("thread.earlier")}
            </button>
          )
          : null}
        {detail.messages.map((m, idx) => {
          const collapsed = isFolded(m) && idx < n - ALWAYS_OPEN && !expanded.has(m.id) &&
            !store.expandAll.value;
          return (
            <MessageItem
              key={m.id}
              m={m}
              collapsed={collapsed}
              onToggle={() => setExpanded(new Set([...expanded, m.id]))}
              agentInitials={agentInitials}
              toolbar={active === m.id ? toolbar : null}
              onHover={setHovered}
              onFocusIn={setFocused}
              onFocusOut={(id, e) => {
                const to = e.relatedTarget as Node | null;
                const row = (e.currentTarget as HTMLElement | null) ?? null;
                if (!to || !row?.contains(to)) setFocused((f) => (f === id ? null : f));
              }}
            />
          );
        })}
      </div>
      <ReplyBox detail={detail} />
    </>
  );
}
