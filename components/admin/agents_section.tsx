/**
 * Agents: add, disable, reset the password (write-only: never shown, empty keeps it), role,
 * teams, skills (categories), languages and per-group capacity overrides.
 */
import { useAdmin } from "../../lib/browser/admin_store.ts";
import type { Json } from "../../lib/browser/admin_paths.ts";
import {
  CheckField,
  ChecksField,
  fieldId,
  ItemCard,
  NumberField,
  SelectField,
  TextField,
} from "./fields.tsx";
import { Section } from "./section.tsx";

const GROUPS = ["realtime", "async"] as const;

function CapacityOverride({ path, group }: { path: string; group: (typeof GROUPS)[number] }) {
  const s = useAdmin();
  const { t } = s;
  const own: Json = s.get(path);
  const defaults: Json = s.get(`channelGroups.${group}`) ?? { capacity: 0, maxCapacity: 0 };
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
              s.set(
                path,
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
            <NumberField path={`${path}.capacity`} label={t("admin.capacity")} />
            <NumberField path={`${path}.maxCapacity`} label={t("admin.maxCapacity")} />
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
  const agents: Json[] = s.get("agents") ?? [];
  const roles = Object.keys(s.get("roles") ?? {});
  const teams: Json[] = s.get("teams") ?? [];
  const categories: Json[] = s.get("categories") ?? [];
  const languages: string[] = s.get("languages") ?? [];
  const existing = new Set((s.base.value.agents ?? []).map((a: Json) => a.id));
  return (
    <Section id="agents" title={t("admin.section.agents")}>
      {agents.map((a, i) => {
        const p = `agents.${i}`;
        const isNew = !existing.has(a.id);
        const title = `${a.name || t("admin.noun.agent")}${a.login ? ` (${a.login})` : ""}${
          a.disabled ? ` · ${t("admin.agent.disabledBadge")}` : ""
        }`;
        return (
          <ItemCard
            key={i}
            path={p}
            title={title}
            open={!a.id}
            removeLabel={t("admin.remove", { what: a.name || a.id || t("admin.noun.agent") })}
            onRemove={() => s.remove(p)}
          >
            <div class="grid-2">
              <TextField path={`${p}.id`} label={t("admin.field.id")} />
              <TextField path={`${p}.name`} label={t("admin.field.name")} />
              <TextField path={`${p}.login`} label={t("admin.agent.login")} autoComplete="off" />
              <SelectField
                path={`${p}.role`}
                label={t("admin.agent.role")}
                options={roles.map((r) => [r, r] as const)}
              />
              <TextField
                path={`${p}.password`}
                type="password"
                empty="omit"
                autoComplete="new-password"
                label={isNew ? t("admin.agent.password") : t("admin.agent.resetPassword")}
                hint={isNew ? undefined : t("admin.agent.passwordKept")}
              />
            </div>
            <CheckField path={`${p}.disabled`} label={t("admin.agent.disabled")} />
            <ChecksField
              path={`${p}.teams`}
              legend={t("admin.teams")}
              options={teams.map((x) => [x.id, x.name || x.id] as const)}
            />
            <ChecksField
              path={`${p}.categories`}
              legend={t("admin.agent.skills")}
              options={categories.map((x) => [x.id, x.name || x.id] as const)}
            />
            <ChecksField
              path={`${p}.languages`}
              legend={t("admin.languages")}
              options={languages.map((l) => [l, l] as const)}
            />
            <div class="grid-2">
              {GROUPS.map((g) => <CapacityOverride key={g} path={`${p}.capacity.${g}`} group={g} />)}
            </div>
          </ItemCard>
        );
      })}
      <button
        type="button"
        class="btn"
        onClick={() =>
          s.append("agents", {
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
        {t("admin.add", { what: t("admin.noun.agent") })}
      </button>
    </Section>
  );
}
