/**
 * Human-readable audit lines (SPEC A9): one sentence per audit entry, in English or French,
 * from the `audit.*` texts of the interface catalogues (`lib/shared/i18n/en.ts`, `fr.ts`). Pure: names come in through `AuditNames`, so the text follows the live configuration (an
 * entry keeps ids; a renamed disposition reads with its current name).
 *
 * `AUDIT_TYPES` lists every type the desk writes; `audit_text_test.ts` scans desk/ and actors/
 * for the types actually written, so a new type without a sentence here fails the tests.
 */
import type { Actor } from "../actors/interaction.ts";
import type { ThreadControl } from "../actors/thread.ts";
import { type MessageKey, translate, type Vars } from "../lib/shared/i18n/mod.ts";

export type AuditLang = "en" | "fr";
export const AUDIT_LANGS: readonly AuditLang[] = ["en", "fr"];

/** Every audit entry type written by the desk (interaction decisions, threads, messages, extensions). */
export const AUDIT_TYPES = [
  "queued",
  "offered",
  "accepted",
  "offer_missed",
  "offer_withdrawn",
  "deferred",
  "resumed",
  "returned_from_deferred",
  "requeued_from_deferred",
  "transferred",
  "completed",
  "smart_closure_started",
  "smart_closure_asked",
  "smart_closure_reopened",
  "conversation_closed",
  "idle",
  "thread.categorized",
  "thread.language_changed",
  "thread.lock",
  "thread.unlock",
  "thread.ignore",
  "thread.unignore",
  "thread.mute",
  "thread.unmute",
  "message.customer",
  "message.agent",
  "message.system",
  "message.anonymized",
  "expert.asked",
  "expert.answered",
  "cobrowse.requested",
  "cobrowse.accepted",
  "cobrowse.declined",
  "cobrowse.control_taken",
  "cobrowse.control_released",
  "cobrowse.control_revoked",
  "cobrowse.ended",
] as const;
export type AuditType = (typeof AUDIT_TYPES)[number];

const KNOWN: ReadonlySet<string> = new Set(AUDIT_TYPES);
/** Whether `type` has its own sentence (otherwise the summary is a generic fallback). */
export const isAuditType = (type: string): type is AuditType => KNOWN.has(type);

/** Looks up display names; each returns undefined for an id it does not know. */
export type AuditNames = {
  agent(id: string): string | undefined;
  disposition(id: string): string | undefined;
  category(id: string): string | undefined;
  team(id: string): string | undefined;
};

export type AuditLike = { actor: Actor; type: string; details: Record<string, unknown> };

/** The audit sentences are the `audit.*` keys of the interface catalogues (`lib/shared/i18n`). */
type AuditKey = Extract<MessageKey, `audit.${string}`>;
type Say = (key: AuditKey, vars?: Vars) => string;

const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);
const strs = (
  v: unknown,
): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
const countOf = (v: unknown): number => (typeof v === "number" && v > 0 ? Math.floor(v) : 0);
const clip = (s: string, n = 140) => (s.length > n ? s.slice(0, n - 1) + "…" : s);

/** `2026-11-23T10:00:00.000Z` → `2026-11-23 10:00 UTC`. */
function when(v: unknown): string {
  const s = str(v);
  return s && /^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(s)
    ? `${s.slice(0, 10)} ${s.slice(11, 16)} UTC`
    : String(v ?? "?");
}

function languageName(tag: string, lang: AuditLang): string {
  try {
    const name = new Intl.DisplayNames([lang], { type: "language" }).of(tag);
    return name && name !== tag ? `${name} (${tag})` : tag;
  } catch {
    return tag;
  }
}

/** What every sentence may use: the texts, the entry's details, the actor's name, lookups. */
type Ctx = {
  t: Say;
  /** `key.one` or `key.other` by `n`. */
  count: (key: "audit.files" | "audit.sentFiles" | "audit.shared", n: number, vars?: Vars) => string;
  e: AuditLike;
  d: Record<string, unknown>;
  actor: string;
  lang: AuditLang;
  names: AuditNames;
  agent: (id: unknown) => string;
  list: (ids: string[], name: (id: string) => string | undefined) => string;
  disposition: (v: unknown) => string;
  excerpt: () => string;
};

