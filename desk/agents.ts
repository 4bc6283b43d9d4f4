/**
 * Agents: configuration sync (start-up and every configuration change) and presence (R4:
 * becoming available dispatches). Passwords live in KV only as PBKDF2 hashes. Sign-in and
 * sessions are in `sessions.ts`.
 */
import { transact } from "../lib/server/actor.ts";
import type { AgentConfig } from "../lib/shared/config.ts";
import { hashPassword, verifyPassword } from "../lib/server/crypto.ts";
import { Conflict, Unauthorized } from "../lib/shared/errors.ts";
import { keys } from "../lib/server/keys.ts";
import { type AgentState, decideAgent, newAgent, type Presence } from "../actors/agent.ts";
import {
  type Credential,
  credentialOf,
  type CredentialSpec,
  decideCredential,
} from "../actors/credential.ts";
import type { Desk } from "./desk.ts";
import { writeAgent } from "./persist.ts";
import { assertCanWork, readCredential, stageSessionsEnded, withdrawOffers } from "./sessions.ts";

/**
 * Creates or updates every configured agent's actor and credential, then dispatches. An agent
 * disabled, removed, or given a new password or role has its sessions ended in the same commit
 * that moves its credential (SPEC M1b), and its pending offers are re-routed.
 */
export async function syncAgents(desk: Desk): Promise<void> {
  const ctx = desk.ctx;
  const configured = new Set(ctx.config.agents.map((a) => a.id));
  const specs = await Promise.all(ctx.config.agents.map((a) => credentialSpec(desk, a)));
  const revoked: string[] = [];
  for (const [i, a] of ctx.config.agents.entries()) {
    const ended = await transact(desk.kv, async (tx) => {
      const before = await tx.get<AgentState>(keys.agent(a.id));
      const profile = ctx.profileOf(a);
      const synced = before
        ? decideAgent(before, { type: "sync_profile", profile, now: ctx.now() })
        : newAgent(profile, ctx.now());
      const stored = credentialOf(await tx.get(keys.credential(a.id)));
      let spec = specs[i];
      // Another process hashed the same plain password first (a new salt, so another hash):
      // still the same password, so not a change that ends sessions.
      if (
        spec && stored && a.password && stored.hash !== spec.hash &&
        await verifyPassword(a.password, stored.hash)
      ) {
        spec = { ...spec, hash: stored.hash };
      }
      const { credential, revoke } = decideCredential(stored, spec);
      if (credential !== stored) tx.set(keys.credential(a.id), credential);
      if (revoke) stageSessionsEnded(tx, desk, before, synced, revoke);
      else writeAgent(tx, before, synced);
      return revoke !== null;
    });
    if (ended) revoked.push(a.id);
  }
  // Agents no longer configured: listing every agent is fine here (a configuration change,
  // never a hot path).
  for await (const e of desk.kv.list<AgentState>({ prefix: keys.agents() })) {
    if (configured.has(e.value.id)) continue;
    const ended = await transact(desk.kv, async (tx) => {
      const agent = await tx.get<AgentState>(keys.agent(e.value.id));
      const stored = credentialOf(await tx.get(keys.credential(e.value.id)));
      const { credential, revoke } = decideCredential(stored, null);
      if (!agent || !revoke) return false;
      tx.set(keys.credential(agent.id), credential);
      stageSessionsEnded(tx, desk, agent, agent, revoke);
      return true;
    });
    if (ended) revoked.push(e.value.id);
  }
  for (const id of revoked) await withdrawOffers(desk, id);
  desk.dispatcher.requestAll();
}

/**
 * What the configuration says about an agent's credential. A plain password that still
 * verifies against the stored hash keeps that hash: re-hashing (a new salt) would look like a
 * password change and end the agent's sessions on every sync.
 */
async function credentialSpec(desk: Desk, a: AgentConfig): Promise<CredentialSpec> {
  let hash = a.passwordHash;
  if (!hash) {
    const stored: Credential | null = await readCredential(desk.kv, a.id);
    hash = stored && await verifyPassword(a.password!, stored.hash)
      ? stored.hash
      : await hashPassword(a.password!);
  }
  return { hash, role: a.role, disabled: a.disabled };
}

export async function setPresence(desk: Desk, agentId: string, presence: Presence): Promise<AgentState> {
  // A disabled (or removed) agent stays offline: it must never become eligible for work (M1b).
  const configured = desk.ctx.agentConfig(agentId);
  if (presence !== "offline" && (!configured || configured.disabled)) {
    throw new Conflict("This agent is disabled.", "agent_disabled");
  }
  return await transact(desk.kv, async (tx) => {
    const before = await tx.get<AgentState>(keys.agent(agentId));
    if (!before) throw new Unauthorized("Unknown agent.");
    if (presence !== "offline") await assertCanWork(tx, agentId);
    const after = decideAgent(before, { type: "set_presence", presence, now: desk.ctx.now() });
    if (after !== before) writeAgent(tx, before, after);
    if (presence === "available") tx.after(() => desk.dispatcher.requestAll());
    return after;
  }, { lock: [keys.agent(agentId)] });
}

export function setUiLanguage(desk: Desk, agentId: string, language: "en" | "fr"): Promise<AgentState> {
  return transact(desk.kv, async (tx) => {
    const before = await tx.get<AgentState>(keys.agent(agentId));
    if (!before) throw new Unauthorized("Unknown agent.");
    const after = decideAgent(before, { type: "set_ui_language", language });
    writeAgent(tx, before, after);
    return after;
  }, { lock: [keys.agent(agentId)] });
}

export async function getAgent(desk: Desk, agentId: string): Promise<AgentState | null> {
  return (await desk.kv.get<AgentState>(keys.agent(agentId))).value;
}

export { SESSION_TTL_MS, signIn } from "./sessions.ts";
