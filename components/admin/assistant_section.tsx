/** Reply-assistant groups and their entries (shortcut, language, categories), and the experts. */
import { useAdmin } from "../../lib/browser/admin_store.ts";
import { ChecksField, ItemCard, SelectField, TextField } from "./fields.tsx";
import { Section } from "./section.tsx";
import { SecretField } from "./sources_section.tsx";

export function AssistantSection() {
  const s = useAdmin();
  const { t } = s;
  const groups = s.config.key("replyAssistant").key("groups");
  const languages = s.config.key("languages").value() ?? [];
  const categories = s.config.key("categories").value() ?? [];
  return (
    <Section id="assistant" title={t("admin.section.assistant")}>
      {(groups.value() ?? []).map((g, i) => {
        const p = groups.item(i);
        const entries = p.key("entries");
        return (
          <ItemCard
            key={i}
            field={p}
            title={g.name || g.id || t("admin.noun.group")}
            open={!g.id}
            removeLabel={t("admin.remove", { what: g.name || g.id || t("admin.noun.group") })}
          >
            <div class="grid-2">
              <TextField field={p.key("id")} label={t("admin.field.id")} />
              <TextField field={p.key("name")} label={t("admin.field.name")} />
            </div>
            {(entries.value() ?? []).map((e, j) => {
              const q = entries.item(j);
              return (
                <ItemCard
                  key={j}
                  field={q}
                  title={e.title || e.id || t("admin.noun.entry")}
                  open={!e.id}
                  removeLabel={t("admin.remove", { what: e.title || e.id || t("admin.noun.entry") })}
                >
                  <div class="grid-2">
                    <TextField field={q.key("id")} label={t("admin.field.id")} />
                    <TextField field={q.key("title")} label={t("admin.entry.title")} />
                    <TextField field={q.key("shortcut")} label={t("admin.entry.shortcut")} empty="omit" />
                    <SelectField
                      field={q.key("language")}
                      label={t("admin.entry.language")}
                      empty={t("admin.entry.anyLanguage")}
                      options={languages.map((l) => [l, l] as const)}
                    />
                  </div>
                  <TextField field={q.key("body")} label={t("admin.entry.body")} area />
                  <ChecksField
                    field={q.key("categories")}
                    legend={t("admin.categories")}
                    options={categories.map((x) => [x.id, x.name || x.id] as const)}
                  />
                </ItemCard>
              );
            })}
            <button
              type="button"
              class="btn"
              onClick={() => entries.append({ id: "", title: "", body: "", categories: [] })}
            >
              {t("admin.add", { what: t("admin.noun.entry") })}
            </button>
          </ItemCard>
        );
      })}
      <button
        type="button"
        class="btn"
        onClick={() => groups.append({ id: "", name: "", entries: [] })}
      >
        {t("admin.add", { what: t("admin.noun.group") })}
      </button>
    </Section>
  );
}

export function ExpertsSection() {
  const s = useAdmin();
  const { t } = s;
  const experts = s.config.key("experts");
  return (
    <Section id="experts" title={t("admin.section.experts")}>
      {(experts.value() ?? []).map((x, i) => {
        const p = experts.item(i);
        return (
          <ItemCard
            key={i}
            field={p}
            title={x.name || x.id || t("admin.noun.expert")}
            open={!x.id}
            removeLabel={t("admin.remove", { what: x.name || x.id || t("admin.noun.expert") })}
          >
            <div class="grid-2">
              <TextField field={p.key("id")} label={t("admin.field.id")} />
              <TextField field={p.key("name")} label={t("admin.field.name")} />
              <TextField field={p.key("webhookUrl")} label={t("admin.expert.webhookUrl")} type="url" />
            </div>
            <SecretField field={p.key("secret")} />
          </ItemCard>
        );
      })}
      <button
        type="button"
        class="btn"
        onClick={() => experts.append({ id: "", name: "", webhookUrl: "" })}
      >
        {t("admin.add", { what: t("admin.noun.expert") })}
      </button>
    </Section>
  );
}