const control = (c: ThreadControl) => (x: Ctx) => x.t(`audit.thread.${c}`, { actor: x.actor });

function message(x: Ctx): string {
  const { t, d, e, count } = x;
  if (d.private) return t("audit.privateNote", { name: e.actor.name });
  const ignored = d.status === "ignored" ? t("audit.ignoredMessage") : "";
  const files = countOf(d.files);
  const text = str(d.excerpt);
  // An upload or a structured answer may carry no text at all.
  if (!text && e.type !== "message.system") {
    const name = e.type === "message.agent" ? x.actor : e.actor.name;
    return (files ? count("audit.sentFiles", files, { name }) : t("audit.sentNoText", { name })) + ignored;
  }
  const more = files ? count("audit.files", files) : "";
  const excerpt = x.excerpt();
  if (e.type === "message.customer") {
    return t("audit.wrote", { name: e.actor.name, excerpt }) + more + ignored;
  }
  if (e.type === "message.agent") return t("audit.replied", { name: x.actor, excerpt }) + more;
  return t("audit.automated", { excerpt }) + more;
}

/** One sentence per type; a `Record` over `AuditType`, so a listed type cannot lack its text. */
const LINES: Record<AuditType, (x: Ctx) => string> = {
  queued: ({ t }) => t("audit.queued"),
  offered: ({ t, d, agent }) => t("audit.offered", { agent: agent(d.agentId) }),
  accepted: ({ t, actor }) => t("audit.accepted", { actor }),
  offer_missed: ({ t, d, agent }) => t("audit.offerMissed", { agent: agent(d.agentId) }),
  offer_withdrawn: ({ t, d, agent }) => t("audit.offerWithdrawn", { agent: agent(d.agentId) }),
  deferred: ({ t, d, actor }) => t("audit.deferred", { actor, until: when(d.until) }),
  resumed: ({ t, d, actor }) =>
    t("audit.resumed", {
      actor,
      from: t(d.from === "completed" ? "audit.fromCompleted" : "audit.fromDeferred"),
    }),
  returned_from_deferred: ({ t, d, actor, agent }) =>
    t("audit.returned", {
      agent: agent(d.agentId) === "?" ? actor : agent(d.agentId),
      why: t(d.why === "customer_message" ? "audit.whyMessage" : "audit.whyTime"),
    }),
  requeued_from_deferred: ({ t, d }) =>
    t("audit.requeued", { why: t(d.why === "customer_message" ? "audit.whyMessage" : "audit.whyTime") }),
  transferred: ({ t, d, actor, agent, names, list, lang }) => {
    const to = (d.to ?? {}) as Record<string, unknown>;
    const targets = [
      str(to.agentId) ? agent(to.agentId) : null,
      str(to.teamId)
        ? t("audit.targetTeam", { name: names.team(to.teamId as string) ?? (to.teamId as string) })
        : null,
      strs(to.categories).length
        ? t("audit.targetCategories", { names: list(strs(to.categories), names.category) })
        : null,
      str(to.language)
        ? t("audit.targetLanguage", { name: languageName(to.language as string, lang) })
        : null,
    ].filter((x): x is string => x !== null);
    const comment = str(d.comment) ? ` ${t("audit.quote", { text: d.comment as string })}` : "";
    return t("audit.transferred", { actor, target: targets.join(t("audit.and")) || "?" }) +
      (d.forced ? t("audit.forced") : "") + comment;
  },
  completed: ({ t, d, actor, disposition }) => {
    if (d.by === "smart_closure") {
      const why = d.reason === "customer answered No"
        ? t("audit.answeredNo")
        : d.reason === "customer closed the conversation"
        ? t("audit.closedDuringClosing")
        : t("audit.noAnswer");
      return why + t("audit.autoCompleted") + disposition(d.disposition);
    }
    return t("audit.completed", { actor }) + disposition(d.disposition);
  },
  smart_closure_started: ({ t, d, actor, disposition }) =>
    t(d.waitForReply ? "audit.closingWaiting" : "audit.closingStarted", { actor }) +
    disposition(d.disposition),
  smart_closure_asked: ({ t }) => t("audit.closingAsked"),
  smart_closure_reopened: ({ t, d }) =>
    t(String(d.answer ?? "text") === "yes" ? "audit.reopenedYes" : "audit.reopenedText") +
    (d.requeued ? t("audit.reopenedRequeued") : ""),
  conversation_closed: ({ t }) => t("audit.conversationClosed"),
  idle: ({ t }) => t("audit.idle"),
  "thread.categorized": ({ t, d, actor, list, names }) =>
    t("audit.categorized", { actor, list: list(strs(d.categories), names.category) }),
  "thread.language_changed": ({ t, d, actor, lang }) =>
    t("audit.language", { actor, language: languageName(str(d.language) ?? "?", lang) }),
  "thread.lock": control("lock"),
  "thread.unlock": control("unlock"),
  "thread.ignore": control("ignore"),
  "thread.unignore": control("unignore"),
  "thread.mute": control("mute"),
  "thread.unmute": control("unmute"),
  "message.customer": message,
  "message.agent": message,
  "message.system": message,
  "message.anonymized": ({ t, d, actor }) => {
    const author = d.author === "customer" || d.author === "agent" || d.author === "system"
      ? d.author
      : "other";
    return t("audit.anonymized", { actor, author: t(`audit.authorOf.${author}`) });
  },
  "expert.asked": ({ t, d, actor, count }) => {
    const expert = str(d.expertName) ?? str(d.expertId) ?? "?";
    const shared = countOf(d.sharedMessages);
    const question = t("audit.quote", { text: clip(str(d.question) ?? "") });
    return t("audit.expertAsked", { actor, expert, question }) +
      (shared ? count("audit.shared", shared) : "");
  },
  "expert.answered": ({ t, d, e }) =>
    t("audit.expertAnswered", { expert: str(d.expertName) ?? e.actor.name }),
  "cobrowse.requested": ({ t, actor }) => t("audit.cobrowseRequested", { actor }),
  "cobrowse.accepted": ({ t }) => t("audit.cobrowseAccepted"),
  "cobrowse.declined": ({ t }) => t("audit.cobrowseDeclined"),
  "cobrowse.control_taken": ({ t, actor }) => t("audit.controlTaken", { actor }),
  "cobrowse.control_released": ({ t, actor }) => t("audit.controlReleased", { actor }),
  "cobrowse.control_revoked": ({ t }) => t("audit.controlRevoked"),
  "cobrowse.ended": ({ t, d, e, actor }) =>
    d.by === "customer" || (d.by === undefined && e.actor.type === "customer")
      ? t("audit.cobrowseEndedByCustomer")
      : t("audit.cobrowseEnded", { actor }),
};

