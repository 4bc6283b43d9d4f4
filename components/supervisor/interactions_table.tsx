/** The Interactions section (U8, M2): filters, the open interactions in routing order, and their actions. */
import type { OpenFilter, OpenItem } from "../../lib/shared/supervision.ts";
import { age } from "../../lib/browser/format.ts";
import { useSupervisorUi } from "./context.ts";

export type Lists = {
  sources: { id: string; name: string }[];
  teams: { id: string; name: string }[];
  categories: { id: string; name: string }[];
  languages: string[];
  agents: { id: string; name: string }[];
};

const STATES = ["queued", "offered", "active", "deferred", "closing"] as const;

export type InteractionActions = {
  force: (i: OpenItem) => void;
  transfer: (i: OpenItem) => void;
  watch: (i: OpenItem) => void;
};

function Filters(
  { lists, filter, onFilter }: { lists: Lists; filter: OpenFilter; onFilter: (f: OpenFilter) => void },
) {
  const { t } = useSupervisorUi();
  const select = (
    key: keyof OpenFilter,
    label: string,
    options: { id: string; name: string }[],
  ) => (
    <label class="sup-filter">
      <span>{label}</span>
      <select
        class="select-compact"
        name={key}
        value={filter[key] ?? ""}
        onChange={(e) => onFilter({ ...filter, [key]: e.currentTarget.value || undefined })}
      >
        <option value="">{t("sup.any")}</option>
        {options.map((o) => <option key={o.id} value={o.id} selected={filter[key] === o.id}>{o.name}
        </option>)}
      </select>
    </label>
  );
  return (
    <fieldset class="sup-filters">
      <legend class="sr-only">{t("sup.filters")}</legend>
      {select("state", t("sup.state"), STATES.map((s) => ({ id: s, name: t(`state.${s}`) })))}
      {select("sourceId", t("sup.source"), lists.sources)}
      {select("agentId", t("sup.agent"), lists.agents)}
      {select("teamId", t("sup.team"), lists.teams)}
      {select("category", t("sup.category"), lists.categories)}
      {select("language", t("sup.language"), lists.languages.map((l) => ({ id: l, name: l })))}
    </fieldset>
  );
}

export function InteractionsTable(
  { items, lists, filter, onFilter, actions, more }: {
    items: OpenItem[];
    lists: Lists;
    filter: OpenFilter;
    onFilter: (f: OpenFilter) => void;
    actions: InteractionActions;
    more: (() => void) | null;
  },
) {
  const { t, lang, now } = useSupervisorUi();
  const name = (list: { id: string; name: string }[], id: string | null) =>
    id === null ? "—" : list.find((x) => x.id === id)?.name ?? id;
  return (
    <>
      <Filters lists={lists} filter={filter} onFilter={onFilter} />
      {items.length === 0
        ? <p class="sup-empty">{t("sup.none")}</p>
        : (
          <table class="sup-table" aria-labelledby="sup-interactions">
            <thead>
              <tr>
                <th scope="col">{t("sup.customer")}</th>
                <th scope="col">{t("sup.source")}</th>
                <th scope="col">{t("sup.state")}</th>
                <th scope="col">{t("sup.agent")}</th>
                <th scope="col">{t("sup.age")}</th>
                <th scope="col">{t("sup.actions")}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((i) => (
                <tr key={i.id} data-interaction={i.id} data-state={i.state}>
                  <th scope="row">
                    {i.customer.name}
                    <span class="sup-preview">{i.preview.text}</span>
                  </th>
                  <td>{name(lists.sources, i.sourceId)}</td>
                  <td data-field="state">{t(`state.${i.state}`)}</td>
                  <td data-field="agent">{name(lists.agents, i.agentId)}</td>
                  <td>{age(i.createdAt, now(), lang)}</td>
                  <td class="sup-actions">
                    {i.state !== "closing"
                      ? (
                        <button type="button" class="btn btn-ghost" onClick={() => actions.force(i)}>
                          {t("sup.forceAssign")}
                        </button>
                      )
                      : null}
                    {i.state !== "closing"
                      ? (
                        <button type="button" class="btn btn-ghost" onClick={() => actions.transfer(i)}>
                          {t("sup.transfer")}
                        </button>
                      )
                      : null}
                    <button type="button" class="btn btn-ghost" onClick={() => actions.watch(i)}>
                      {t("sup.watch")}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      {more ? <button type="button" class="btn" onClick={more}>{t("sup.more")}</button> : null}
    </>
  );
}
