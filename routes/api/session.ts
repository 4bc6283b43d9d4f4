/** Sign-in and sign-out (API.md "Agents"). */
import { deleteCookie, setCookie } from "hono/cookie";
import { z } from "zod";
import { describe } from "../../lib/openapi.ts";
import { signInSchema } from "../../lib/schemas.ts";
import { agentView } from "../../actors/agent.ts";
import { SESSION_TTL_MS, signIn, signOut } from "../../desk/sessions.ts";
import type { Desk } from "../../desk/desk.ts";
import { clientAddress, jsonBody } from "../http.ts";
import { type App, SESSION_COOKIE, tokenOf } from "../auth.ts";

describe({
  method: "post",
  path: "/api/v1/session",
  summary: "Sign in: returns a bearer token and sets the session cookie",
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
        agent: z.looseObject({ id: z.string() }),
      }),
    },
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
