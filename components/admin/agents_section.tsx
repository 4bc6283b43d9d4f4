/**
 * Agents: add, disable, reset the password (write-only: never shown, empty keeps it), role,
 * teams, skills (categories), languages and per-group capacity overrides.
 */
import { useAdmin } from "../../lib/browser/admin_store.ts";
import type { ElementOf, Field } from "../../lib/browser/admin_paths.ts";
import { CHANNEL_GROUPS, type ChannelGroup, type ConfigInput } from "../../lib/shared/config.ts";
import { CheckField, ChecksField, fieldId, NumberField, SelectField, TextField } from "./fields.tsx";
import { Section } from "./section.tsx";
import { CardList } from "./lists.tsx";

type AgentInput = ElementOf<ConfigInput["agents"]>;
type CapacityInput = NonNullable<AgentInput["capacity"]>[ChannelGroup];

function CapacityOverride({ field, group }: { field: Field<CapacityInput>; group: ChannelGroup }) {
  const s = useAdmin();
  const { t } = s;
  const { path } = field;
  const own = field.value();
  const defaults = s.config.key("channelGroups").key(group).value() ?? { capacity: 0, maxCapacity: 0 };
  return (
    <fieldset class="admin-fieldset">
      <legend>{t(`admin.group.${group}`)}</legend>
      <div class="field field-check">
        <label class="check">
          <input
            id={fieldId(`${path}.own`)}
            type="checkbox"
            checked={!!own}
            onChange={(e) =>
              field.set(
                e.currentTarget.checked
                  ? { capacity: defaults.capacity, maxCapacity: defaults.maxCapacity }
                  : undefined,
              )}
          />
          <span>{t("admin.agent.ownCapacity", { group: t(`admin.group.${group}`) })}</span>
        </label>
      </div>
      {own
        ? (
          <div class="grid-2">
            <NumberField field={field.key("capacity")} label={t("admin.capacity")} />
            <NumberField field={field.key("maxCapacity")} label={t("admin.maxCapacity")} />
          </div>
        )
        : (
          <p class="muted small">
            {t("admin.agent.groupCapacity", { capacity: defaults.capacity, max: defaults.maxCapacity })}
          </p>
        )}
    </fieldset>
  );
}

export function AgentsSection() {
  const s = useAdmin();
  const { t } = s;
  const { config } = s;
  const agents = config.key("agents");
  const roles = Object.keys(config.key("roles").value() ?? {});
  const teams = config.key("teams").value() ?? [];
  const categories = config.key("categories").value() ?? [];
  const languages = config.key("languages").value() ?? [];
  const existing = new Set((s.base.value.agents ?? []).map((a) => a.id));
  return (
    <Section id="agents" title={t("admin.section.agents")}>
      <CardList
        field={agents}
        noun={t("admin.noun.agent")}
        title={(a) =>
          `${a.name || t("admin.noun.agent")}${a.login ? ` (${a.login})` : ""}${
            a.disabled ? ` · ${t("admin.agent.disabledBadge")}` : ""
          }`}
        newItem={() => ({
          id: "",
          name: "",
          login: "",
          role: roles.includes("agent") ? "agent" : roles[0] ?? "",
          teams: [],
          categories: [],
          languages: [],
          capacity: {},
          disabled: false,
        })}
      >
        {(p, a) => {
          const isNew = !existing.has(a.id);
          return (
            <>
              <div class="grid-2">
                <TextField field={p.key("id")} label={t("admin.field.id")} />
                <TextField field={p.key("name")} label={t("admin.field.name")} />
                <TextField field={p.key("login")} label={t("admin.agent.login")} autoComplete="off" />
                <SelectField
                  field={p.key("role")}
                  label={t("admin.agent.role")}
                  options={roles.map((r) => [r, r] as const)}
                />
                <TextField
                  field={p.key("password")}
                  type="password"
                  empty="omit"
                  autoComplete="new-password"
                  label={isNew ? t("admin.agent.password") : t("admin.agent.resetPassword")}
                  hint={isNew ? undefined : t("admin.agent.passwordKept")}
                />
              </div>
              <CheckField field={p.key("disabled")} label={t("admin.agent.disabled")} />
              <ChecksField
                field={p.key("teams")}
                legend={t("admin.teams")}
                options={teams.map((x) => [x.id, x.name || x.id] as const)}
              />
              <ChecksField
                field={p.key("categories")}
                legend={t("admin.agent.skills")}
                options={categories.map((x) => [x.id, x.name || x.id] as const)}
              />
              <ChecksField
                field={p.key("languages")}
                legend={t("admin.languages")}
                options={languages.map((l) => [l, l] as const)}
              />
              <div class="grid-2">
                {CHANNEL_GROUPS.map((g) => (
                  <CapacityOverride key={g} field={p.key("capacity").key(g)} group={g} />
                ))}
              </div>
            </>
          );
        }}
      </CardList>
    </Section>
  );
}
