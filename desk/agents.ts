/**
 * Agents: configuration sync at start-up, presence (R4: becoming available dispatches), sign-in
 * and sessions. Passwords live in KV only as PBKDF2 hashes; tokens only as SHA-256 digests.
 */
import { transact } from "../lib/actor.ts";
import { hashPassword, randomToken, sha256Hex, verifyPassword } from "../lib/crypto.ts";
import { Conflict, RateLimited, Unauthorized } from "../lib/errors.ts";
import { keys } from "../lib/keys.ts";
import { type AgentState, decideAgent, newAgent, type Presence } from "../actors/agent.ts";
import type { Desk } from "./desk.ts";
import { writeAgent } from "./persist.ts";

export const SESSION_TTL_MS = 12 * 3600_000;

/** Creates or updates every configured agent's actor and credential, then dispatches. */
export async function syncAgents(desk: Desk): Promise<void> {
  const ctx = desk.ctx;
  const hashes = await Promise.all(ctx.config.agents.map((a) => a.passwordHash ?? hashPassword(a.password!)));
  for (const [i, a] of ctx.config.agents.entries()) {
    await transact(desk.kv, async (tx) => {
      const before = await tx.get<AgentState>(keys.agent(a.id));
      const profile = ctx.profileOf(a);
      const after = before
        ? decideAgent(before, { type: "sync_profile", profile, now: ctx.now() })
        : newAgent(profile, ctx.now());
      writeAgent(tx, before, after);
      tx.set(keys.credential(a.id), hashes[i]);
    });
  }
  desk.dispatcher.requestAll();
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

export type Session = { agentId: string; csrf: string; createdAt: number; expiresAt: number };

const failures = new Map<string, { count: number; until: number }>();
const DUMMY_HASH = "pbkdf2-sha256$210000$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

/** Checks a login and password; returns a new session token. Repeated failures are rate limited. */
export async function signIn(
  desk: Desk,
  login: string,
  password: string,
): Promise<{ token: string; session: Session; agent: AgentState }> {
  const now = desk.ctx.now();
  const key = login.toLowerCase();
  const f = failures.get(key);
  if (f && f.count >= 5 && f.until > now) {
    throw new RateLimited("Too many failed sign-ins; try again in a minute.");
  }
  const config = desk.ctx.agentByLogin(login);
  const stored = config ? (await desk.kv.get<string>(keys.credential(config.id))).value : null;
  const ok = await verifyPassword(password, stored ?? DUMMY_HASH);
  const agent = config ? (await desk.kv.get<AgentState>(keys.agent(config.id))).value : null;
  if (!ok || !stored || !agent) {
    failures.set(key, { count: (f && f.until > now ? f.count : 0) + 1, until: now + 60_000 });
    throw new Unauthorized("Wrong login or password.", "bad_credentials");
  }
  failures.delete(key);
  const token = randomToken();
  const session: Session = {
    agentId: agent.id,
    csrf: randomToken(16),
    createdAt: now,
    expiresAt: now + SESSION_TTL_MS,
  };
  await desk.kv.set(keys.session(await sha256Hex(token)), session, { expireIn: SESSION_TTL_MS });
  return { token, session, agent };
}

export async function sessionOf(desk: Desk, token: string): Promise<Session | null> {
  const s = (await desk.kv.get<Session>(keys.session(await sha256Hex(token)))).value;
  return s && s.expiresAt > desk.ctx.now() ? s : null;
}

export async function signOut(desk: Desk, token: string): Promise<void> {
  await desk.kv.delete(keys.session(await sha256Hex(token)));
}

export async function getAgent(desk: Desk, agentId: string): Promise<AgentState | null> {
  return (await desk.kv.get<AgentState>(keys.agent(agentId))).value;
}
