/**
 * A supervisor sets another agent's presence (API.md `PUT /api/v1/agents/{agentId}/presence`):
 * one commit writes the agent (its state says who set it), an audit entry on the agent, and a
 * `presence.changed` event on the agent's own stream so its routing view follows at once.
 */
import { newId, transact } from "../lib/server/actor.ts";
import { NotFound } from "../lib/shared/errors.ts";
import { keys } from "../lib/server/keys.ts";
import { iso } from "../lib/shared/time.ts";
import { type AgentState, decideAgent, type Presence } from "../actors/agent.ts";
import type { Desk } from "./desk.ts";
import { writeAgent } from "./persist.ts";
import { scopeOf, seesAgent } from "./supervisor_scope.ts";
import type { AgentAuditEntry } from "../lib/shared/wire/supervision.ts";

export type { AgentAuditEntry };

/** Sets `agentId`'s presence for `supervisor`: 403 without `supervise`, 404 when not visible. */
export async function setAgentPresence(
  desk: Desk,
  supervisor: AgentState,
  agentId: string,
  presence: Presence,
): Promise<AgentState> {
  const scope = scopeOf(desk.ctx, supervisor);
  const unknown = () => new NotFound("Unknown agent.", "unknown_agent");
  if (!desk.ctx.agentConfig(agentId)) throw unknown();
  return await transact(desk.kv, async (tx) => {
    const before = await tx.get<AgentState>(keys.agent(agentId));
    if (!before || !seesAgent(scope, before)) throw unknown();
    if (before.presence === presence) return before;
    const now = desk.ctx.now();
    const by = { id: supervisor.id, name: supervisor.name };
    const after = decideAgent(before, {
      type: "set_presence",
      presence,
      now,
      // The agent choosing its own presence through this endpoint is just that.
      by: supervisor.id === agentId ? undefined : by,
    });
    writeAgent(tx, before, after);
    const id = newId();
    const entry: AgentAuditEntry = {
      id,
      at: iso(now),
      agentId,
      actor: { type: "agent", id: supervisor.id, name: supervisor.name },
      type: "presence.set",
      details: { from: before.presence, to: presence },
    };
    tx.set(keys.agentAudit(agentId, id), entry);
    tx.emit(agentId, "presence.changed", {
      interactionId: null,
      presence,
      presenceSince: after.presenceSince,
      by: after.presenceBy ?? null,
    });
    if (presence === "available") tx.after(() => desk.dispatcher.requestAll());
    return after;
  });
}

/** The audit of actions on an agent, oldest first (supervisors in scope). */
export async function agentAudit(
  desk: Desk,
  supervisor: AgentState,
  agentId: string,
): Promise<AgentAuditEntry[]> {
  const scope = scopeOf(desk.ctx, supervisor);
  const agent = (await desk.kv.get<AgentState>(keys.agent(agentId))).value;
  if (!agent || !seesAgent(scope, agent)) throw new NotFound("Unknown agent.", "unknown_agent");
  const out: AgentAuditEntry[] = [];
  for await (
    const e of desk.kv.list<AgentAuditEntry>({ prefix: keys.agentAudits(agentId) }, {
      limit: 200,
      reverse: true,
    })
  ) {
    out.push(e.value);
  }
  return out.reverse();
}
