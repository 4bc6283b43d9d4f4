/**
 * Who may see and act on what: role permissions (403) and ownership (404 when not visible,
 * 409 when visible but not yours).
 */
import { type Permission, permissionsOf } from "../lib/shared/config.ts";
import { Forbidden } from "../lib/shared/errors.ts";
import type { AgentState } from "../actors/agent.ts";
import type { Actor } from "../actors/interaction.ts";
import type { DeskContext } from "./context.ts";

export function can(ctx: DeskContext, agent: AgentState, permission: Permission): boolean {
  return permissionsOf(ctx.config, agent.role).has(permission);
}

export function requirePermission(ctx: DeskContext, agent: AgentState, permission: Permission): void {
  if (!can(ctx, agent, permission)) throw new Forbidden(`Your role does not allow "${permission}".`);
}

export const isSupervisor = (ctx: DeskContext, agent: AgentState) => can(ctx, agent, "supervise");

export const actorOf = (a: AgentState): Actor => ({ type: "agent", id: a.id, name: a.name });
