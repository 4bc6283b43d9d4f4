/** Who is looking at a page: the session cookie only (pages never take bearer tokens). */
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import type { AgentState } from "../../actors/agent.ts";
import { authenticate, type Session } from "../../desk/sessions.ts";
import type { Desk } from "../../desk/desk.ts";
import type { Theme } from "../../lib/browser/types.ts";
import { SESSION_COOKIE } from "../auth.ts";

export const THEME_COOKIE = "rd_theme";

export async function pageSession(
  c: Context,
  desk: Desk,
): Promise<{ token: string; session: Session; agent: AgentState } | null> {
  const token = getCookie(c, SESSION_COOKIE);
  if (!token) return null;
  const auth = await authenticate(desk, token);
  return auth?.agent ? { token, session: auth.session, agent: auth.agent } : null;
}

/** The theme the agent picked in this browser (a cookie, so the first paint is right). */
export function themeOf(c: Context): Theme {
  const v = getCookie(c, THEME_COOKIE);
  return v === "light" || v === "dark" ? v : "system";
}
