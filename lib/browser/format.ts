/**
 * Times as the routing view shows them: ages ("5 min"), countdowns ("0:42"), clock times and
 * the defer presets. Pure functions of an explicit `now`, so server and browser agree.
 */
import { translate, type UiLanguage } from "../shared/i18n/mod.ts";

const locale = (lang: UiLanguage) => (lang === "fr" ? "fr-FR" : "en-GB");

/** A short age: "now", "5 min", "3 h", "2 d". */
export function age(iso: string, now: number, lang: UiLanguage): string {
  const s = Math.max(0, (now - Date.parse(iso)) / 1000);
  if (s < 60) return translate(lang, "time.now");
  if (s < 3600) return translate(lang, "time.minutes", { n: Math.floor(s / 60) });
  if (s < 86400) return translate(lang, "time.hours", { n: Math.floor(s / 3600) });
  return translate(lang, "time.days", { n: Math.floor(s / 86400) });
}

/** Time left until `iso` as m:ss (never negative). */
export function countdown(iso: string, now: number): string {
  const s = Math.max(0, Math.ceil((Date.parse(iso) - now) / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/** A clock time today, or a date and time otherwise. `timeZone` fixes the zone (server render). */
export function when(iso: string, now: number, lang: UiLanguage, timeZone?: string): string {
  const d = new Date(iso);
  const sameDay = new Date(now).toDateString() === d.toDateString();
  return new Intl.DateTimeFormat(locale(lang), {
    ...(sameDay ? {} : { day: "numeric", month: "short" }),
    hour: "2-digit",
    minute: "2-digit",
    timeZone,
  }).format(d);
}

export function fullDate(iso: string, lang: UiLanguage, timeZone?: string): string {
  return new Intl.DateTimeFormat(locale(lang), { dateStyle: "medium", timeStyle: "short", timeZone }).format(
    new Date(iso),
  );
}

export type DeferPreset = { key: "defer.in1h" | "defer.in3h" | "defer.tomorrow" | "defer.monday"; at: Date };

/** The defer presets (SPEC A5) in the browser's local time: +1 h, +3 h, tomorrow 9:00, next Monday 9:00. */
export function deferPresets(now: Date): DeferPreset[] {
  const tomorrow = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1, 9, 0, 0, 0);
  const daysToMonday = ((8 - now.getDay()) % 7) || 7;
  const monday = new Date(now.getFullYear(), now.getMonth(), now.getDate() + daysToMonday, 9, 0, 0, 0);
  return [
    { key: "defer.in1h", at: new Date(now.getTime() + 3600_000) },
    { key: "defer.in3h", at: new Date(now.getTime() + 3 * 3600_000) },
    { key: "defer.tomorrow", at: tomorrow },
    { key: "defer.monday", at: monday },
  ];
}

/** `<input type="datetime-local">` value for a date, in local time. */
export function toLocalInput(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${
    p(d.getMinutes())
  }`;
}

/** A language code's name in the interface language ("fr" → "French" / "français"). */
export function languageName(code: string, lang: UiLanguage): string {
  try {
    const name = new Intl.DisplayNames([locale(lang)], { type: "language" }).of(code);
    return name ? name[0].toLocaleUpperCase(locale(lang)) + name.slice(1) : code;
  } catch {
    return code;
  }
}

/** Only http(s) URLs (and relative ones) may become links or media sources. */
export function safeUrl(url: unknown): string | null {
  if (typeof url !== "string") return null;
  try {
    const u = new URL(url, "http://x.invalid/");
    return u.protocol === "http:" || u.protocol === "https:" ? url : null;
  } catch {
    return null;
  }
}

export function initials(name: string): string {
  return name.split(/\s+/).map((w) => w[0]?.toUpperCase() ?? "").join("").slice(0, 2);
}
