/**
 * Run-time configuration changes (SPEC M1, R4): a new configuration is validated as a whole,
 * swapped in, agents re-synced, and waiting work dispatched at once.
 */
import { transact } from "../lib/actor.ts";
import { type Config, parseConfig } from "../lib/config.ts";
import { keys } from "../lib/keys.ts";
import { type AgentState, decideAgent } from "../actors/agent.ts";
import type { Desk } from "./desk.ts";
import { syncAgents } from "./agents.ts";
import { writeAgent } from "./persist.ts";

/** The configuration without secrets and passwords (for admins' eyes and the API). */
export function redactedConfig(c: Config): unknown {
  return {
    ...c,
    sources: c.sources.map((s) => ({ ...s, secret: REDACTED })),
    agents: c.agents.map(({ password: _p, passwordHash: _h, ...a }) => a),
    experts: c.experts.map((e) => ({ ...e, ...(e.secret ? { secret: REDACTED } : {}) })),
  };
}

const REDACTED = "********";

/**
 * A configuration read back from `redactedConfig` can be sent again: redacted secrets and missing
 * passwords of agents that already exist keep their current values.
 */
function keepRedactedSecrets(current: Config, raw: unknown): unknown {
  if (!raw || typeof raw !== "object") return raw;
  const r = raw as Record<string, unknown>;
  const sources = Array.isArray(r.sources)
    ? r.sources.map((s: Record<string, unknown>) => {
      const old = current.sources.find((x) => x.id === s?.id);
      return old && s?.secret === REDACTED ? { ...s, secret: old.secret } : s;
    })
    : r.sources;
  const experts = Array.isArray(r.experts)
    ? r.experts.map((e: Record<string, unknown>) => {
      const old = current.experts.find((x) => x.id === e?.id);
      return old && e?.secret === REDACTED ? { ...e, secret: old.secret } : e;
    })
    : r.experts;
  const agents = Array.isArray(r.agents)
    ? r.agents.map((a: Record<string, unknown>) => {
      const old = current.agents.find((x) => x.id === a?.id);
      if (!old || !a || a.password !== undefined || a.passwordHash !== undefined) return a;
      return {
        ...a,
        ...(old.passwordHash ? { passwordHash: old.passwordHash } : { password: old.password }),
      };
    })
    : r.agents;
  return {
    ...r,
    ...(sources ? { sources } : {}),
    ...(experts ? { experts } : {}),
    ...(agents ? { agents } : {}),
  };
}

/**
 * Replaces the configuration. Invalid input throws `Invalid` with every bad path and changes
 * nothing. Agents no longer configured are set offline (their open work stays theirs).
 */
export async function replaceConfig(desk: Desk, raw: unknown): Promise<Config> {
  const next = parseConfig(keepRedactedSecrets(desk.config, raw));
  desk.ctx.setConfig(next);
  await syncAgents(desk);
  const configured = new Set(next.agents.map((a) => a.id));
  for await (const e of desk.kv.list<AgentState>({ prefix: ["agent"] })) {
    if (configured.has(e.value.id) || e.value.presence === "offline") continue;
    await transact(desk.kv, async (tx) => {
      const before = await tx.get<AgentState>(keys.agent(e.value.id));
      if (!before) return;
      writeAgent(
        tx,
        before,
        decideAgent(before, { type: "set_presence", presence: "offline", now: desk.ctx.now() }),
      );
    });
  }
  desk.dispatcher.requestAll();
  return next;
}
