/**
 * Force assign (an agent picker: eligible agents first, the others behind an override) and
 * Transfer (to a team or an agent, with a comment), on the native modal `<dialog>`.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { Candidate, OpenItem } from "../../lib/shared/supervision.ts";
import { useSupervisorUi } from "./context.ts";

export type AssignRequest =
  | { kind: "force"; agentId: string }
  | { kind: "transfer"; agentId?: string; teamId?: string; comment?: string };

export function AssignDialog(
  { kind, item, candidates, teams, onSubmit, onClose }: {
    kind: "force" | "transfer";
    item: OpenItem;
    candidates: Candidate[] | null;
    teams: { id: string; name: string }[];
    onSubmit: (r: AssignRequest) => void;
    onClose: () => void;
  },
) {
  const { t } = useSupervisorUi();
  const ref = useRef<HTMLDialogElement>(null);
  const [override, setOverride] = useState(false);
  const [agentId, setAgentId] = useState("");
  const [teamId, setTeamId] = useState("");
  const [comment, setComment] = useState("");
  useEffect(() => {
    const d = ref.current!;
    if (!d.open) d.showModal();
    return () => d.open && d.close();
  }, []);
  const eligible = (candidates ?? []).filter((c) => c.ineligible === null);
  const shown = override ? candidates ?? [] : eligible;
  const title = kind === "force" ? t("sup.forceTitle") : t("sup.transferTitle");
  const submit = (e: Event) => {
    e.preventDefault();
    if (kind === "force") {
      if (agentId) onSubmit({ kind, agentId });
    } else if (agentId || teamId) {
      onSubmit({
        kind,
        agentId: agentId || undefined,
        teamId: teamId || undefined,
        comment: comment || undefined,
      });
    }
  };
  return (
    <dialog ref={ref} class="dialog sup-dialog" aria-labelledby="sup-dialog-title" onClose={onClose}>
      <form class="dialog-form" onSubmit={submit}>
        <div class="dialog-head">
          <h2 id="sup-dialog-title">{title}</h2>
          <span class="sup-preview">{item.customer.name}</span>
        </div>
        <div class="dialog-body">
          {kind === "transfer"
            ? (
              <label class="field">
                <span>{t("sup.toTeam")}</span>
                <select
                  class="select-compact"
                  value={teamId}
                  onChange={(e) => setTeamId(e.currentTarget.value)}
                >
                  <option value="">—</option>
                  {teams.map((x) => <option key={x.id} value={x.id}>{x.name}</option>)}
                </select>
              </label>
            )
            : null}
          <fieldset class="sup-picker">
            <legend>{kind === "force" ? t("sup.eligible") : t("sup.toAgent")}</legend>
            {candidates === null ? <p>…</p> : null}
            {candidates !== null && !shown.length ? <p class="sup-empty">{t("sup.noEligible")}</p> : null}
            {shown.map((c) => (
              <label key={c.id} class={`sup-candidate${c.ineligible ? " is-ineligible" : ""}`}>
                <input
                  type="radio"
                  name="agent"
                  value={c.id}
                  checked={agentId === c.id}
                  onChange={() =>
                    setAgentId(c.id)}
                />
                <span class={`presence-dot presence-${c.presence}`} aria-hidden="true" />
                <span class="sup-candidate-name">{c.name}</span>
                {c.ineligible
                  ? <span class="sup-note">{t("sup.notEligible", { reason: c.ineligible })}</span>
                  : null}
              </label>
            ))}
            <label class="sup-override">
              <input
                type="checkbox"
                checked={override}
                onChange={(e) => setOverride(e.currentTarget.checked)}
              />
              {t("sup.override")}
            </label>
          </fieldset>
          {kind === "transfer"
            ? (
              <label class="field">
                <span>{t("sup.comment")}</span>
                <input
                  type="text"
                  maxLength={500}
                  value={comment}
                  onInput={(e) => setComment(e.currentTarget.value)}
                />
              </label>
            )
            : null}
        </div>
        <div class="dialog-foot">
          <button type="button" class="btn" onClick={onClose}>{t("sup.cancel")}</button>
          <button
            type="submit"
            class="btn btn-primary"
            disabled={kind === "force" ? !agentId : !agentId && !teamId}
          >
            {kind === "force" ? t("sup.assign") : t("sup.transfer")}
          </button>
        </div>
      </form>
    </dialog>
  );
}
