/** Sign-in and sign-out (API.md "Agents"). */
import { deleteCookie, setCookie } from "hono/cookie";
import { z } from "zod";
import { agentViewSchema } from "../../lib/shared/wire/agent.ts";
import { describe } from "../../lib/server/openapi.ts";
import { errorSchema, signInSchema } from "../../lib/shared/wire/api.ts";
import { agentView } from "../../actors/agent.ts";
import { SESSION_TTL_MS, signIn, signOut } from "../../desk/sessions.ts";
import type { Desk } from "../../desk/desk.ts";
import { clientAddress, jsonBody } from "../http.ts";
import { type App, SESSION_COOKIE, tokenOf } from "../auth.ts";

describe({
  method: "post",
  path: "/api/v1/session",
  summary: "Sign in: returns a bearer token and sets the session cookie. Failed attempts are throttled " +
    "per login and per client address (after 5 and 100 failures, delays doubling from 1 s; an address " +
    "counts failures only, so many agents may sign in through one address at once): 429 with " +
    "Retry-After. The session ends at once when the agent is disabled, removed, or given a new password or " +
    "role (401 on the next request; `session.ended` on the event stream)",
  tag: "agents",
  auth: "none",
  body: signInSchema,
  responses: {
    200: {
      description: "Signed in",
      schema: z.object({
        token: z.string(),
        csrfToken: z.string(),
        expiresAt: z.string(),
        agent: agentViewSchema,
      }),
    },
    401: { description: "Wrong login or password, or the agent is disabled", schema: errorSchema },
    429: { description: "Too many failed attempts: wait `Retry-After` seconds", schema: errorSchema },
  },
});
describe({
  method: "delete",
  path: "/api/v1/session",
  summary: "Sign out (ends the session of the token or cookie sent)",
  tag: "agents",
  auth: "bearer",
  responses: { 204: { description: "Signed out" } },
});

export function sessionRoutes(app: App, desk: Desk): void {
  app.post("/api/v1/session", async (c) => {
    const { login, password } = await jsonBody(c, signInSchema);
    const { token, session, agent } = await signIn(desk, login, password, clientAddress(c));
    setCookie(c, SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: "Lax",
      path: "/",
      maxAge: SESSION_TTL_MS / 1000,
      secure: new URL(c.req.url).protocol === "https:",
    });
    return c.json({
      token,
      csrfToken: session.csrf,
      expiresAt: new Date(session.expiresAt).toISOString(),
      agent: agentView(agent),
    });
  });
  app.delete("/api/v1/session", async (c) => {
    const t = tokenOf(c);
    if (t) await signOut(desk, t.token);
    deleteCookie(c, SESSION_COOKIE, { path: "/" });
    return c.body(null, 204);
  });
}
