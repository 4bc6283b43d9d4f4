/**
 * The reply assistant (SPEC K2, K3): a pen button under the reply box opens a panel that
 * searches knowledge-base entries and answers to similar past questions as the agent types; a
 * click inserts the text at the reply's cursor. In the reply box, `/keyword` followed by Space
 * or Tab is replaced by the entry with that shortcut (the one in the thread's language first).
 */
import type { JSX } from "preact";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { createApi } from "../lib/browser/api.ts";
import { useStore } from "../lib/browser/store.ts";
import type { Detail } from "../lib/browser/types.ts";
import { insertIntoReply, replaceRange, setFieldText, shortcutAt } from "../lib/browser/shortcuts.ts";
import { Icon } from "./icons.tsx";

type Entry = {
  id: string;
  groupId: string;
  groupName: string;
  title: string;
  body: string;
  shortcut: string | null;
};
type Similar = { id: string; question: string; answer: string };
type Results = { entries: Entry[]; similar: Similar[] };

const excerpt = (s: string, n = 160) => (s.length > n ? s.slice(0, n) + "…" : s);

/**
 * The reply box's side of the assistant: its pen button, its panel, and the key handler that
 * expands shortcuts (returns true when it took the key).
 */
export function useReplyAssistant(detail: Detail) {
  const store = useStore();
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const api = useMemo(() => createApi(store.csrf), [store.csrf]);
  const threadId = detail.thread.id;
  useEffect(() => setOpen(false), [detail.interaction.id]);

  const close = () => {
    setOpen(false);
    button.current?.focus();
  };

  const onKeyDown = (e: JSX.TargetedKeyboardEvent<HTMLTextAreaElement>): boolean => {
    if ((e.key !== " " && e.key !== "Tab") || e.ctrlKey || e.metaKey || e.altKey || e.shiftKey) return false;
    const field = e.currentTarget;
    const caret = field.selectionStart ?? 0;
    if (caret !== field.selectionEnd) return false;
    const sc = shortcutAt(field.value, caret);
    if (!sc) return false;
    e.preventDefault();
    const key = e.key;
    const typed = field.value;
    void api<{ entry: Entry }>(
      "GET",
      `/api/v1/assistant/shortcuts/${encodeURIComponent(sc.keyword)}?threadId=${
        encodeURIComponent(threadId)
      }`,
    )
      .then(
        ({ entry }) => entry.body,
        () => null,
      )
      .then((body) => {
        // Only when the shortcut is still where it was typed.
        const now = field.value;
        if (now.slice(sc.start, sc.end) !== typed.slice(sc.start, sc.end)) return;
        const insert = body ?? (key === " " ? `/${sc.keyword} ` : `/${sc.keyword}`);
        const next = replaceRange(now, sc.start, sc.end, insert);
        setFieldText(field, next.text, next.caret);
      });
    return true;
  };

  const pen = (
    <button
      ref={button}
      type="button"
      class="icon-btn"
      data-action="assistant"
      title={store.t("assistant.open")}
      aria-expanded={open ? "true" : "false"}
      aria-controls="reply-assistant"
      onClick={() => setOpen(!open)}
    >
      <Icon name="pen" />
      <span class="sr-only">{store.t("assistant.open")}</span>
    </button>
  );
  const panel = open ? <AssistantPanel threadId={threadId} api={api} onClose={close} /> : null;
  return { button: pen, panel, onKeyDown };
}

function AssistantPanel(
  { threadId, api, onClose }: { threadId: string; api: ReturnType<typeof createApi>; onClose: () => void },
) {
  const store = useStore();
  const { t } = store;
  const [q, setQ] = useState("");
  const [results, setResults] = useState<Results | null>(null);
  const [failed, setFailed] = useState(false);
  const seq = useRef(0);

  useEffect(() => {
    const mine = ++seq.current;
    const timer = setTimeout(async () => {
      try {
        const r: Results = q.trim()
          ? await api<Results>(
            "GET",
            `/api/v1/assistant/search?threadId=${encodeURIComponent(threadId)}&q=${encodeURIComponent(q)}`,
          )
          : {
            entries: (await api<{ groups: { entries: Entry[] }[] }>(
              "GET",
              `/api/v1/assistant/entries?threadId=${encodeURIComponent(threadId)}`,
            ))
              .groups.flatMap((g) => g.entries),
            similar: [],
          };
        if (mine === seq.current) {
          setResults(r);
          setFailed(false);
        }
      } catch {
        if (mine === seq.current) setFailed(true);
      }
    }, q ? 120 : 0);
    return () => clearTimeout(timer);
  }, [q, threadId]);

  const insert = (text: string) => {
    if (insertIntoReply(text)) onClose();
  };

  return (
    <section
      id="reply-assistant"
      class="assistant"
      aria-label={t("assistant.open")}
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          e.preventDefault();
          e.stopPropagation();
          onClose();
        }
      }}
    >
      <div class="assistant-head">
        <label for="assistant-q">{t("assistant.search")}</label>
        <button type="button" class="icon-btn" title={t("dialog.close")} onClick={onClose}>
          <Icon name="x" size={16} />
          <span class="sr-only">{t("dialog.close")}</span>
        </button>
      </div>
      <input
        id="assistant-q"
        type="search"
        autoFocus
        autocomplete="off"
        maxLength={200}
        value={q}
        onInput={(e) => setQ(e.currentTarget.value)}
      />
      <p class="muted small">{t("assistant.hint")}</p>
      {failed ? <p class="form-error" role="alert">{t("error.generic")}</p> : null}
      <div class="assistant-results" aria-live="polite">
        {results && !results.entries.length && !results.similar.length
          ? <p class="muted">{t("assistant.empty")}</p>
          : null}
        {results?.entries.length
          ? (
            <>
              <h3 class="assistant-title">{t("assistant.entries")}</h3>
              <ul class="assistant-list">
                {results.entries.map((e) => (
                  <li key={`${e.groupId}/${e.id}`}>
                    <button
                      type="button"
                      class="assistant-item"
                      data-entry={e.id}
                      onClick={() => insert(e.body)}
                    >
                      <span class="assistant-item-title">
                        {e.title}
                        {e.shortcut
                          ? <span class="badge">{t("assistant.shortcut", { keyword: e.shortcut })}</span>
                          : null}
                        <span class="muted small">· {e.groupName}</span>
                      </span>
                      <span class="assistant-item-body">{excerpt(e.body)}</span>
                    </button>
                  </li>
                ))}
              </ul>
            </>
          )
          : null}
        {results?.similar.length
          ? (
            <>
              <h3 class="assistant-title">{t("assistant.similar")}</h3>
              <ul class="assistant-list">
                {results.similar.map((s) => (
                  <li key={s.id}>
                    <button
                      type="button"
                      class="assistant-item"
                      data-similar={s.id}
                      onClick={() => insert(s.answer)}
                    >
                      <span class="assistant-item-title muted small">
                        {t("assistant.asked", { text: excerpt(s.question, 120) })}
                      </span>
                      <span class="assistant-item-body">{excerpt(s.answer, 240)}</span>
                    </button>
                  </li>
                ))}
              </ul>
            </>
          )
          : null}
      </div>
    </section>
  );
}
