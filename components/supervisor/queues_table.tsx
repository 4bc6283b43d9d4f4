/** The Queues section (U8, M2): per channel group then per source, with the service level against its target. */
import { duration, type GroupRow, type QueueRow, serviceLevelStatus } from "../../lib/shared/supervision.ts";
import { useSupervisorUi } from "./context.ts";

function ServiceLevel(
  { level, target }: { level: number | null; target: { target: number; seconds: number } },
) {
  const { t } = useSupervisorUi();
  const status = serviceLevelStatus(level, target.target);
  const pct = (x: number) => `${Math.round(x * 100)} %`;
  return (
    <span class={`sl sl-${status}`} data-field="serviceLevel">
      <span class="sl-value">{level === null ? "—" : pct(level)}</span>
      <span class="sl-note">
        {t(`sup.sl.${status}`)} ·{" "}
        {t("sup.target", { pct: pct(target.target), time: duration(target.seconds) })}
      </span>
    </span>
  );
}

function LongestWait({ since }: { since: string | null }) {
  const { now } = useSupervisorUi();
  if (!since) return <span data-field="longestWait">—</span>;
  return <time data-field="longestWait" dateTime={since}>{duration((now() - Date.parse(since)) / 1000)}
  </time>;
}

function Row({ row, label, kind }: { row: QueueRow | GroupRow; label: string; kind: "group" | "source" }) {
  const id = "sourceId" in row ? row.sourceId : row.group;
  return (
    <tr class={`queue-row queue-${kind}`} data-queue={id}>
      <th scope="row">{label}</th>
      <td data-field="waiting">{row.waiting}</td>
      <td>
        <LongestWait since={row.oldestWaitingSince} />
      </td>
      <td data-field="offered">{row.offered}</td>
      <td data-field="active">{row.active}</td>
      <td data-field="availableAgents">{row.availableAgents}</td>
      <td>
        <ServiceLevel level={row.serviceLevel} target={row.serviceLevelTarget} />
      </td>
    </tr>
  );
}

export function QueuesTable({ queues, groups }: { queues: QueueRow[]; groups: GroupRow[] }) {
  const { t } = useSupervisorUi();
  return (
    <table class="sup-table" aria-labelledby="sup-queues">
      <thead>
        <tr>
          <th scope="col">{t("sup.source")}</th>
          <th scope="col">{t("sup.waiting")}</th>
          <th scope="col">{t("sup.longestWait")}</th>
          <th scope="col">{t("sup.offered")}</th>
          <th scope="col">{t("sup.active")}</th>
          <th scope="col">{t("sup.availableAgents")}</th>
          <th scope="col">{t("sup.serviceLevel")}</th>
        </tr>
      </thead>
      {groups.filter((g) => queues.some((q) => q.group === g.group)).map((g) => (
        <tbody key={g.group}>
          <Row row={g} kind="group" label={t("sup.allSources", { group: t(`sup.group.${g.group}`) })} />
          {queues.filter((q) => q.group === g.group).map((q) => (
            <Row key={q.sourceId} row={q} kind="source" label={q.name} />
          ))}
        </tbody>
      ))}
    </table>
  );
}
