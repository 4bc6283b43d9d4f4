/** The Agents section (U8, M2): presence and since when, load against capacity, today's figures, presence control. */
import { type AgentRow, duration, type Presence } from "../../lib/shared/supervision.ts";
import { when } from "../../lib/browser/format.ts";
import { useSupervisorUi } from "./context.ts";

const PRESENCES: Presence[] = ["available", "away", "offline"];

export function AgentsTable(
  { agents, onPresence }: { agents: AgentRow[]; onPresence: (agentId: string, p: Presence) => void },
) {
  const { t, lang, now } = useSupervisorUi();
  if (!agents.length) return <p class="sup-empty">{t("sup.none")}</p>;
  return (
    <table class="sup-table" aria-labelledby="sup-agents">
      <thead>
        <tr>
          <th scope="col">{t("sup.name")}</th>
          <th scope="col">{t("sup.presence")}</th>
          <th scope="col">{t("sup.load")}</th>
          <th scope="col">{t("sup.open")}</th>
          <th scope="col">{t("sup.missedToday")}</th>
          <th scope="col">{t("sup.handledToday")}</th>
          <th scope="col">{t("sup.avgHandle")}</th>
        </tr>
      </thead>
      <tbody>
        {agents.map((a) => (
          <tr key={a.id} data-agent={a.id}>
            <th scope="row">{a.name}</th>
            <td>
              <span class={`presence-dot presence-${a.presence}`} aria-hidden="true" />
              <select
                class="select-compact"
                aria-label={t("sup.presenceOf", { name: a.name })}
                value={a.presence}
                onChange={(e) => onPresence(a.id, e.currentTarget.value as Presence)}
              >
                {PRESENCES.map((p) => (
                  <option key={p} value={p} selected={p === a.presence}>{t(`presence.${p}`)}</option>
                ))}
              </select>
              <span class="sup-since">
                {t("sup.since", { time: when(a.presenceSince, now(), lang) })}
                {a.presenceBy ? ` · ${t("sup.setBy", { name: a.presenceBy.name })}` : ""}
              </span>
            </td>
            <td data-field="load">
              {(["realtime", "async"] as const).map((g) => (
                <span key={g} class="sup-load" title={t(`sup.group.${g}`)}>
                  {a.load[g]}/{a.capacity[g].capacity}
                </span>
              ))}
            </td>
            <td data-field="open">{a.open}</td>
            <td data-field="missedToday">{a.missedToday}</td>
            <td data-field="handledToday">{a.handledToday}</td>
            <td>{a.handleAvgSeconds === null ? "—" : duration(a.handleAvgSeconds)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
