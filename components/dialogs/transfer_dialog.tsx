/** Transfer (A6): to an agent, a team, categories or a language, with a comment; force only for supervisors. */
import { useEffect, useState } from "preact/hooks";
import { useStore } from "../../lib/browser/store.ts";
import { useActions } from "../../lib/browser/actions.ts";
import { languageName } from "../../lib/browser/format.ts";
import type { Presence } from "../../lib/browser/types.ts";
import { Cancel, Dialog, FormError, Submit } from "./dialog.tsx";

export function TransferDialog({ id, onClose }: { id: string; onClose: () => void }) {
  const store = useStore();
  const actions = useActions();
  const { t } = store;
  const [agents, setAgents] = useState<{ id: string; name: string; presence?: Presence }[]>(
    store.directory.agents,
  );
  const [agentId, setAgentId] = useState("");
  const [teamId, setTeamId] = useState("");
  const [categories, setCategories] = useState<string[]>([]);
  const [language, setLanguage] = useState("");
  const [comment, setComment] = useState("");
  const [force, setForce] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    actions.directoryAgents().then((r) => setAgents(r.agents), () => {});
  }, []);

  const submit = async () => {
    if (!agentId && !teamId && !categories.length && !language) return setError(t("transfer.needTarget"));
    if (force && !agentId) return setError(t("transfer.needAgent"));
    setBusy(true);
    const ok = await actions.transfer(id, {
      ...(agentId ? { agentId } : {}),
      ...(teamId ? { teamId } : {}),
      ...(categories.length ? { categories } : {}),
      ...(language ? { language } : {}),
      ...(comment.trim() ? { comment: comment.trim() } : {}),
      ...(force ? { force: true } : {}),
    });
    setBusy(false);
    if (ok) onClose();
  };

  return (
    <Dialog
      kind="transfer"
      title={t("transfer.title")}
      onClose={onClose}
      onSubmit={submit}
      footer={
        <>
          <Cancel onClose={onClose} />
          <Submit label={t("transfer.submit")} busy={busy} />
        </>
      }
    >
      <FormError text={error} />
      <div class="grid-2">
        <div class="field">
          <label for="tr-agent">{t("transfer.agent")}</label>
          <select id="tr-agent" value={agentId} onChange={(e) => setAgentId(e.currentTarget.value)}>
            <option value="">{t("transfer.any")}</option>
            {agents.filter((a) => a.id !== store.me.value.id).map((a) => (
              <option key={a.id} value={a.id}>
                {a.presence ? `${a.name} · ${t(`presence.${a.presence}`)}` : a.name}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="tr-team">{t("transfer.team")}</label>
          <select id="tr-team" value={teamId} onChange={(e) => setTeamId(e.currentTarget.value)}>
            <option value="">{t("transfer.any")}</option>
            {store.directory.teams.map((x) => <option key={x.id} value={x.id}>{x.name}</option>)}
          </select>
        </div>
        <div class="field">
          <label for="tr-language">{t("transfer.language")}</label>
          <select id="tr-language" value={language} onChange={(e) => setLanguage(e.currentTarget.value)}>
            <option value="">{t("transfer.any")}</option>
            {store.directory.languages.map((l) => (
              <option key={l} value={l}>{languageName(l, store.lang.value)}</option>
            ))}
          </select>
        </div>
      </div>
      <fieldset class="field checks">
        <legend>{t("transfer.categories")}</legend>
        {store.directory.categories.map((c) => (
          <label key={c.id} class="check">
            <input
              type="checkbox"
              value={c.id}
              checked={categories.includes(c.id)}
              onChange={(e) =>
                setCategories(
                  e.currentTarget.checked ? [...categories, c.id] : categories.filter((x) => x !== c.id),
                )}
            />
            <span>{c.name}</span>
          </label>
        ))}
      </fieldset>
      <div class="field">
        <label for="tr-comment">{t("transfer.comment")}</label>
        <textarea
          id="tr-comment"
          rows={3}
          maxLength={2000}
          value={comment}
          onInput={(e) => setComment(e.currentTarget.value)}
        />
      </div>
      {store.can("force_transfer")
        ? (
          <label class="check check-strong">
            <input type="checkbox" checked={force} onChange={(e) => setForce(e.currentTarget.checked)} />
            <span>{t("transfer.force")}</span>
          </label>
        )
        : null}
    </Dialog>
  );
}
