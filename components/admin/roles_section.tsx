/** Roles and permissions as a matrix of checkboxes: one row per permission, one column per role. */
import { useState } from "preact/hooks";
import { useAdmin } from "../../lib/browser/admin_store.ts";
import type { Permission } from "../../lib/shared/actions.ts";
import { IconButton } from "../icon_button.tsx";
import { FieldErrors, fieldId } from "./fields.tsx";
import { Section } from "./section.tsx";

export function RolesSection({ permissions }: { permissions: readonly Permission[] }) {
  const s = useAdmin();
  const { t } = s;
  const field = s.config.key("roles");
  const roles = field.value() ?? {};
  const names = Object.keys(roles);
  const [newRole, setNewRole] = useState("");
  const toggle = (role: string, p: Permission, on: boolean) => {
    const list = roles[role] ?? [];
    // Keep the matrix's order so the saved list reads like the table.
    const next = on ? permissions.filter((x) => x === p || list.includes(x)) : list.filter((x) => x !== p);
    field.key(role).set(next);
  };
  return (
    <Section id="roles" title={t("admin.section.roles")}>
      <div class="admin-matrix-wrap" id={fieldId(field.path)} tabIndex={-1}>
        <table class="admin-matrix">
          <caption class="sr-only">{t("admin.roles.caption")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("admin.roles.permission")}</th>
              {names.map((r) => (
                <th scope="col" key={r}>
                  <span>{r}</span>
                  <IconButton
                    action="remove-role"
                    icon="x"
                    tone="danger"
                    label={t("admin.remove", { what: r })}
                    onClick={() => field.key(r).set(undefined)}
                  />
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {permissions.map((p) => (
              <tr key={p}>
                <th scope="row">{t(`admin.permission.${p}`)}</th>
                {names.map((r) => (
                  <td key={r}>
                    <label class="check check-cell">
                      <input
                        type="checkbox"
                        checked={roles[r].includes(p)}
                        onChange={(e) => toggle(r, p, e.currentTarget.checked)}
                      />
                      <span class="sr-only">{t("admin.roles.cell", { role: r, permission: p })}</span>
                    </label>
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {names.map((r) => <FieldErrors key={r} path={field.key(r).path} />)}
      <form
        class="admin-inline"
        onSubmit={(e) => {
          e.preventDefault();
          const name = newRole.trim();
          if (!name || name in roles) return;
          field.key(name).set([]);
          setNewRole("");
        }}
      >
        <div class="field">
          <label for="new-role">{t("admin.roles.new")}</label>
          <input id="new-role" value={newRole} onInput={(e) => setNewRole(e.currentTarget.value)} />
        </div>
        <button type="submit" class="btn">{t("admin.add", { what: t("admin.noun.role") })}</button>
      </form>
    </Section>
  );
}
