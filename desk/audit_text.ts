/**
 * Human-readable audit lines (SPEC A9): one sentence per audit entry, in English or French.
 * Pure: names come in through `AuditNames`, so the text follows the live configuration (an
 * entry keeps ids; a renamed disposition reads with its current name).
 *
 * `AUDIT_TYPES` lists every type the desk writes; `audit_text_test.ts` scans desk/ and actors/
 * for the types actually written, so a new type without a sentence here fails the tests.
 */
import type { Actor } from "../actors/interaction.ts";

export type AuditLang = "en" | "fr";
export const AUDIT_LANGS: readonly AuditLang[] = ["en", "fr"];

/** Every audit entry type written by the desk (interaction decisions, threads, messages, extensions). */
export const AUDIT_TYPES = [
  "queued",
  "offered",
  "accepted",
  "offer_missed",
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

type Texts = {
  customer: string;
  system: string;
  quote: (s: string) => string;
  and: string;
  none: string;
  queued: string;
  offered: (agent: string) => string;
  accepted: (actor: string) => string;
  offerMissed: (agent: string) => string;
  deferred: (actor: string, until: string) => string;
  resumed: (actor: string, from: string) => string;
  fromDeferred: string;
  fromCompleted: string;
  returned: (agent: string, why: string) => string;
  requeued: (why: string) => string;
  whyMessage: string;
  whyTime: string;
  transferred: (actor: string, target: string) => string;
  forced: string;
  targetAgent: (n: string) => string;
  targetTeam: (n: string) => string;
  targetCategories: (n: string) => string;
  targetLanguage: (n: string) => string;
  completed: (actor: string) => string;
  disposition: (name: string) => string;
  answeredNo: string;
  noAnswer: string;
  closedDuringClosing: string;
  autoCompleted: string;
  closingStarted: string;
  closingWaiting: string;
  closingAsked: string;
  reopened: (answer: string) => string;
  reopenedRequeued: string;
  conversationClosed: string;
  idle: string;
  thread: Record<"lock" | "unlock" | "ignore" | "unignore" | "mute" | "unmute", (actor: string) => string>;
  categorized: (actor: string, list: string) => string;
  language: (actor: string, lang: string) => string;
  wrote: (name: string, excerpt: string) => string;
  replied: (name: string, excerpt: string) => string;
  automated: (excerpt: string) => string;
  privateNote: (name: string) => string;
  ignoredMessage: string;
  files: (n: number) => string;
  sentFiles: (name: string, n: number) => string;
  sentNoText: (name: string) => string;
  anonymized: (actor: string, author: string) => string;
  authorOf: Record<"customer" | "agent" | "system" | "other", string>;
  expertAsked: (actor: string, expert: string, question: string) => string;
  shared: (n: number) => string;
  expertAnswered: (expert: string) => string;
  cobrowseRequested: (actor: string) => string;
  cobrowseAccepted: string;
  cobrowseDeclined: string;
  controlTaken: (actor: string) => string;
  controlReleased: (actor: string) => string;
  controlRevoked: string;
  cobrowseEnded: (actor: string) => string;
  cobrowseEndedByCustomer: string;
  generic: (actor: string, what: string) => string;
};

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

const EN: Texts = {
  customer: "The customer",
  system: "The system",
  quote: (s) => `“${s}”`,
  and: ", ",
  none: "none",
  queued: "Interaction created and waiting in the queue",
  offered: (a) => `Offered to ${a}`,
  accepted: (a) => `${a} accepted the interaction`,
  offerMissed: (a) => `${a} did not accept in time: the offer was withdrawn`,
  deferred: (a, u) => `${a} deferred the interaction until ${u}`,
  resumed: (a, f) => `${a} resumed the interaction from ${f}`,
  fromDeferred: "Deferred",
  fromCompleted: "History (completed)",
  returned: (a, w) => `Returned from Deferred to ${a} ${w}`,
  requeued: (w) => `Returned from Deferred to the queue ${w} (the agent was not available)`,
  whyMessage: "after a new customer message",
  whyTime: "at the end of the deferral",
  transferred: (a, t) => `${a} transferred the interaction to ${t}`,
  forced: " (forced assignment)",
  targetAgent: (n) => n,
  targetTeam: (n) => `team ${n}`,
  targetCategories: (n) => `categories ${n}`,
  targetLanguage: (n) => `language ${n}`,
  completed: (a) => `${a} completed the interaction`,
  disposition: (n) => ` (disposition: ${n})`,
  answeredNo: "The customer answered No",
  noAnswer: "No answer in time",
  closedDuringClosing: "The customer closed the conversation",
  autoCompleted: ": completed automatically",
  closingStarted: "completed the interaction: smart closure question sent, waiting for the answer",
  closingWaiting: "completed the interaction: smart closure waits for the customer before asking",
  closingAsked: "No message from the customer: smart closure question sent",
  reopened: (answer) =>
    answer === "yes"
      ? "The customer answered Yes: details asked, the interaction is active again"
      : "The customer wrote again: the interaction is active again",
  reopenedRequeued: " (back in the queue: the agent was not available)",
  conversationClosed: "The customer closed the conversation",
  idle: "No activity for the idle time: the agent was prompted",
  thread: {
    lock: (a) => `${a} locked the thread`,
    unlock: (a) => `${a} unlocked the thread`,
    ignore: (a) => `${a} ignored the thread: future messages are ignored`,
    unignore: (a) => `${a} stopped ignoring the thread`,
    mute: (a) => `${a} muted the thread`,
    unmute: (a) => `${a} unmuted the thread`,
  },
  categorized: (a, l) => `${a} set the thread's categories: ${l}`,
  language: (a, l) => `${a} changed the thread's language to ${l}`,
  wrote: (n, e) => `${n} wrote: ${e}`,
  replied: (n, e) => `${n} replied: ${e}`,
  automated: (e) => `Automated message: ${e}`,
  privateNote: (n) => `${n} added a private note`,
  ignoredMessage: " (ignored)",
  files: (n) => ` (+${plural(n, "file", "files")})`,
  sentFiles: (name, n) => `${name} sent ${plural(n, "file", "files")}`,
  sentNoText: (name) => `${name} sent a message without text`,
  anonymized: (a, author) => `${a} anonymized ${author}: its content was removed everywhere`,
  authorOf: {
    customer: "a customer message",
    agent: "an agent reply",
    system: "an automated message",
    other: "a message",
  },
  expertAsked: (a, x, q) => `${a} asked the expert ${x}: ${q}`,
  shared: (n) => ` (${plural(n, "message", "messages")} shared)`,
  expertAnswered: (x) => `The expert ${x} answered: private note added to the thread`,
  cobrowseRequested: (a) => `${a} asked the customer to share their screen (co-browsing)`,
  cobrowseAccepted: "The customer accepted co-browsing: the agent sees their page",
  cobrowseDeclined: "The customer declined co-browsing",
  controlTaken: (a) => `${a} took control of the customer's page`,
  controlReleased: (a) => `${a} gave control of the page back to the customer`,
  controlRevoked: "The customer took back control of their page",
  cobrowseEnded: (a) => `${a} ended co-browsing`,
  cobrowseEndedByCustomer: "The customer ended co-browsing",
  generic: (a, w) => `${a}: ${w}`,
};

const FR: Texts = {
  customer: "Le client",
  system: "Le système",
  quote: (s) => `« ${s} »`,
  and: ", ",
  none: "aucune",
  queued: "Interaction créée, en attente dans la file",
  offered: (a) => `Proposée à ${a}`,
  accepted: (a) => `${a} a accepté l'interaction`,
  offerMissed: (a) => `${a} n'a pas accepté à temps : la proposition a été retirée`,
  deferred: (a, u) => `${a} a différé l'interaction jusqu'au ${u}`,
  resumed: (a, f) => `${a} a repris l'interaction depuis ${f}`,
  fromDeferred: "Différé",
  fromCompleted: "Historique (terminée)",
  returned: (a, w) => `Revenue de Différé chez ${a} ${w}`,
  requeued: (w) => `Revenue de Différé dans la file ${w} (l'agent n'était pas disponible)`,
  whyMessage: "après un nouveau message du client",
  whyTime: "à la fin du report",
  transferred: (a, t) => `${a} a transféré l'interaction à ${t}`,
  forced: " (affectation forcée)",
  targetAgent: (n) => n,
  targetTeam: (n) => `l'équipe ${n}`,
  targetCategories: (n) => `les catégories ${n}`,
  targetLanguage: (n) => `la langue ${n}`,
  completed: (a) => `${a} a terminé l'interaction`,
  disposition: (n) => ` (qualification : ${n})`,
  answeredNo: "Le client a répondu Non",
  noAnswer: "Pas de réponse à temps",
  closedDuringClosing: "Le client a fermé la conversation",
  autoCompleted: " : terminée automatiquement",
  closingStarted: "a terminé l'interaction : question de clôture envoyée, en attente de la réponse",
  closingWaiting: "a terminé l'interaction : la clôture attend d'abord un message du client",
  closingAsked: "Aucun message du client : question de clôture envoyée",
  reopened: (answer) =>
    answer === "yes"
      ? "Le client a répondu Oui : précisions demandées, l'interaction est de nouveau active"
      : "Le client a de nouveau écrit : l'interaction est de nouveau active",
  reopenedRequeued: " (retour dans la file : l'agent n'était pas disponible)",
  conversationClosed: "Le client a fermé la conversation",
  idle: "Aucune activité pendant le délai d'inactivité : l'agent a été relancé",
  thread: {
    lock: (a) => `${a} a verrouillé le fil`,
    unlock: (a) => `${a} a déverrouillé le fil`,
    ignore: (a) => `${a} a ignoré le fil : les prochains messages sont ignorés`,
    unignore: (a) => `${a} ne fait plus ignorer le fil`,
    mute: (a) => `${a} a coupé le son du fil`,
    unmute: (a) => `${a} a rétabli le son du fil`,
  },
  categorized: (a, l) => `${a} a défini les catégories du fil : ${l}`,
  language: (a, l) => `${a} a changé la langue du fil en ${l}`,
  wrote: (n, e) => `${n} a écrit : ${e}`,
  replied: (n, e) => `${n} a répondu : ${e}`,
  automated: (e) => `Message automatique : ${e}`,
  privateNote: (n) => `${n} a ajouté une note privée`,
  ignoredMessage: " (ignoré)",
  files: (n) => ` (+${plural(n, "fichier", "fichiers")})`,
  sentFiles: (name, n) => `${name} a envoyé ${plural(n, "fichier", "fichiers")}`,
  sentNoText: (name) => `${name} a envoyé un message sans texte`,
  anonymized: (a, author) => `${a} a anonymisé ${author} : son contenu a été effacé partout`,
  authorOf: {
    customer: "un message du client",
    agent: "une réponse d'agent",
    system: "un message automatique",
    other: "un message",
  },
  expertAsked: (a, x, q) => `${a} a posé une question à l'expert ${x} : ${q}`,
  shared: (n) => ` (${plural(n, "message partagé", "messages partagés")})`,
  expertAnswered: (x) => `L'expert ${x} a répondu : note privée ajoutée au fil`,
  cobrowseRequested: (a) => `${a} a demandé au client de partager son écran (co-navigation)`,
  cobrowseAccepted: "Le client a accepté la co-navigation : l'agent voit sa page",
  cobrowseDeclined: "Le client a refusé la co-navigation",
  controlTaken: (a) => `${a} a pris le contrôle de la page du client`,
  controlReleased: (a) => `${a} a rendu le contrôle de la page au client`,
  controlRevoked: "Le client a repris le contrôle de sa page",
  cobrowseEnded: (a) => `${a} a mis fin à la co-navigation`,
  cobrowseEndedByCustomer: "Le client a mis fin à la co-navigation",
  generic: (a, w) => `${a} : ${w}`,
};

const TEXTS: Record<AuditLang, Texts> = { en: EN, fr: FR };

const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);
const strs = (
  v: unknown,
): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
const count = (v: unknown): number => (typeof v === "number" && v > 0 ? Math.floor(v) : 0);
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
  t: Texts;
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

