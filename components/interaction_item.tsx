/**
 * One interaction in a folder list (U1): customer, source, the latest message's first words,
 * its age; a pending offer shows its alert, a countdown when a time limit is set, and Accept.
 * Clicking a pending offer accepts it (U2). Names come from the customer's name only, so
 * customer text can never look like a control's name.
 */
import type { FolderItem } from "../lib/browser/types.ts";
import { useStore } from "../lib/browser/store.ts";
import { useActions } from "../lib/browser/actions.ts";
import { age, countdown, when } from "../lib/browser/format.ts";
import { IconButton } from "./icon_button.tsx";

export function InteractionItem({ item }: { item: FolderItem }) {
  const store = useStore();
  const actions = useActions();
  const { t } = store;
  const lang = store.lang.value;
  const now = store.now.value;
  const selected = store.selectedId.value === item.id;
  const offered = item.state === "offered";
  const left = item.acceptDeadline ? Date.parse(item.acceptDeadline) - now : null;
  const open = (e: Event) => {
    e.preventDefault();
    if (offered) void actions.accept(item.id);
    else void actions.open(item.id);
  };
  return (
    <li
      class={`item item-${item.state}${selected ? " is-selected" : ""}${
        item.conversationClosed ? " is-closed" : ""
      }`}
      data-id={item.id}
    >
      <a
        href={`/?i=${encodeURIComponent(item.id)}`}
        class="item-link"
        aria-labelledby={`in-${item.id}`}
        aria-describedby={`id-${item.id}`}
        aria-current={selected ? "true" : undefined}
        onClick={open}
      >
        <span class="item-top">
          {offered ? <span class="offer-dot" aria-hidden="true" /> : null}
          <span class="item-name" id={`in-${item.id}`}>{item.customer.name}</span>
          <span class="item-age">{age(item.preview.at, now, lang)}</span>
        </span>
        <span class="item-meta">
          <span class="chip">{store.sourceName(item.sourceId)}</span>
          {offered ? <span class="badge badge-offer">{t("item.offer")}</span> : null}
          {offered && left !== null
            ? (
              <span class={`countdown${left < 10_000 ? " is-urgent" : ""}`}>
                {t("item.expiresIn", { time: countdown(item.acceptDeadline!, now) })}
              </span>
            )
            : null}
          {item.state === "deferred" && item.deferredUntil
            ? <span class="muted">{t("item.until", { time: when(item.deferredUntil, now, lang) })}</span>
            : null}
          {item.state === "closing" ? <span class="badge">{t("state.closing")}</span> : null}
        </span>
        <span class="item-preview" id={`id-${item.id}`}>
          {item.conversationClosed ? <span class="item-closed">{t("item.closed")} ·</span> : null}
          {item.transfer && item.state !== "completed" && offered
            ? (
              <span class="item-transfer">
                {t("item.transferredBy", { name: store.agentName(item.transfer.fromAgentId) })} ·
              </span>
            )
            : null}
          {item.preview.text}
        </span>
      </a>
      {offered && !selected && store.can("accept")
        ? (
          <div class="item-actions">
            <IconButton
              action="accept"
              label={t("action.accept")}
              icon="check"
              tone="primary"
              onClick={() => void actions.accept(item.id)}
            />
          </div>
        )
        : null}
    </li>
  );
}
