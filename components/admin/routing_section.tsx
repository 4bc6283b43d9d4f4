/** Routing settings, channel groups (capacities, service level), directories and co-browsing. */
import { useAdmin } from "../../lib/browser/admin_store.ts";
import { CheckField, NumberField, SelectField } from "./fields.tsx";
import { NamedList, Section, StringList } from "./section.tsx";

const STRATEGIES = ["least_occupied", "longest_idle", "round_robin"] as const;
const GROUPS = ["realtime", "async"] as const;

export function RoutingSection() {
  const { t } = useAdmin();
  return (
    <Section id="routing" title={t("admin.section.routing")}>
      <div class="grid-2">
        <SelectField
          path="routing.strategy"
          label={t("admin.routing.strategy")}
          options={STRATEGIES.map((v) => [v, t(`admin.strategy.${v}`)] as const)}
        />
        <NumberField
          path="routing.acceptTimeout"
          label={t("admin.routing.acceptTimeout")}
          empty="null"
          hint={t("admin.hint.noLimit")}
        />
        <NumberField
          path="routing.idleTimeout"
          label={t("admin.routing.idleTimeout")}
          empty="null"
          hint={t("admin.hint.noLimit")}
        />
        <NumberField path="routing.stickyWindow" label={t("admin.routing.stickyWindow")} />
      </div>
      <CheckField path="routing.awayOnMiss" label={t("admin.routing.awayOnMiss")} />
    </Section>
  );
}

export function GroupsSection() {
  const { t } = useAdmin();
  return (
    <Section id="groups" title={t("admin.section.groups")}>
      {GROUPS.map((g) => (
        <fieldset class="admin-fieldset" key={g}>
          <legend>{t(`admin.group.${g}`)}</legend>
          <div class="grid-4">
            <NumberField path={`channelGroups.${g}.capacity`} label={t("admin.capacity")} />
            <NumberField path={`channelGroups.${g}.maxCapacity`} label={t("admin.maxCapacity")} />
            <NumberField
              path={`channelGroups.${g}.serviceLevel.target`}
              label={t("admin.serviceLevel.target")}
              hint={t("admin.hint.share")}
            />
            <NumberField
              path={`channelGroups.${g}.serviceLevel.seconds`}
              label={t("admin.serviceLevel.seconds")}
            />
          </div>
        </fieldset>
      ))}
    </Section>
  );
}

export function DirectorySection() {
  const { t } = useAdmin();
  return (
    <Section id="directory" title={t("admin.section.directory")}>
      <div class="grid-2">
        <NamedList path="teams" title={t("admin.teams")} noun={t("admin.noun.team")} />
        <NamedList path="categories" title={t("admin.categories")} noun={t("admin.noun.category")} />
        <NamedList path="dispositions" title={t("admin.dispositions")} noun={t("admin.noun.disposition")} />
        <StringList
          path="languages"
          title={t("admin.languages")}
          noun={t("admin.noun.language")}
          itemLabel={t("admin.noun.language")}
        />
      </div>
    </Section>
  );
}

export function CobrowseSection() {
  const { t } = useAdmin();
  return (
    <Section id="cobrowse" title={t("admin.section.cobrowse")}>
      <p class="muted">{t("admin.cobrowse.help")}</p>
      <StringList
        path="cobrowse.excludeSelectors"
        title={t("admin.cobrowse.selectors")}
        noun={t("admin.noun.selector")}
        itemLabel={t("admin.noun.selector")}
      />
    </Section>
  );
}
