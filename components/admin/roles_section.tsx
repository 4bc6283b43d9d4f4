/** Roles and permissions as a matrix of checkboxes: one row per permission, one column per role. */
import { useState } from "preact/hooks";
import { useAdmin } from "../../lib/browser/admin_store.ts";
import { IconButton } from "../icon_button.tsx";
import { FieldErrors, fieldId } from "./fields.tsx";
import { Section } from "./section.tsx";

export function RolesSection({ permissions }: { permissions: string[] }) {
  const s = useAdmin();
  const { t } = s;
  const roles: Record<string, string[]> = s.get("roles") ?? {};
  const names = Object.keys(roles);
  const [newRole, setNewRole] = useState("");
  const toggle = (role: string, p: string, on: boolean) => {
    const list = roles[role] ?? [];
    // Keep the matrix's order so the saved list reads like the table.
    const next = on ? permissions.filter((x) => x === p || list.includes(x)) : list.filter((x) => x !== p);
    s.set(`roles.${role}`, next);
  };
  return (
    <Section id="roles" title={t("admin.section.roles")}>
      <div class="admin-matrix-wrap" id={fieldId("roles")} tabIndex={-1}>
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
                    onClick={() => s.set(`roles.${r}`, undefined)}
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
      {names.map((r) => <FieldErrors key={r} path={`roles.${r}`} />)}
      <form
        class="admin-inline"
        onSubmit={(e) => {
          e.preventDefault();
          const name = newRole.trim();
          if (!name || name in roles) return;
          s.set(`roles.${name}`, []);
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
