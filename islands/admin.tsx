/// <reference lib="dom" />
/**
 * The administration console island (SPEC U8, M1, M1a): forms over the whole configuration,
 * saved with `If-Match`, the server's validation errors next to their fields, the conflict view
 * on a stale save, versions with Restore, and configuration as code.
 */
import { useMemo } from "preact/hooks";
import type { ActionName, Permission } from "../lib/shared/actions.ts";
import { AdminContext, type AdminProps, createAdminStore } from "../lib/browser/admin_store.ts";
import { AsCodeSection, Toolbar } from "../components/admin/toolbar.tsx";
import { ConflictView, ErrorSummary, VersionsSection } from "../components/admin/review.tsx";
import {
  CobrowseSection,
  DirectorySection,
  GroupsSection,
  RoutingSection,
} from "../components/admin/routing_section.tsx";
import { SourcesSection } from "../components/admin/sources_section.tsx";
import { AgentsSection } from "../components/admin/agents_section.tsx";
import { RolesSection } from "../components/admin/roles_section.tsx";
import { AuditSection } from "../components/admin/audit_section.tsx";
import { ActionsSection } from "../components/admin/actions_section.tsx";
import { AssistantSection, ExpertsSection } from "../components/admin/assistant_section.tsx";

/** `actions`: the routing view's actions a role can place (empty hides "More actions" composition). */
export type AdminIslandProps = AdminProps & { permissions: Permission[]; actions: ActionName[] };

export const SECTIONS = [
  "routing",
  "groups",
  "directory",
  "sources",
  "agents",
  "roles",
  "actions",
  "assistant",
  "experts",
  "cobrowse",
  "versions",
  "audit",
  "code",
] as const;

export default function Admin(props: AdminIslandProps) {
  const store = useMemo(() => createAdminStore(props), []);
  const { t } = store;
  if (typeof document !== "undefined") {
    (globalThis as unknown as { __admin?: unknown }).__admin = store;
  }
  return (
    <AdminContext.Provider value={store}>
      <div class="admin-layout">
        <nav class="admin-toc" aria-label={t("admin.toc")}>
          <ul>
            {SECTIONS.map((id) => (
              <li key={id}>
                <a href={`#s-${id}`}>{t(`admin.section.${id}`)}</a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="admin-main">
          <Toolbar />
          <ErrorSummary />
          <ConflictView />
          <RoutingSection />
          <GroupsSection />
          <DirectorySection />
          <SourcesSection />
          <AgentsSection />
          <RolesSection permissions={props.permissions} />
          {props.actions.length ? <ActionsSection actions={props.actions} /> : null}
          <AssistantSection />
          <ExpertsSection />
          <CobrowseSection />
          <VersionsSection />
          <AuditSection />
          <AsCodeSection />
        </div>
      </div>
    </AdminContext.Provider>
  );
}
