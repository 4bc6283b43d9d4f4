/**
 * Ask an expert (A14): pick an expert, write a question (≤ 300 characters) and optionally share
 * the conversation history the server prepared (names already replaced); the agent may remove
 * lines, and Send stays disabled while the kept history is over 1,500 characters.
 */
import { useEffect, useMemo, useState } from "preact/hooks";
import { ApiError, createApi } from "../../lib/browser/api.ts";
import { useStore } from "../../lib/browser/store.ts";
import { Icon } from "../icons.tsx";
import { Cancel, Dialog, FormError } from "./dialog.tsx";

type Line = { messageId: string; line: string; attachments: { name: string; url: string }[] };
type Draft = {
  experts: { id: string; name: string }[];
  lang: "en" | "fr";
  history: Line[];
  maxHistoryChars: number;
  maxQuestionChars: number;
};

/** The kept history's length as the server counts it: lines joined by newlines. */
export const keptLength = (lines: readonly Line[]) =>
  lines.reduce((n, l, i) => n + l.line.length + (i ? 1 : 0), 0);

export function ExpertDialog({ id, onClose }: { id: string; onClose: () => void }) {
  const store = useStore();
  const { t } = store;
  const api = useMemo(() => createApi(store.csrf), [store.csrf]);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [expertId, setExpertId] = useState("");
  const [question, setQuestion] = useState("");
  const [share, setShare] = useState(true);
  const [removed, setRemoved] = useState<ReadonlySet<string>>(new Set());
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api<Draft>("GET", `/api/v1/interactions/${encodeURIComponent(id)}/expert?lang=${store.lang.value}`).then(
      (d) => {
        setDraft(d);
        if (d.experts.length === 1) setExpertId(d.experts[0].id);
      },
      (e) => setError(e instanceof ApiError && e.message ? e.message : t("error.generic")),
    );
  }, [id]);

  const maxQ = draft?.maxQuestionChars ?? 300;
  const maxH = draft?.maxHistoryChars ?? 1500;
  const kept = (draft?.history ?? []).filter((l) => !removed.has(l.messageId));
  const length = share ? keptLength(kept) : 0;
  const tooLong = length > maxH;
  const q = question.trim();
  const canSend = !!draft && !!expertId && q.length > 0 && q.length <= maxQ && !tooLong && !busy;

  const submit = async () => {
    if (!canSend) return;
    setBusy(true);
    setError(null);
    try {
      await api("POST", `/api/v1/interactions/${encodeURIComponent(id)}/expert`, {
        expertId,
        question: q,
        lang: draft!.lang,
        messageIds: share ? kept.map((l) => l.messageId) : [],
      });
      store.toast(
        t("expert.sent", { name: draft!.experts.find((e) => e.id === expertId)?.name ?? expertId }),
      );
      onClose();
    } catch (e) {
      setError(e instanceof ApiError && e.message ? e.message : t("error.generic"));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog
      kind="expert"
      wide
      title={t("expert.title")}
      onClose={onClose}
      onSubmit={submit}
      footer={
        <>
          <Cancel onClose={onClose} />
          <button type="submit" class="btn btn-primary" disabled={!canSend}>{t("expert.send")}</button>
        </>
      }
    >
      <FormError text={error} />
      <div class="field">
        <label for="expert-id">{t("expert.expert")}</label>
        <select id="expert-id" value={expertId} onChange={(e) => setExpertId(e.currentTarget.value)}>
          <option value="">{t("expert.choose")}</option>
          {(draft?.experts ?? []).map((e) => <option key={e.id} value={e.id}>{e.name}</option>)}
        </select>
      </div>
      <div class="field">
        <label for="expert-question">{t("expert.question")}</label>
        <textarea
          id="expert-question"
          rows={3}
          maxLength={maxQ}
          value={question}
          aria-describedby="expert-question-count"
          onInput={(e) => setQuestion(e.currentTarget.value)}
        />
        <span id="expert-question-count" class="muted small">
          {t("expert.count", { n: question.length, max: maxQ })}
        </span>
      </div>
      <label class="check">
        <input type="checkbox" checked={share} onChange={(e) => setShare(e.currentTarget.checked)} />
        <span>{t("expert.share")}</span>
      </label>
      {share && draft
        ? (
          <div class="expert-history">
            <h3 class="assistant-title">{t("expert.history")}</h3>
            <p
              class={`small${tooLong ? " form-error" : " muted"}`}
              id="expert-history-count"
              role={tooLong ? "alert" : undefined}
            >
              {tooLong ? t("expert.tooLong", { max: maxH }) + " " : ""}
              {t("expert.count", { n: length, max: maxH })}
            </p>
            {kept.length === 0 ? <p class="muted">{t("expert.noHistory")}</p> : null}
            <ol class="expert-lines">
              {kept.map((l) => (
                <li key={l.messageId} class="expert-line" data-message-id={l.messageId}>
                  <span class="expert-line-text">
                    {l.line}
                    {l.attachments.map((a) => (
                      <a key={a.url} href={a.url} target="_blank" rel="noopener noreferrer" class="small">
                        {" "}
                        {a.name}
                      </a>
                    ))}
                  </span>
                  <button
                    type="button"
                    class="icon-btn"
                    title={t("expert.removeLine")}
                    onClick={() => setRemoved(new Set([...removed, l.messageId]))}
                  >
                    <Icon name="x" size={14} />
                    <span class="sr-only">{t("expert.removeLine")}</span>
                  </button>
                </li>
              ))}
            </ol>
          </div>
        )
        : null}
    </Dialog>
  );
}