const control = (c: keyof Texts["thread"]) => (x: Ctx) => x.t.thread[c](x.actor);

function message(x: Ctx): string {
  const { t, d, e } = x;
  if (d.private) return t.privateNote(e.actor.name);
  const ignored = d.status === "ignored" ? t.ignoredMessage : "";
  const files = count(d.files);
  const text = str(d.excerpt);
  // An upload or a structured answer may carry no text at all.
  if (!text && e.type !== "message.system") {
    const who = e.type === "message.agent" ? x.actor : e.actor.name;
    return (files ? t.sentFiles(who, files) : t.sentNoText(who)) + ignored;
  }
  const more = files ? t.files(files) : "";
  if (e.type === "message.customer") return t.wrote(e.actor.name, x.excerpt()) + more + ignored;
  if (e.type === "message.agent") return t.replied(x.actor, x.excerpt()) + more;
  return t.automated(x.excerpt()) + more;
}

/** One sentence per type; a `Record` over `AuditType`, so a listed type cannot lack its text. */
const LINES: Record<AuditType, (x: Ctx) => string> = {
  queued: ({ t }) => t.queued,
  offered: ({ t, d, agent }) => t.offered(agent(d.agentId)),
  accepted: ({ t, actor }) => t.accepted(actor),
  offer_missed: ({ t, d, agent }) => t.offerMissed(agent(d.agentId)),
  deferred: ({ t, d, actor }) => t.deferred(actor, when(d.until)),
  resumed: ({ t, d, actor }) => t.resumed(actor, d.from === "completed" ? t.fromCompleted : t.fromDeferred),
  returned_from_deferred: ({ t, d, actor, agent }) =>
    t.returned(
      agent(d.agentId) === "?" ? actor : agent(d.agentId),
      d.why === "customer_message" ? t.whyMessage : t.whyTime,
    ),
  requeued_from_deferred: ({ t, d }) => t.requeued(d.why === "customer_message" ? t.whyMessage : t.whyTime),
  transferred: ({ t, d, actor, agent, names, list, lang }) => {
    const to = (d.to ?? {}) as Record<string, unknown>;
    const targets = [
      str(to.agentId) ? t.targetAgent(agent(to.agentId)) : null,
      str(to.teamId) ? t.targetTeam(names.team(to.teamId as string) ?? (to.teamId as string)) : null,
      strs(to.categories).length ? t.targetCategories(list(strs(to.categories), names.category)) : null,
      str(to.language) ? t.targetLanguage(languageName(to.language as string, lang)) : null,
    ].filter((x): x is string => x !== null);
    const comment = str(d.comment) ? ` ${t.quote(d.comment as string)}` : "";
    return t.transferred(actor, targets.join(t.and) || "?") + (d.forced ? t.forced : "") + comment;
  },
  completed: ({ t, d, actor, disposition }) => {
    if (d.by === "smart_closure") {
      const why = d.reason === "customer answered No"
        ? t.answeredNo
        : d.reason === "customer closed the conversation"
        ? t.closedDuringClosing
        : t.noAnswer;
      return why + t.autoCompleted + disposition(d.disposition);
    }
    return t.completed(actor) + disposition(d.disposition);
  },
  smart_closure_started: ({ t, d, actor, disposition }) =>
    `${actor} ${d.waitForReply ? t.closingWaiting : t.closingStarted}${disposition(d.disposition)}`,
  smart_closure_asked: ({ t }) => t.closingAsked,
  smart_closure_reopened: ({ t, d }) =>
    t.reopened(String(d.answer ?? "text")) + (d.requeued ? t.reopenedRequeued : ""),
  conversation_closed: ({ t }) => t.conversationClosed,
  idle: ({ t }) => t.idle,
  "thread.categorized": ({ t, d, actor, list, names }) =>
    t.categorized(actor, list(strs(d.categories), names.category)),
  "thread.language_changed": ({ t, d, actor, lang }) =>
    t.language(actor, languageName(str(d.language) ?? "?", lang)),
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
    return t.anonymized(actor, t.authorOf[author]);
  },
  "expert.asked": ({ t, d, actor }) => {
    const expert = str(d.expertName) ?? str(d.expertId) ?? "?";
    const shared = count(d.sharedMessages);
    return t.expertAsked(actor, expert, t.quote(clip(str(d.question) ?? ""))) +
      (shared ? t.shared(shared) : "");
  },
  "expert.answered": ({ t, d, e }) => t.expertAnswered(str(d.expertName) ?? e.actor.name),
  "cobrowse.requested": ({ t, actor }) => t.cobrowseRequested(actor),
  "cobrowse.accepted": ({ t }) => t.cobrowseAccepted,
  "cobrowse.declined": ({ t }) => t.cobrowseDeclined,
  "cobrowse.control_taken": ({ t, actor }) => t.controlTaken(actor),
  "cobrowse.control_released": ({ t, actor }) => t.controlReleased(actor),
  "cobrowse.control_revoked": ({ t }) => t.controlRevoked,
  "cobrowse.ended": ({ t, d, e, actor }) =>
    d.by === "customer" || (d.by === undefined && e.actor.type === "customer")
      ? t.cobrowseEndedByCustomer
      : t.cobrowseEnded(actor),
};

/** The one-sentence summary of an audit entry, in `lang`. Never throws on odd details. */
export function auditSummary(e: AuditLike, names: AuditNames, lang: AuditLang = "en"): string {
  const t = TEXTS[lang];
  const d = e.details ?? {};
  const actor = e.actor.type === "agent"
    ? (e.actor.id ? names.agent(e.actor.id) : undefined) ?? e.actor.name
    : e.actor.type === "customer"
    ? t.customer
    : t.system;
  const x: Ctx = {
    t,
    e,
    d,
    actor,
    lang,
    names,
    agent: (id) => (str(id) ? names.agent(id as string) ?? (id as string) : "?"),
    list: (ids, name) => (ids.length ? ids.map((id) => name(id) ?? id).join(t.and) : t.none),
    disposition: (v) => {
      const id = str((v as { categoryId?: unknown } | null)?.categoryId);
      // The notes stay in `details` only: they can be long and personal.
      return id ? t.disposition(names.disposition(id) ?? id) : "";
    },
    excerpt: () => t.quote(str(d.excerpt) ?? ""),
  };
  if (isAuditType(e.type)) return LINES[e.type](x);
  return t.generic(actor, e.type.replace(/[._]/g, " "));
}
