/**
 * Sign-in and sign-out pages (U6: fields "Login" and "Password", a "Sign in" button). A plain
 * form POST, so it works before any script loads. Login CSRF is stopped by a double-submit
 * token (cookie + hidden field) and an Origin check; sign-out needs the session's CSRF token.
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { AppError, RateLimited } from "../../lib/shared/errors.ts";
import { randomToken } from "../../lib/server/crypto.ts";
import { fromAcceptLanguage, isUiLanguage, translate, type UiLanguage } from "../../lib/shared/i18n/mod.ts";
import { SESSION_TTL_MS, signIn, signOut } from "../../desk/sessions.ts";
import type { Desk } from "../../desk/desk.ts";
import { clientAddress, rawBody } from "../http.ts";
import { type App, SESSION_COOKIE } from "../auth.ts";
import { renderDocument, securityHeaders } from "./_app.tsx";
import { pageSession, themeOf } from "./session.ts";

const LOGIN_CSRF_COOKIE = "rd_login_csrf";

type LoginPageProps = { lang: UiLanguage; csrf: string; error: string | null; login: string };

export function LoginPage({ lang, csrf, error, login }: LoginPageProps) {
  const t = (k: Parameters<typeof translate>[1]) => translate(lang, k);
  return (
    <main class="signin">
      <form class="signin-card" method="post" action="/login">
        <div class="brand brand-large" aria-hidden="true">
          <span class="brand-mark">R</span>
        </div>
        <h1>{t("signin.title")}</h1>
        <p class="muted">{t("signin.subtitle")}</p>
        {error ? <p class="form-error" role="alert">{error}</p> : null}
        <input type="hidden" name="csrf" value={csrf} />
        <input type="hidden" name="lang" value={lang} />
        <label class="field">
          <span>{t("signin.login")}</span>
          <input name="login" autocomplete="username" required autofocus value={login} maxLength={100} />
        </label>
        <label class="field">
          <span>{t("signin.password")}</span>
          <input name="password" type="password" autocomplete="current-password" required maxLength={200} />
        </label>
        <button type="submit" class="btn btn-primary btn-block">{t("signin.submit")}</button>
        <nav class="signin-langs" aria-label={t("top.language")}>
          <a href="/login?lang=en" lang="en" aria-current={lang === "en" ? "true" : undefined}>English</a>
          <a href="/login?lang=fr" lang="fr" aria-current={lang === "fr" ? "true" : undefined}>Français</a>
        </nav>
      </form>
    </main>
  );
}

function requestLang(c: Context, explicit?: string | null): UiLanguage {
  return isUiLanguage(explicit) ? explicit : fromAcceptLanguage(c.req.header("accept-language"));
}

async function renderLogin(c: Context, lang: UiLanguage, error: string | null, login = "", status = 200) {
  const csrf = randomToken(16);
  setCookie(c, LOGIN_CSRF_COOKIE, csrf, {
    httpOnly: true,
    sameSite: "Strict",
    path: "/",
    maxAge: 3600,
    secure: new URL(c.req.url).protocol === "https:",
  });
  securityHeaders(c);
  const html = await renderDocument({
    lang,
    title: `${translate(lang, "signin.title")} · ${translate(lang, "app.title")}`,
    theme: themeOf(c),
    bodyClass: "page-signin",
    children: <LoginPage lang={lang} csrf={csrf} error={error} login={login} />,
  });
  return c.html(html, status as 200);
}

/** A form from another site is refused (browsers send Origin on every cross-site POST). */
function sameOrigin(c: Context): boolean {
  const origin = c.req.header("origin");
  return !origin || origin === new URL(c.req.url).origin;
}

export function loginRoutes(app: App, desk: Desk): void {
  app.get("/login", async (c) => {
    if (await pageSession(c, desk)) return c.redirect("/", 303);
    return await renderLogin(c, requestLang(c, c.req.query("lang")), null);
  });

  app.post("/login", async (c) => {
    const form = new URLSearchParams(new TextDecoder().decode(await rawBody(c, 8 * 1024)));
    const lang = requestLang(c, form.get("lang"));
    const login = (form.get("login") ?? "").slice(0, 100);
    const expected = getCookie(c, LOGIN_CSRF_COOKIE);
    if (!sameOrigin(c) || !expected || form.get("csrf") !== expected) {
      return await renderLogin(c, lang, translate(lang, "signin.expired"), login, 403);
    }
    try {
      const { token } = await signIn(
        desk,
        login,
        (form.get("password") ?? "").slice(0, 200),
        clientAddress(c),
      );
      setCookie(c, SESSION_COOKIE, token, {
        httpOnly: true,
        sameSite: "Lax",
        path: "/",
        maxAge: SESSION_TTL_MS / 1000,
        secure: new URL(c.req.url).protocol === "https:",
      });
      deleteCookie(c, LOGIN_CSRF_COOKIE, { path: "/" });
      return c.redirect("/", 303);
    } catch (e) {
      if (!(e instanceof AppError) || (e.status !== 401 && e.status !== 429)) throw e;
      if (e instanceof RateLimited) c.header("retry-after", String(e.retryAfterS));
      return await renderLogin(
        c,
        lang,
        translate(lang, e.status === 429 ? "signin.rateLimited" : "signin.failed"),
        login,
        e.status,
      );
    }
  });

  app.post("/logout", async (c) => {
    const form = new URLSearchParams(new TextDecoder().decode(await rawBody(c, 8 * 1024)));
    const s = await pageSession(c, desk);
    if (s && sameOrigin(c) && form.get("csrf") === s.session.csrf) {
      await signOut(desk, s.token);
      deleteCookie(c, SESSION_COOKIE, { path: "/" });
    }
    return c.redirect("/login", 303);
  });
}
