/**
 * Sources: identity, routing (group, teams, language, priority), the connector (callback URL,
 * write-only secret with rotation), smart closure and co-browsing. A new secret is generated in
 * the browser, shown once, and only its redacted form ever comes back from the server.
 */
import { useAdmin } from "../../lib/browser/admin_store.ts";
import type { ElementOf, Field, Leaf } from "../../lib/browser/admin_paths.ts";
import { CHANNEL_GROUPS, type ConfigInput } from "../../lib/shared/config.ts";
import { CheckField, ChecksField, fieldId, NumberField, SelectField, TextField } from "./fields.tsx";
import { Section } from "./section.tsx";
import { CardList } from "./lists.tsx";

const KINDS = ["chat", "messaging", "email", "social", "sdk"] as const;

/** 32 random bytes, base64url: far above the 16 characters the server asks for. */
export function newSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** A write-only secret: never shown, replaced by one generated here and shown once until saved. */
export function SecretField({ field }: { field: Leaf<string> }) {
  const s = useAdmin();
  const { t } = s;
  const { path } = field;
  const shown = s.newSecrets.value[path];
  const rotate = () => {
    const secret = newSecret();
    field.set(secret);
    s.newSecrets.value = { ...s.newSecrets.value, [path]: secret };
  };
  return (
    <div class="field admin-secret">
      {shown
        ? (
          <>
            <label for={fieldId(path)}>{t("admin.secret.new")}</label>
            <input id={fieldId(path)} readOnly value={shown} class="mono" />
            <span class="field-hint" role="status">{t("admin.secret.once")}</span>
          </>
        )
        : (
          <span class="field-label" id={fieldId(path)}>
            {t("admin.secret.label")}: {t("admin.secret.hidden")}
          </span>
        )}
      <button type="button" class="btn" data-action="rotate-secret" onClick={rotate}>
        {t("admin.secret.rotate")}
      </button>
    </div>
  );
}

type SourceInput = ElementOf<ConfigInput["sources"]>;

function SmartClosure(
  { field, languages }: { field: Field<SourceInput["smartClosure"]>; languages: string[] },
) {
  const { t } = useAdmin();
  const { path } = field;
  const sc = field.value();
  return (
    <fieldset class="admin-fieldset">
      <legend>{t("admin.source.smartClosure")}</legend>
      <div class="field field-check">
        <label class="check">
          <input
            id={fieldId(`${path}.enabled`)}
            type="checkbox"
            checked={sc?.enabled === true}
            onChange={(e) => field.set({ ...(sc ?? { timeout: 120 }), enabled: e.currentTarget.checked })}
          />
          <span>{t("admin.source.smartClosure.enabled")}</span>
        </label>
      </div>
      {sc
        ? (
          <>
            <div class="grid-2">
              <NumberField field={field.key("timeout")} label={t("admin.source.smartClosure.timeout")} />
              <CheckField
                field={field.key("waitForReply")}
                label={t("admin.source.smartClosure.waitForReply")}
              />
            </div>
            {languages.map((l) => (
              <div class="grid-2" key={l}>
                <TextField
                  field={field.key("question").key(l)}
                  label={t("admin.source.smartClosure.question", { lang: l })}
                  empty="omit"
                />
                <TextField
                  field={field.key("followUp").key(l)}
                  label={t("admin.source.smartClosure.followUp", { lang: l })}
                  empty="omit"
                />
              </div>
            ))}
          </>
        )
        : null}
    </fieldset>
  );
}

export function SourcesSection() {
  const s = useAdmin();
  const { t } = s;
  const { config } = s;
  const sources = config.key("sources");
  const teams = config.key("teams").value() ?? [];
  const languages = config.key("languages").value() ?? [];
  /** A new source comes with a new secret, shown once until saved. */
  const newSource = (): SourceInput => {
    const secret = newSecret();
    const added = sources.item(sources.value()?.length ?? 0);
    s.newSecrets.value = { ...s.newSecrets.value, [added.key("secret").path]: secret };
    return {
      id: "",
      name: "",
      kind: "chat",
      group: "realtime",
      secret,
      callbackUrl: null,
      teams: [],
      defaultLanguage: languages[0] ?? "en",
      priority: 0,
      dispositionRequired: false,
    };
  };
  return (
    <Section id="sources" title={t("admin.section.sources")}>
      <NumberField
        field={config.key("secretGracePeriod")}
        label={t("admin.secret.grace")}
        hint={t("admin.secret.graceHint")}
      />
      <CardList field={sources} noun={t("admin.noun.source")} newItem={newSource}>
        {(p) => (
          <>
            <div class="grid-2">
              <TextField field={p.key("id")} label={t("admin.field.id")} />
              <TextField field={p.key("name")} label={t("admin.field.name")} />
              <SelectField
                field={p.key("kind")}
                label={t("admin.source.kind")}
                options={KINDS.map((k) => [k, t(`admin.kind.${k}`)] as const)}
              />
              <SelectField
                field={p.key("group")}
                label={t("admin.source.group")}
                options={CHANNEL_GROUPS.map((g) => [g, t(`admin.group.${g}`)] as const)}
              />
              <SelectField
                field={p.key("defaultLanguage")}
                label={t("admin.source.language")}
                options={languages.map((l) => [l, l] as const)}
              />
              <NumberField field={p.key("priority")} label={t("admin.source.priority")} />
              <TextField
                field={p.key("callbackUrl")}
                label={t("admin.source.callbackUrl")}
                type="url"
                empty="null"
              />
              <TextField field={p.key("cobrowseUrl")} label={t("admin.source.cobrowseUrl")} empty="omit" />
            </div>
            <ChecksField
              field={p.key("teams")}
              legend={t("admin.teams")}
              options={teams.map((x) => [x.id, x.name || x.id] as const)}
            />
            <CheckField field={p.key("dispositionRequired")} label={t("admin.source.dispositionRequired")} />
            <SecretField field={p.key("secret")} />
            <SmartClosure field={p.key("smartClosure")} languages={languages} />
          </>
        )}
      </CardList>
    </Section>
  );
}
