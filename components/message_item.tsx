/**
 * One message of the thread. Hover or focus shows its status next to the agent's initials and
 * brings the action bar to it (U2). Folded content (agent and system messages, customer
 * messages already answered or ignored) collapses to one line, except the latest few.
 *
 * Memoised: a huge thread re-renders only the rows whose props change (the one hovered, the
 * one left), and rows read the clock only through the day, so the per-second tick skips them.
 */
import type { ComponentChildren } from "preact";
import type { MessageView } from "../lib/browser/types.ts";
import { useStore } from "../lib/browser/store.ts";
import { initials, when } from "../lib/browser/format.ts";
import { memo } from "../lib/browser/memo.ts";
import { Icon } from "./icons.tsx";
import { MessageContent } from "./message_content.tsx";

export const isFolded = (m: MessageView) =>
  m.author.type !== "customer" || m.status === "replied" || m.status === "ignored";

export type MessageItemProps = {
  m: MessageView;
  collapsed: boolean;
  agentInitials: string;
  /** The action bar, on the message under the pointer or holding focus; null elsewhere. */
  toolbar: ComponentChildren;
  /** The one message reachable with Tab (roving tabindex; arrows move between messages). */
  tabbable: boolean;
  onToggle: (id: string) => void;
  onHover: (id: string | null) => void;
  onFocusIn: (id: string) => void;
  onFocusOut: (id: string, e: FocusEvent) => void;
};

function MessageRow(
  { m, collapsed, agentInitials, toolbar, tabbable, onToggle, onHover, onFocusIn, onFocusOut }:
    MessageItemProps,
) {
  const store = useStore();
  const { t } = store;
  const lang = store.lang.value;
  // The day, not the second: a clock time only changes form ("13:15" → "2 Dec, 13:15") at midnight.
  const today = store.day.value;
  const name = m.author.type === "system" ? t("author.system") : m.author.name;
  const by = m.author.type === "agent" ? initials(m.author.name) : agentInitials;
  const excerpt = m.body.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim().slice(0, 160) ||
    m.attachments.map((a) => a.name).join(", ");
  return (
    <article
      class={`msg msg-${m.author.type}${collapsed ? " is-folded" : ""}${m.private ? " is-private" : ""}${
        m.anonymized ? " is-anonymized" : ""
      }${toolbar ? " is-active" : ""}`}
      data-message-id={m.id}
      data-status={m.status}
      tabIndex={tabbable ? 0 : -1}
      aria-labelledby={`ma-${m.id}`}
      onMouseEnter={() => onHover(m.id)}
      onFocusIn={() => onFocusIn(m.id)}
      onFocusOut={(e) => onFocusOut(m.id, e as FocusEvent)}
    >
      {toolbar}
      <div class="msg-avatar" aria-hidden="true">{m.author.type === "system" ? "•" : initials(name)}</div>
      <div class="msg-main">
        <header class="msg-head">
          <span class="msg-author" id={`ma-${m.id}`}>{name}</span>
          <time dateTime={m.createdAt}>{when(m.createdAt, today, lang)}</time>
          {m.private ? <span class="badge">{t("thread.private")}</span> : null}
          {m.anonymized ? <span class="badge badge-anonymized">{t("thread.anonymized")}</span> : null}
          <span class="msg-status" data-status={m.status}>
            {by ? <span class="msg-initials">{by}</span> : null}
            <span>{t(`status.${m.status}`)}</span>
          </span>
        </header>
        {collapsed
          ? (
            <div class="msg-folded" onClick={() => onToggle(m.id)}>
              <button
                type="button"
                class="fold-toggle"
                aria-expanded="false"
                tabIndex={-1}
                onClick={(e) => (e.stopPropagation(), onToggle(m.id))}
              >
                <Icon name="chevronRight" size={14} />
                <span class="sr-only">{t("thread.showMessage")}</span>
              </button>
              <span class="msg-excerpt">{excerpt}</span>
            </div>
          )
          : (
            <div class={`msg-bubble`}>
              <MessageContent m={m} />
            </div>
          )}
      </div>
    </article>
  );
}

export const MessageItem = memo(MessageRow, "MessageRow");
