/**
 * Agent authentication: `Authorization: Bearer <token>` for API clients, or the session cookie
 * for the browser, in which case every state-changing request must carry the CSRF token.
 */
import type { Context, Hono, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { Forbidden, Unauthorized } from "../lib/shared/errors.ts";
import type { AgentState } from "../actors/agent.ts";
import { authenticate, type Session } from "../desk/sessions.ts";
import type { Desk } from "../desk/desk.ts";

export const SESSION_COOKIE = "rd_session";
export const CSRF_HEADER = "x-csrf-token";

export type AuthEnv = { Variables: { agent: AgentState; session: Session; token: string } };

/**
 * The app every route module registers on (`createApp` builds it): typed with the variables
 * `requireAgent` sets, so handlers read `c.get("agent")` without casting the app.
 */
export type App = Hono<AuthEnv>;

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

export function tokenOf(c: Context): { token: string; via: "bearer" | "cookie" } | null {
  const h = c.req.header("authorization");
  if (h?.toLowerCase().startsWith("bearer ")) return { token: h.slice(7).trim(), via: "bearer" };
  const cookie = getCookie(c, SESSION_COOKIE);
  return cookie ? { token: cookie, via: "cookie" } : null;
}

export function requireAgent(desk: Desk): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const t = tokenOf(c);
    if (!t || !t.token) throw new Unauthorized();
    const auth = await authenticate(desk, t.token);
    if (!auth) throw new Unauthorized("Session expired or unknown: sign in again.", "bad_token");
    const { session, agent } = auth;
    if (t.via === "cookie" && !SAFE.has(c.req.method)) {
      const sent = c.req.header(CSRF_HEADER);
      if (!sent || sent !== session.csrf) throw new Forbidden("Missing or wrong CSRF token.", "csrf");
    }
    if (!agent) throw new Unauthorized("Unknown agent.");
    c.set("agent", agent);
    c.set("session", session);
    c.set("token", t.token);
    await next();
  };
}
