/** Routing settings, channel groups (capacities, service level), directories and co-browsing. */
import { useAdmin } from "../../lib/browser/admin_store.ts";
import { CHANNEL_GROUPS } from "../../lib/shared/config.ts";
import { CheckField, NumberField, SelectField } from "./fields.tsx";
import { Section } from "./section.tsx";
import { NamedList, StringList } from "./lists.tsx";

const STRATEGIES = ["least_occupied", "longest_idle", "round_robin"] as const;

export function RoutingSection() {
  const { t, config } = useAdmin();
  const routing = config.key("routing");
  return (
    <Section id="routing" title={t("admin.section.routing")}>
      <div class="grid-2">
        <SelectField
          field={routing.key("strategy")}
          label={t("admin.routing.strategy")}
          options={STRATEGIES.map((v) => [v, t(`admin.strategy.${v}`)] as const)}
        />
        <NumberField
          field={routing.key("acceptTimeout")}
          label={t("admin.routing.acceptTimeout")}
          empty="null"
          hint={t("admin.hint.noLimit")}
        />
        <NumberField
          field={routing.key("idleTimeout")}
          label={t("admin.routing.idleTimeout")}
          empty="null"
          hint={t("admin.hint.noLimit")}
        />
        <NumberField field={routing.key("stickyWindow")} label={t("admin.routing.stickyWindow")} />
      </div>
      <CheckField field={routing.key("awayOnMiss")} label={t("admin.routing.awayOnMiss")} />
    </Section>
  );
}

export function GroupsSection() {
  const { t, config } = useAdmin();
  return (
    <Section id="groups" title={t("admin.section.groups")}>
      {CHANNEL_GROUPS.map((g) => {
        const group = config.key("channelGroups").key(g);
        return (
          <fieldset class="admin-fieldset" key={g}>
            <legend>{t(`admin.group.${g}`)}</legend>
            <div class="grid-4">
              <NumberField field={group.key("capacity")} label={t("admin.capacity")} />
              <NumberField field={group.key("maxCapacity")} label={t("admin.maxCapacity")} />
              <NumberField
                field={group.key("serviceLevel").key("target")}
                label={t("admin.serviceLevel.target")}
                hint={t("admin.hint.share")}
              />
              <NumberField
                field={group.key("serviceLevel").key("seconds")}
                label={t("admin.serviceLevel.seconds")}
              />
            </div>
          </fieldset>
        );
      })}
    </Section>
  );
}

export function DirectorySection() {
  const { t, config } = useAdmin();
  return (
    <Section id="directory" title={t("admin.section.directory")}>
      <div class="grid-2">
        <NamedList field={config.key("teams")} title={t("admin.teams")} noun={t("admin.noun.team")} />
        <NamedList
          field={config.key("categories")}
          title={t("admin.categories")}
          noun={t("admin.noun.category")}
        />
        <NamedList
          field={config.key("dispositions")}
          title={t("admin.dispositions")}
          noun={t("admin.noun.disposition")}
        />
        <StringList
          field={config.key("languages")}
          title={t("admin.languages")}
          noun={t("admin.noun.language")}
          itemLabel={t("admin.noun.language")}
        />
      </div>
    </Section>
  );
}

export function CobrowseSection() {
  const { t, config } = useAdmin();
  return (
    <Section id="cobrowse" title={t("admin.section.cobrowse")}>
      <p class="muted">{t("admin.cobrowse.help")}</p>
      <StringList
        field={config.key("cobrowse").key("excludeSelectors")}
        title={t("admin.cobrowse.selectors")}
        noun={t("admin.noun.selector")}
        itemLabel={t("admin.noun.selector")}
      />
    </Section>
  );
}
