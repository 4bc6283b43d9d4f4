/**
 * Human-readable audit lines (SPEC A9): one sentence per audit entry, in English or French.
 * Pure: names come in through `AuditNames`, so the text follows the live configuration (an
 * entry keeps ids; a renamed disposition reads with its current name).
 */
import type { Actor } from "../actors/interaction.ts";

export type AuditLang = "en" | "fr";
export const AUDIT_LANGS: readonly AuditLang[] = ["en", "fr"];

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
  thread: Record<string, (actor: string) => string>;
  categorized: (actor: string, list: string) => string;
  language: (actor: string, lang: string) => string;
  wrote: (name: string, excerpt: string) => string;
  replied: (name: string, excerpt: string) => string;
  automated: (excerpt: string) => string;
  privateNote: (name: string) => string;
  ignoredMessage: string;
  generic: (actor: string, what: string) => string;
};

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
  generic: (a, w) => `${a} : ${w}`,
};

const TEXTS: Record<AuditLang, Texts> = { en: EN, fr: FR };

const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);
const strs = (
  v: unknown,
): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

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

/** The one-sentence summary of an audit entry, in `lang`. Never throws on odd details. */
export function auditSummary(e: AuditLike, names: AuditNames, lang: AuditLang = "en"): string {
  const t = TEXTS[lang];
  const d = e.details ?? {};
  const actor = e.actor.type === "agent"
    ? (e.actor.id ? names.agent(e.actor.id) : undefined) ?? e.actor.name
    : e.actor.type === "customer"
    ? t.customer
    : t.system;
  const agent = (id: unknown) => (str(id) ? names.agent(id as string) ?? (id as string) : "?");
  const list = (ids: string[], name: (id: string) => string | undefined) =>
    ids.length ? ids.map((id) => name(id) ?? id).join(t.and) : t.none;
  const disposition = (v: unknown) => {
    const id = str((v as { categoryId?: unknown } | null)?.categoryId);
    return id ? t.disposition(names.disposition(id) ?? id) : "";
  };
  const excerpt = () => t.quote(str(d.excerpt) ?? "");

  switch (e.type) {
    case "queued":
      return t.queued;
    case "offered":
      return t.offered(agent(d.agentId));
    case "accepted":
      return t.accepted(actor);
    case "offer_missed":
      return t.offerMissed(agent(d.agentId));
    case "deferred":
      return t.deferred(actor, when(d.until));
    case "resumed":
      return t.resumed(actor, d.from === "completed" ? t.fromCompleted : t.fromDeferred);
    case "returned_from_deferred":
      return t.returned(
        agent(d.agentId) === "?" ? actor : agent(d.agentId),
        d.why === "customer_message" ? t.whyMessage : t.whyTime,
      );
    case "requeued_from_deferred":
      return t.requeued(d.why === "customer_message" ? t.whyMessage : t.whyTime);
    case "transferred": {
      const to = (d.to ?? {}) as Record<string, unknown>;
      const targets = [
        str(to.agentId) ? t.targetAgent(agent(to.agentId)) : null,
        str(to.teamId) ? t.targetTeam(names.team(to.teamId as string) ?? (to.teamId as string)) : null,
        strs(to.categories).length ? t.targetCategories(list(strs(to.categories), names.category)) : null,
        str(to.language) ? t.targetLanguage(languageName(to.language as string, lang)) : null,
      ].filter((x): x is string => x !== null);
      const comment = str(d.comment) ? ` ${t.quote(d.comment as string)}` : "";
      return t.transferred(actor, targets.join(t.and) || "?") + (d.forced ? t.forced : "") + comment;
    }
    case "completed": {
      if (d.by === "smart_closure") {
        const why = d.reason === "customer answered No"
          ? t.answeredNo
          : d.reason === "customer closed the conversation"
          ? t.closedDuringClosing
          : t.noAnswer;
        return why + t.autoCompleted + disposition(d.disposition);
      }
      return t.completed(actor) + disposition(d.disposition);
    }
    case "smart_closure_started":
      return `${actor} ${d.waitForReply ? t.closingWaiting : t.closingStarted}${disposition(d.disposition)}`;
    case "smart_closure_asked":
      return t.closingAsked;
    case "smart_closure_reopened":
      return t.reopened(String(d.answer ?? "text")) + (d.requeued ? t.reopenedRequeued : "");
    case "conversation_closed":
      return t.conversationClosed;
    case "idle":
      return t.idle;
    case "thread.categorized":
      return t.categorized(actor, list(strs(d.categories), names.category));
    case "thread.language_changed":
      return t.language(actor, languageName(str(d.language) ?? "?", lang));
    case "message.customer":
    case "message.agent":
    case "message.system": {
      const ignored = d.status === "ignored" ? t.ignoredMessage : "";
      if (d.private) return t.privateNote(e.actor.name);
      if (e.type === "message.customer") return t.wrote(e.actor.name, excerpt()) + ignored;
      if (e.type === "message.agent") return t.replied(actor, excerpt());
      return t.automated(excerpt());
    }
    default: {
      const control = e.type.startsWith("thread.") ? t.thread[e.type.slice(7)] : undefined;
      if (control) return control(actor);
      return t.generic(actor, e.type.replace(/[._]/g, " "));
    }
  }
}
