/**
 * "More actions" composition (SPEC A16): per role, which interaction actions show as icons in the
 * action bar (in order) and which sit in the "More actions" menu. A role without a layout shows
 * every action as an icon; "Customize" gives it one to edit.
 */
import { useAdmin } from "../../lib/browser/admin_store.ts";
import type { ActionName } from "../../lib/shared/actions.ts";
import { IconButton } from "../icon_button.tsx";
import { FieldErrors, fieldId } from "./fields.tsx";
import { Section } from "./section.tsx";

function RoleLayout({ role, actions }: { role: string; actions: readonly ActionName[] }) {
  const s = useAdmin();
  const { t } = s;
  const field = s.config.key("actionLayout").key(role);
  const { path } = field;
  const layout = field.value();
  const name = (a: ActionName) => t(`action.${a}`);
  if (!layout) {
    return (
      <fieldset class="admin-fieldset" id={fieldId(path)} tabIndex={-1}>
        <legend>{role}</legend>
        <p class="muted small">{t("admin.actions.default")}</p>
        <button type="button" class="btn" onClick={() => field.set({ icons: [...actions], menu: [] })}>
          {t("admin.actions.customize", { role })}
        </button>
      </fieldset>
    );
  }
  const icons = layout.icons ?? [];
  const menu = [
    ...(layout.menu ?? []),
    ...actions.filter((a) => !icons.includes(a) && !layout.menu?.includes(a)),
  ];
  const place = (a: ActionName, where: "icons" | "menu") =>
    field.set({
      icons: where === "icons" ? [...icons.filter((x) => x !== a), a] : icons.filter((x) => x !== a),
      menu: where === "menu" ? [...menu.filter((x) => x !== a), a] : menu.filter((x) => x !== a),
    });
  const move = (i: number, by: -1 | 1) => {
    const next = icons.slice();
    [next[i], next[i + by]] = [next[i + by], next[i]];
    field.key("icons").set(next);
  };
  const row = (a: ActionName, i: number | null) => (
    <li key={a} class="admin-action-row">
      <label for={`layout-${role}-${a}`}>{name(a)}</label>
      <select
        id={`layout-${role}-${a}`}
        value={i === null ? "menu" : "icons"}
        onChange={(e) => place(a, e.currentTarget.value as "icons" | "menu")}
      >
        <option value="icons" selected={i !== null}>{t("admin.actions.icon")}</option>
        <option value="menu" selected={i === null}>{t("admin.actions.menu")}</option>
      </select>
      {i !== null
        ? (
          <>
            <IconButton
              action="move-up"
              icon="chevronUp"
              label={t("admin.actions.up", { action: name(a) })}
              disabled={i === 0}
              onClick={() => move(i, -1)}
            />
            <IconButton
              action="move-down"
              icon="chevronDown"
              label={t("admin.actions.down", { action: name(a) })}
              disabled={i === icons.length - 1}
              onClick={() => move(i, 1)}
            />
          </>
        )
        : null}
    </li>
  );
  return (
    <fieldset class="admin-fieldset" id={fieldId(path)} tabIndex={-1}>
      <legend>{role}</legend>
      <h4 class="small">{t("admin.actions.icons")}</h4>
      <ol class="admin-action-list">{icons.map((a, i) => row(a, i))}</ol>
      <h4 class="small">{t("admin.actions.inMenu")}</h4>
      <ul class="admin-action-list">{menu.map((a) => row(a, null))}</ul>
      <FieldErrors path={path} />
      <button type="button" class="btn btn-ghost" onClick={field.remove}>
        {t("admin.actions.reset", { role })}
      </button>
    </fieldset>
  );
}

export function ActionsSection({ actions }: { actions: readonly ActionName[] }) {
  const s = useAdmin();
  const { t } = s;
  const roles = Object.keys(s.config.key("roles").value() ?? {});
  return (
    <Section id="actions" title={t("admin.section.actions")}>
      <p class="muted">{t("admin.actions.help")}</p>
      <div class="grid-2">{roles.map((r) => <RoleLayout key={r} role={r} actions={actions} />)}</div>
    </Section>
  );
}
