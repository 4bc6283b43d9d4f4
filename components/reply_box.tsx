/**
 * The reply box (U3): a text field labelled "Reply", a "Send" button (Ctrl+Enter too), the
 * reply-assistant pen and, on co-browsing sources, the "Co-browsing" screen icon.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { Detail } from "../lib/browser/types.ts";
import { useStore } from "../lib/browser/store.ts";
import { useActions } from "../lib/browser/actions.ts";
import { Icon } from "./icons.tsx";
import { notifyTyping } from "../lib/browser/typing.ts";
import { useReplyAssistant } from "./reply_assistant.tsx";
import { IconButton } from "./icon_button.tsx";
import { requestCobrowse } from "./cobrowse_pane.tsx";

/** Drafts survive switching between interactions (not reloads). */
const drafts = new Map<string, string>();

export function ReplyBox({ detail }: { detail: Detail }) {
  const store = useStore();
  const actions = useActions();
  const { t } = store;
  const i = detail.interaction;
  const [text, setText] = useState(drafts.get(i.id) ?? "");
  const [sending, setSending] = useState(false);
  const area = useRef<HTMLTextAreaElement>(null);
  useEffect(() => setText(drafts.get(i.id) ?? ""), [i.id]);
  const assistant = useReplyAssistant(detail);

  const mine = i.agentId === store.me.value.id || store.can("supervise");
  const blocked = !store.can("reply")
    ? ""
    : detail.thread.locked
    ? t("reply.locked")
    : i.state === "offered"
    ? t("reply.offered")
    : i.state === "deferred" || i.state === "completed"
    ? t("reply.resume")
    : i.state === "closing"
    ? t("reply.closing")
    : !mine
    ? t("thread.withdrawn")
    : null;
  if (!store.can("reply")) return null;
  const disabled = blocked !== null;
  const source = store.directory.sources.find((x) => x.id === i.sourceId);
  const cobrowse = store.can("cobrowse") && source?.cobrowse && i.state === "active" &&
    i.agentId === store.me.value.id;

  const send = async () => {
    const body = text.trim();
    if (!body || disabled || sending) return;
    setSending(true);
    const ok = await actions.reply(i.id, body);
    setSending(false);
    if (ok) {
      drafts.delete(i.id);
      setText("");
      area.current?.focus();
    }
  };

  return (
    <form
      class="reply"
      onSubmit={(e) => {
        e.preventDefault();
        void send();
      }}
    >
      {assistant.panel}
      <label for="reply-text" class="sr-only">{t("reply.label")}</label>
      <textarea
        id="reply-text"
        ref={area}
        rows={3}
        maxLength={20000}
        placeholder={t("reply.placeholder")}
        value={text}
        disabled={disabled}
        onInput={(e) => {
          setText(e.currentTarget.value);
          drafts.set(i.id, e.currentTarget.value);
          notifyTyping(i.id, store.directory.sources.find((x) => x.id === i.sourceId)?.kind);
        }}
        onKeyDown={(e) => {
          if (assistant.onKeyDown(e)) return;
          if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            void send();
          }
        }}
      />
      <div class="reply-foot">
        {disabled ? null : assistant.button}
        {cobrowse
          ? (
            <IconButton
              action="cobrowse"
              label={t("action.cobrowse")}
              icon="monitor"
              onClick={() => requestCobrowse(store, i.id)}
            />
          )
          : null}
        <span class="reply-hint muted">{blocked}</span>
        <button type="submit" class="btn btn-primary" disabled={disabled || sending || !text.trim()}>
          <Icon name="send" size={16} />
          <span>{t("reply.send")}</span>
        </button>
      </div>
    </form>
  );
}
