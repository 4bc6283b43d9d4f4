/** The right pane: the interaction's details (customer, source, categories, language, context data, transfer comment) and co-browsing. */
import { useStore } from "../lib/browser/store.ts";
import { languageName } from "../lib/browser/format.ts";
import { ContextData } from "./message_content.tsx";
import { CobrowsePane } from "./cobrowse_pane.tsx";

export function DetailsPane() {
  const store = useStore();
  const { t } = store;
  const d = store.detail.value;
  if (!d) return <aside class="details" aria-label={t("details.title")} />;
  const i = d.interaction;
  const src = store.directory.sources.find((s) => s.id === i.sourceId);
  const context: Record<string, unknown> = {};
  for (const m of d.messages) if (m.contextData) Object.assign(context, m.contextData);
  const cats = d.thread.categories.length ? d.thread.categories : i.categories;
  return (
    <aside class="details" aria-labelledby="details-title">
      <h2 id="details-title" class="pane-title">{t("details.title")}</h2>
      <dl class="kv">
        <div class="kv-row">
          <dt>{t("details.customer")}</dt>
          <dd>
            {d.thread.customer.name}
            <span class="muted small">{d.thread.customer.id}</span>
          </dd>
        </div>
        <div class="kv-row">
          <dt>{t("details.source")}</dt>
          <dd>{src?.name ?? i.sourceId}</dd>
        </div>
        <div class="kv-row">
          <dt>{t("details.categories")}</dt>
          <dd>
            {cats.length
              ? (
                <span class="chips">
                  {cats.map((c) => <span key={c} class="chip">{store.categoryName(c)}</span>)}
                </span>
              )
              : <span class="muted">{t("details.none")}</span>}
          </dd>
        </div>
        <div class="kv-row">
          <dt>{t("details.language")}</dt>
          <dd>{languageName(d.thread.language ?? i.language, store.lang.value)}</dd>
        </div>
        <div class="kv-row">
          <dt>{t("details.priority")}</dt>
          <dd>{i.priority}</dd>
        </div>
        {i.transfer?.comment
          ? (
            <div class="kv-row">
              <dt>{t("details.transfer")}</dt>
              <dd>
                <span class="muted small">{store.agentName(i.transfer.fromAgentId)}</span>
                <q>{i.transfer.comment}</q>
              </dd>
            </div>
          )
          : null}
      </dl>
      {Object.keys(context).length
        ? (
          <section class="details-section">
            <h3>{t("details.context")}</h3>
            <ContextData data={context} />
          </section>
        )
        : null}
      <section class="details-section">
        <h3>{t("details.cobrowse")}</h3>
        {src?.cobrowse
          ? <CobrowsePane interactionId={i.id} />
          : <p class="muted small">{t("details.cobrowseIdle")}</p>}
      </section>
    </aside>
  );
}
