/**
 * Sources: identity, routing (group, teams, language, priority), the connector (callback URL,
 * write-only secret with rotation), smart closure and co-browsing. A new secret is generated in
 * the browser, shown once, and only its redacted form ever comes back from the server.
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

const KINDS = ["chat", "messaging", "email", "social", "sdk"] as const;

/** 32 random bytes, base64url: far above the 16 characters the server asks for. */
export function newSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** A write-only secret: never shown, replaced by one generated here and shown once until saved. */
export function SecretField({ path }: { path: string }) {
  const s = useAdmin();
  const { t } = s;
  const shown = s.newSecrets.value[path];
  const rotate = () => {
    const secret = newSecret();
    s.set(path, secret);
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

function SmartClosure({ path, languages }: { path: string; languages: string[] }) {
  const s = useAdmin();
  const { t } = s;
  const sc: Json = s.get(path);
  return (
    <fieldset class="admin-fieldset">
      <legend>{t("admin.source.smartClosure")}</legend>
      <div class="field field-check">
        <label class="check">
          <input
            id={fieldId(`${path}.enabled`)}
            type="checkbox"
            checked={sc?.enabled === true}
            onChange={(e) => s.set(path, { ...(sc ?? { timeout: 120 }), enabled: e.currentTarget.checked })}
          />
          <span>{t("admin.source.smartClosure.enabled")}</span>
        </label>
      </div>
      {sc
        ? (
          <>
            <div class="grid-2">
              <NumberField path={`${path}.timeout`} label={t("admin.source.smartClosure.timeout")} />
              <CheckField path={`${path}.waitForReply`} label={t("admin.source.smartClosure.waitForReply")} />
            </div>
            {languages.map((l) => (
              <div class="grid-2" key={l}>
                <TextField
                  path={`${path}.question.${l}`}
                  label={t("admin.source.smartClosure.question", { lang: l })}
                  empty="omit"
                />
                <TextField
                  path={`${path}.followUp.${l}`}
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
  const sources: Json[] = s.get("sources") ?? [];
  const teams: Json[] = s.get("teams") ?? [];
  const languages: string[] = s.get("languages") ?? [];
  const add = () => {
    const secret = newSecret();
    const i = sources.length;
    s.append("sources", {
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
    });
    s.newSecrets.value = { ...s.newSecrets.value, [`sources.${i}.secret`]: secret };
  };
  return (
    <Section id="sources" title={t("admin.section.sources")}>
      <NumberField
        path="secretGracePeriod"
        label={t("admin.secret.grace")}
        hint={t("admin.secret.graceHint")}
      />
      {sources.map((src, i) => {
        const p = `sources.${i}`;
        return (
          <ItemCard
            key={i}
            path={p}
            title={src.name || src.id || t("admin.noun.source")}
            open={!src.id}
            removeLabel={t("admin.remove", { what: src.name || src.id || t("admin.noun.source") })}
            onRemove={() => s.remove(p)}
          >
            <div class="grid-2">
              <TextField path={`${p}.id`} label={t("admin.field.id")} />
              <TextField path={`${p}.name`} label={t("admin.field.name")} />
              <SelectField
                path={`${p}.kind`}
                label={t("admin.source.kind")}
                options={KINDS.map((k) => [k, t(`admin.kind.${k}`)] as const)}
              />
              <SelectField
                path={`${p}.group`}
                label={t("admin.source.group")}
                options={[["realtime", t("admin.group.realtime")], ["async", t("admin.group.async")]]}
              />
              <SelectField
                path={`${p}.defaultLanguage`}
                label={t("admin.source.language")}
                options={languages.map((l) => [l, l] as const)}
              />
              <NumberField path={`${p}.priority`} label={t("admin.source.priority")} />
              <TextField
                path={`${p}.callbackUrl`}
                label={t("admin.source.callbackUrl")}
                type="url"
                empty="null"
              />
              <TextField path={`${p}.cobrowseUrl`} label={t("admin.source.cobrowseUrl")} empty="omit" />
            </div>
            <ChecksField
              path={`${p}.teams`}
              legend={t("admin.teams")}
              options={teams.map((x) => [x.id, x.name || x.id] as const)}
            />
            <CheckField path={`${p}.dispositionRequired`} label={t("admin.source.dispositionRequired")} />
            <SecretField path={`${p}.secret`} />
            <SmartClosure path={`${p}.smartClosure`} languages={languages} />
          </ItemCard>
        );
      })}
      <button type="button" class="btn" onClick={add}>
        {t("admin.add", { what: t("admin.noun.source") })}
      </button>
    </Section>
  );
}
