/** Reply-assistant groups and their entries (shortcut, language, categories), and the experts. */
import { useAdmin } from "../../lib/browser/admin_store.ts";
import { ChecksField, SelectField, TextField } from "./fields.tsx";
import { CardList } from "./lists.tsx";
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
      <CardList
        field={groups}
        noun={t("admin.noun.group")}
        newItem={() => ({ id: "", name: "", entries: [] })}
      >
        {(p) => (
          <>
            <div class="grid-2">
              <TextField field={p.key("id")} label={t("admin.field.id")} />
              <TextField field={p.key("name")} label={t("admin.field.name")} />
            </div>
            <CardList
              field={p.key("entries")}
              noun={t("admin.noun.entry")}
              newItem={() => ({ id: "", title: "", body: "", categories: [] })}
            >
              {(q) => (
                <>
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
                </>
              )}
            </CardList>
          </>
        )}
      </CardList>
    </Section>
  );
}

export function ExpertsSection() {
  const s = useAdmin();
  const { t } = s;
  return (
    <Section id="experts" title={t("admin.section.experts")}>
      <CardList
        field={s.config.key("experts")}
        noun={t("admin.noun.expert")}
        newItem={() => ({ id: "", name: "", webhookUrl: "" })}
      >
        {(p) => (
          <>
            <div class="grid-2">
              <TextField field={p.key("id")} label={t("admin.field.id")} />
              <TextField field={p.key("name")} label={t("admin.field.name")} />
              <TextField field={p.key("webhookUrl")} label={t("admin.expert.webhookUrl")} type="url" />
            </div>
            <SecretField field={p.key("secret")} />
          </>
        )}
      </CardList>
    </Section>
  );
}
