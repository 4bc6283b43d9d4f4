/**
 * Sign-in, sessions and their end (SPEC M1b). Sessions are KV records (`keys.session`, by the
 * SHA-256 of the token) holding the credential epoch they were opened under; the credential
 * (`keys.credential`) holds the current epoch. Moving the epoch ends every session of the agent
 * at once, in every process: the next request answers 401. Tokens are never stored.
 */
import { transact, type Tx } from "../lib/server/actor.ts";
import { randomToken, sha256Hex, verifyPassword } from "../lib/server/crypto.ts";
import { Conflict, Unauthorized } from "../lib/shared/errors.ts";
import { keys } from "../lib/server/keys.ts";
import { SESSION_ENDED } from "../lib/shared/wire/events.ts";
import {
  countFailure,
  forgiveAttempt,
  reserveAttempt,
  type ThrottleCheck,
} from "../lib/server/rate_limit.ts";
import { type AgentState, decideAgent } from "../actors/agent.ts";
import {
  bumpEpoch,
  type Credential,
  credentialOf,
  type RevokeReason,
  type Session,
  sessionHolds,
} from "../actors/credential.ts";
import { decideInteraction, type IndexRecord, type InteractionState, SYSTEM } from "../actors/interaction.ts";
import type { Desk } from "./desk.ts";
import { writeAgent } from "./persist.ts";

export type { Session };

export const SESSION_TTL_MS = 12 * 3600_000;

/**
 * Sign-in throttles: per login (anyone guessing one agent's password) and per client address
 * (one client guessing many). Delays double from 1 s after the free failures; the caps keep
 * them delays, never a lock-out of the real agent.
 */
export const SIGN_IN_THROTTLE = {
  login: { free: 5, baseMs: 1000, maxMs: 5 * 60_000 },
  // A contact centre often signs in from one NAT address: only failures count there (in-flight
  // attempts do not), so a shift of agents signing in at once is never slowed down.
  address: { free: 100, baseMs: 1000, maxMs: 15 * 60_000 },
} as const;

const DUMMY_HASH = "pbkdf2-sha256$210000$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

export async function readCredential(kv: Deno.Kv, agentId: string): Promise<Credential | null> {
  return credentialOf((await kv.get(keys.credential(agentId))).value);
}

/**
 * Checks a login and password from `address`; returns a new session token. Every attempt on a
 * login is counted before the password is checked (so parallel guesses cannot outrun the count)
 * and forgiven when it succeeds; the address counts each failure once known, with a sum that
 * never conflicts. Throttled attempts answer 429 with `Retry-After`.
 */
export async function signIn(
  desk: Desk,
  login: string,
  password: string,
  address = "unknown",
): Promise<{ token: string; session: Session; agent: AgentState }> {
  const now = desk.ctx.now();
  const checks: ThrottleCheck[] = [
    { scope: "sign_in_login", subject: login.toLowerCase(), policy: SIGN_IN_THROTTLE.login },
    // Shared: thousands of agents may sign in through one address at once (no checked hot key).
    { scope: "sign_in_address", subject: address, policy: SIGN_IN_THROTTLE.address, shared: true },
  ];
  await reserveAttempt(desk.kv, checks, now);
  const config = desk.ctx.agentByLogin(login);
  const credential = config ? await readCredential(desk.kv, config.id) : null;
  // The hash is checked even for an unknown login, so timing does not tell which logins exist.
  const ok = await verifyPassword(password, credential?.hash ?? DUMMY_HASH);
  const agent = config ? (await desk.kv.get<AgentState>(keys.agent(config.id))).value : null;
  if (!ok || !credential?.active || !agent) {
    await countFailure(desk.kv, checks, now);
    throw new Unauthorized("Wrong login or password.", "bad_credentials");
  }
  await forgiveAttempt(desk.kv, checks, ["sign_in_login"]);
  const token = randomToken();
  const session: Session = {
    agentId: agent.id,
    csrf: randomToken(16),
    createdAt: now,
    expiresAt: now + SESSION_TTL_MS,
    epoch: credential.epoch,
  };
  await desk.kv.set(keys.session(await sha256Hex(token)), session, { expireIn: SESSION_TTL_MS });
  return { token, session, agent };
}

/**
 * Token digest → the agent of its session, per desk: what a session key names never changes, so
 * a request with a token seen before reads its session, the agent's credential and the agent
 * in one `getMany` (one trip to the store instead of three in turn; issue 15). Only that
 * mapping is kept: whether the session still exists and holds is read each time, so a sign-out
 * or a revocation in any process answers 401 at the next request as before.
 */
const agentOfToken = new WeakMap<Desk, Map<string, string>>();
/** Tokens remembered per process; past it the oldest are forgotten (they cost one more read). */
const AGENT_OF_TOKEN_MAX = 20_000;