/** The one-sentence summary of an audit entry, in `lang`. Never throws on odd details. */
export function auditSummary(e: AuditLike, names: AuditNames, lang: AuditLang = "en"): string {
  const t: Say = (key, vars) => translate(lang, key, vars);
  const d = e.details ?? {};
  const actor = e.actor.type === "agent"
    ? (e.actor.id ? names.agent(e.actor.id) : undefined) ?? e.actor.name
    : e.actor.type === "customer"
    ? t("audit.customer")
    : t("audit.system");
  const x: Ctx = {
    t,
    count: (key, n, vars) => t(`${key}.${n === 1 ? "one" : "other"}`, { ...vars, n }),
    e,
    d,
    actor,
    lang,
    names,
    agent: (id) => (str(id) ? names.agent(id as string) ?? (id as string) : "?"),
    list: (
      ids,
      name,
    ) => (ids.length ? ids.map((id) => name(id) ?? id).join(t("audit.and")) : t("audit.none")),
    disposition: (v) => {
      const id = str((v as { categoryId?: unknown } | null)?.categoryId);
      // The notes stay in `details` only: they can be long and personal.
      return id ? t("audit.disposition", { name: names.disposition(id) ?? id }) : "";
    },
    excerpt: () => t("audit.quote", { text: str(d.excerpt) ?? "" }),
  };
  if (isAuditType(e.type)) return LINES[e.type](x);
  return t("audit.generic", { actor, what: e.type.replace(/[._]/g, " ") });
}
