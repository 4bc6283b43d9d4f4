/// <reference lib="dom" />
/**
 * The productivity report page's island (SPEC M3): a date range and team/agent filters, the
 * table per agent and day (first-response and handle times as average and p90), and the CSV
 * download of the same query.
 */
import { useSignal } from "@preact/signals";
import { useMemo } from "preact/hooks";
import { type MessageKey, translate, type UiLanguage, type Vars } from "../lib/shared/i18n/mod.ts";
import { createApi } from "../lib/browser/api.ts";
import { duration, type ReportRow } from "../lib/shared/supervision.ts";
import { SupervisorNav } from "../components/supervisor/nav.tsx";

export type ReportProps = {
  lang: UiLanguage;
  today: string;
  rows: ReportRow[];
  teams: { id: string; name: string }[];
  agents: { id: string; name: string; teams: string[] }[];
  admin: boolean;
};

type Query = { from: string; to: string; teamId: string; agentId: string };

const queryString = (q: Query, format: "json" | "csv") => {
  const p = new URLSearchParams({ from: q.from, to: q.to, format });
  if (q.teamId) p.set("teamId", q.teamId);
  if (q.agentId) p.set("agentId", q.agentId);
  if (format === "csv") p.set("extended", "true");
  return p.toString();
};

export default function SupervisorReport(props: ReportProps) {
  const t = (key: MessageKey, vars?: Vars) => translate(props.lang, key, vars);
  const api = useMemo(() => createApi(""), []);
  const q = useSignal<Query>({ from: props.today, to: props.today, teamId: "", agentId: "" });
  const rows = useSignal(props.rows);
  const error = useSignal<string | null>(null);
  const show = async (e: Event) => {
    e.preventDefault();
    try {
      const r = await api<{ items: ReportRow[] }>(
        "GET",
        `/api/v1/reports/productivity?${queryString(q.value, "json")}`,
      );
      rows.value = r.items;
      error.value = null;
    } catch (err) {
      error.value = err instanceof Error && err.message ? err.message : t("error.generic");
    }
  };
  const set = (patch: Partial<Query>) => (q.value = { ...q.value, ...patch });
  const secs = (x: number | null) => (x === null ? "—" : duration(x));
  const agents = props.agents.filter((a) => !q.value.teamId || a.teams.includes(q.value.teamId));
  return (
    <div class="sup-page">
      <SupervisorNav current="supervisor" t={t} admin={props.admin} />
      <main class="sup-main">
        <header class="sup-head">
          <h1>{t("sup.report")}</h1>
          <a class="btn" href="/supervisor">{t("sup.back")}</a>
        </header>
        <form class="sup-filters" onSubmit={show}>
          <label class="sup-filter">
            <span>{t("report.from")}</span>
            <input
              type="date"
              name="from"
              value={q.value.from}
              onInput={(e) => set({ from: e.currentTarget.value })}
            />
          </label>
          <label class="sup-filter">
            <span>{t("report.to")}</span>
            <input
              type="date"
              name="to"
              value={q.value.to}
              onInput={(e) => set({ to: e.currentTarget.value })}
            />
          </label>
          <label class="sup-filter">
            <span>{t("sup.team")}</span>
            <select
              class="select-compact"
              name="teamId"
              onChange={(e) => set({ teamId: e.currentTarget.value })}
            >
              <option value="">{t("sup.any")}</option>
              {props.teams.map((x) => (
                <option key={x.id} value={x.id} selected={q.value.teamId === x.id}>{x.name}</option>
              ))}
            </select>
          </label>
          <label class="sup-filter">
            <span>{t("sup.agent")}</span>
            <select
              class="select-compact"
              name="agentId"
              onChange={(e) => set({ agentId: e.currentTarget.value })}
            >
              <option value="">{t("sup.any")}</option>
              {agents.map((x) => (
                <option key={x.id} value={x.id} selected={q.value.agentId === x.id}>{x.name}</option>
              ))}
            </select>
          </label>
          <button type="submit" class="btn btn-primary">{t("report.show")}</button>
          <a class="btn" href={`/api/v1/reports/productivity?${queryString(q.value, "csv")}`} download>
            {t("report.csv")}
          </a>
        </form>
        {error.value ? <p class="sup-status sup-status-error" role="alert">{error.value}</p> : null}
        {rows.value.length === 0
          ? <p class="sup-empty">{t("report.empty")}</p>
          : (
            <table class="sup-table" aria-label={t("sup.report")}>
              <thead>
                <tr>
                  <th scope="col">{t("sup.agent")}</th>
                  <th scope="col">{t("report.date")}</th>
                  <th scope="col">{t("report.offered")}</th>
                  <th scope="col">{t("report.accepted")}</th>
                  <th scope="col">{t("report.missed")}</th>
                  <th scope="col">{t("report.completed")}</th>
                  <th scope="col">{t("report.transferredIn")}</th>
                  <th scope="col">{t("report.transferredOut")}</th>
                  <th scope="col">{t("report.forced")}</th>
                  <th scope="col">{t("report.firstResponseAvg")}</th>
                  <th scope="col">{t("report.firstResponseP90")}</th>
                  <th scope="col">{t("report.handleAvg")}</th>
                  <th scope="col">{t("report.handleP90")}</th>
                </tr>
              </thead>
              <tbody>
                {rows.value.map((r) => (
                  <tr key={`${r.agentId}-${r.date}`} data-agent={r.agentId}>
                    <th scope="row">{r.agentName}</th>
                    <td>{r.date}</td>
                    <td>{r.offered}</td>
                    <td>{r.accepted}</td>
                    <td>{r.missed}</td>
                    <td>{r.completed}</td>
                    <td>{r.transferredIn}</td>
                    <td>{r.transferredOut}</td>
                    <td>{r.forcedAssignments}</td>
                    <td>{secs(r.firstResponseAvgSeconds)}</td>
                    <td>{secs(r.firstResponseP90Seconds)}</td>
                    <td>{secs(r.handleAvgSeconds)}</td>
                    <td>{secs(r.handleP90Seconds)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
      </main>
    </div>
  );
}