function remember(desk: Desk, digest: string, agentId: string): void {
  let known = agentOfToken.get(desk);
  if (!known) agentOfToken.set(desk, known = new Map());
  known.set(digest, agentId);
  if (known.size > AGENT_OF_TOKEN_MAX) known.delete(known.keys().next().value!);
}

/**
 * The session of `token` and its agent while the session holds (unexpired, its agent's
 * credential not moved on); null otherwise. The agent is null when its record is gone.
 */
export async function authenticate(
  desk: Desk,
  token: string,
): Promise<{ session: Session; agent: AgentState | null } | null> {
  const digest = await sha256Hex(token);
  const sessionKey = keys.session(digest);
  const agentId = agentOfToken.get(desk)?.get(digest);
  let session: Session | null, credential: unknown, agent: AgentState | null;
  if (agentId) {
    const [se, ce, ae] = await desk.kv.getMany<[Session, unknown, AgentState]>([
      sessionKey,
      keys.credential(agentId),
      keys.agent(agentId),
    ]);
    session = se.value, credential = ce.value, agent = ae.value;
    if (!session) agentOfToken.get(desk)!.delete(digest);
    // (A session key is written once; its agent cannot differ. Checked all the same.)
    if (session && session.agentId !== agentId) return null;
  } else {
    session = (await desk.kv.get<Session>(sessionKey)).value;
    if (!session) return null;
    const [ce, ae] = await desk.kv.getMany<[unknown, AgentState]>([
      keys.credential(session.agentId),
      keys.agent(session.agentId),
    ]);
    credential = ce.value, agent = ae.value;
    remember(desk, digest, session.agentId);
  }
  const now = desk.ctx.now();
  if (!session || session.expiresAt <= now) return null;
  return sessionHolds(session, credentialOf(credential), now) ? { session, agent } : null;
}

/** The session of `token` while it holds: unexpired, and its agent's credential not moved on. */
export async function sessionOf(desk: Desk, token: string): Promise<Session | null> {
  return (await authenticate(desk, token))?.session ?? null;
}

export async function signOut(desk: Desk, token: string): Promise<void> {
  await desk.kv.delete(keys.session(await sha256Hex(token)));
}

/**
 * Stages the visible end of an agent's sessions in `tx`: the agent goes offline (so the
 * dispatcher offers them nothing) and their feed gets `session.ended`, which open streams
 * deliver before closing and the routing view shows as "signed out". The credential's epoch
 * must move in the same commit (the caller writes it).
 */
export function stageSessionsEnded(
  tx: Tx,
  desk: Desk,
  before: AgentState | null,
  agent: AgentState,
  reason: RevokeReason,
): AgentState {
  const after = agent.presence === "offline"
    ? agent
    : decideAgent(agent, { type: "set_presence", presence: "offline", now: desk.ctx.now() });
  if (after !== before) writeAgent(tx, before, after);
  tx.emit(agent.id, SESSION_ENDED, { interactionId: null, reason });
  return after;
}

/**
 * Ends every session of `agentId` now (401 on their next request, `session.ended` on their
 * streams), sets them offline and withdraws their pending offers for re-routing. Idempotent.
 */
export async function revokeAgentSessions(desk: Desk, agentId: string, reason: RevokeReason): Promise<void> {
  await transact(desk.kv, async (tx) => {
    const credential = credentialOf(await tx.get(keys.credential(agentId)));
    if (credential) tx.set(keys.credential(agentId), bumpEpoch(credential));
    const agent = await tx.get<AgentState>(keys.agent(agentId));
    if (agent) stageSessionsEnded(tx, desk, agent, agent, reason);
  });
  await withdrawOffers(desk, agentId);
}

/** Takes back every offer pending for `agentId` (re-routed at once, not counted as missed). */
export async function withdrawOffers(desk: Desk, agentId: string): Promise<number> {
  const ids: string[] = [];
  for await (const e of desk.kv.list<IndexRecord>({ prefix: keys.folder(agentId, "in_progress") })) {
    if (e.value.state === "offered") ids.push(e.value.id);
  }
  let withdrawn = 0;
  for (const id of ids) {
    const done = await transact(desk.kv, async (tx) => {
      const s = await tx.get<InteractionState>(keys.interaction(id));
      if (!s || s.state !== "offered" || s.agentId !== agentId) return false;
      const d = decideInteraction(s, { type: "withdraw_offer", agentId }, desk.ctx.decideContext(s.sourceId));
      await desk.apply(tx, s, d, SYSTEM);
      return true;
    });
    if (done) withdrawn++;
  }
  desk.dispatcher.requestAll();
  return withdrawn;
}

/** Refuses to make a signed-out-for-good (disabled or removed) agent available. */
export async function assertCanWork(tx: Tx, agentId: string): Promise<void> {
  const credential = credentialOf(await tx.get(keys.credential(agentId)));
  if (credential && !credential.active) {
    throw new Conflict("This agent is disabled or removed.", "agent_disabled");
  }
}
