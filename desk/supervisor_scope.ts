/**
 * Who a supervisor sees (SPEC M2): the sources served by one of their teams and the agents of
 * those teams; an admin sees everything. Agents without `supervise` see nothing (403).
 */
import { Forbidden } from "../lib/shared/errors.ts";
import type { AgentState } from "../actors/agent.ts";
import type { InteractionView } from "../actors/interaction.ts";
import { can } from "./access.ts";
import type { DeskContext } from "./context.ts";

export type Scope = {
  all: boolean;
  teams: ReadonlySet<string>;
  sources: ReadonlySet<string>;
};

const meets = (a: readonly string[], b: ReadonlySet<string>) => a.some((x) => b.has(x));

/** The scope of `agent`; 403 without the `supervise` permission. */
export function scopeOf(ctx: DeskContext, agent: AgentState): Scope {
  if (!can(ctx, agent, "supervise")) throw new Forbidden('Your role does not allow "supervise".');
  const all = can(ctx, agent, "admin");
  const teams = new Set(all ? ctx.config.teams.map((t) => t.id) : agent.teams);
  const sources = new Set(ctx.config.sources.filter((s) => all || meets(s.teams, teams)).map((s) => s.id));
  return { all, teams, sources };
}

export const seesSource = (scope: Scope, sourceId: string) => scope.all || scope.sources.has(sourceId);
export const seesAgent = (scope: Scope, agent: { teams: readonly string[] }) =>
  scope.all || meets(agent.teams, scope.teams);

/** An interaction is visible when its source is, or the agent holding it is. */
export function seesInteraction(
  scope: Scope,
  i: Pick<InteractionView, "sourceId" | "agentId">,
  agentTeams: (agentId: string) => readonly string[],
): boolean {
  if (seesSource(scope, i.sourceId)) return true;
  return i.agentId !== null && seesAgent(scope, { teams: agentTeams(i.agentId) });
}
