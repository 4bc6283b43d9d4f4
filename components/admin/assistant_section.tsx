/** Reply-assistant groups and their entries (shortcut, language, categories), and the experts. */
import { useAdmin } from "../../lib/browser/admin_store.ts";
import type { Json } from "../../lib/browser/admin_paths.ts";
import { ChecksField, ItemCard, SelectField, TextField } from "./fields.tsx";
import { Section } from "./section.tsx";
import { SecretField } from "./sources_section.tsx";

export function AssistantSection() {
  const s = useAdmin();
  const { t } = s;
  const groups: Json[] = s.get("replyAssistant.groups") ?? [];
  const languages: string[] = s.get("languages") ?? [];
  const categories: Json[] = s.get("categories") ?? [];
  return (
    <Section id="assistant" title={t("admin.section.assistant")}>
      {groups.map((g, i) => {
        const p = `replyAssistant.groups.${i}`;
        const entries: Json[] = g.entries ?? [];
        return (
          <ItemCard
            key={i}
            path={p}
            title={g.name || g.id || t("admin.noun.group")}
            open={!g.id}
            removeLabel={t("admin.remove", { what: g.name || g.id || t("admin.noun.group") })}
            onRemove={() => s.remove(p)}
          >
            <div class="grid-2">
              <TextField path={`${p}.id`} label={t("admin.field.id")} />
              <TextField path={`${p}.name`} label={t("admin.field.name")} />
            </div>
            {entries.map((e, j) => {
              const q = `${p}.entries.${j}`;
              return (
                <ItemCard
                  key={j}
                  path={q}
                  title={e.title || e.id || t("admin.noun.entry")}
                  open={!e.id}
                  removeLabel={t("admin.remove", { what: e.title || e.id || t("admin.noun.entry") })}
                  onRemove={() => s.remove(q)}
                >
                  <div class="grid-2">
                    <TextField path={`${q}.id`} label={t("admin.field.id")} />
                    <TextField path={`${q}.title`} label={t("admin.entry.title")} />
                    <TextField path={`${q}.shortcut`} label={t("admin.entry.shortcut")} empty="omit" />
                    <SelectField
                      path={`${q}.language`}
                      label={t("admin.entry.language")}
                      empty={t("admin.entry.anyLanguage")}
                      options={languages.map((l) => [l, l] as const)}
                    />
                  </div>
                  <TextField path={`${q}.body`} label={t("admin.entry.body")} area />
                  <ChecksField
                    path={`${q}.categories`}
                    legend={t("admin.categories")}
                    options={categories.map((x) => [x.id, x.name || x.id] as const)}
                  />
                </ItemCard>
              );
            })}
            <button
              type="button"
              class="btn"
              onClick={() => s.append(`${p}.entries`, { id: "", title: "", body: "", categories: [] })}
            >
              {t("admin.add", { what: t("admin.noun.entry") })}
            </button>
          </ItemCard>
        );
      })}
      <button
        type="button"
        class="btn"
        onClick={() => s.append("replyAssistant.groups", { id: "", name: "", entries: [] })}
      >
        {t("admin.add", { what: t("admin.noun.group") })}
      </button>
    </Section>
  );
}

export function ExpertsSection() {
  const s = useAdmin();
  const { t } = s;
  const experts: Json[] = s.get("experts") ?? [];
  return (
    <Section id="experts" title={t("admin.section.experts")}>
      {experts.map((x, i) => {
        const p = `experts.${i}`;
        return (
          <ItemCard
            key={i}
            path={p}
            title={x.name || x.id || t("admin.noun.expert")}
            open={!x.id}
            removeLabel={t("admin.remove", { what: x.name || x.id || t("admin.noun.expert") })}
            onRemove={() => s.remove(p)}
          >
            <div class="grid-2">
              <TextField path={`${p}.id`} label={t("admin.field.id")} />
              <TextField path={`${p}.name`} label={t("admin.field.name")} />
              <TextField path={`${p}.webhookUrl`} label={t("admin.expert.webhookUrl")} type="url" />
            </div>
            <SecretField path={`${p}.secret`} />
          </ItemCard>
        );
      })}
      <button
        type="button"
        class="btn"
        onClick={() => s.append("experts", { id: "", name: "", webhookUrl: "" })}
      >
        {t("admin.add", { what: t("admin.noun.expert") })}
      </button>
    </Section>
  );
}
