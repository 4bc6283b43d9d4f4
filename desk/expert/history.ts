/**
 * The history an agent may share with an expert (SPEC A14), as pure functions: the last 20
 * messages (customer messages only when no agent replied), names replaced by "Customer" /
 * "Agent" ("Client" / "Agent" in French), structured messages copied partially, attachments
 * listed by name (the caller adds their signed links).
 */
import type { Message } from "../../actors/thread.ts";
import { plainText } from "../assistant/pairs.ts";

export const HISTORY_MESSAGES = 20;
/** Send is refused while the shared history is longer than this (characters, lines joined by newlines). */
export const MAX_HISTORY_CHARS = 1_500;
export const MAX_QUESTION_CHARS = 300;
/** Attachment links in a shared history stay valid one week. */
export const EXPERT_LINK_TTL_MS = 7 * 86400_000;

export type HistoryLang = "en" | "fr";
export const LABELS: Record<HistoryLang, Record<Message["author"]["type"], string>> = {
  en: { customer: "Customer", agent: "Agent", system: "System" },
  fr: { customer: "Client", agent: "Agent", system: "Système" },
};

export type HistoryLine = {
  messageId: string;
  author: Message["author"]["type"];
  label: string;
  text: string;
  at: string;
  attachments: { index: number; name: string; contentType: string }[];
};

/**
 * The shareable messages, oldest first: private notes never; system messages only alongside
 * agent replies; when no agent replied, customer messages only. At most the last 20.
 */
export function historyWindow(messages: readonly Message[]): Message[] {
  const visible = messages.filter((m) => !m.private);
  const agentReplied = visible.some((m) => m.author.type === "agent");
  const pool = agentReplied ? visible : visible.filter((m) => m.author.type === "customer");
  return pool.slice(-HISTORY_MESSAGES);
}

const str = (x: unknown) => (typeof x === "string" ? x.trim() : "");

/**
 * What a structured message contributes: quick replies their body only (never the options), a
 * quick-reply answer its label, a rich link its URL only, a template its title only, a carousel
 * the title of its first item.
 */
export function structuredText(s: Record<string, unknown> | null, body: string): string {
  if (!s) return "";
  switch (s.type) {
    case "quick_replies":
      return body ? "" : str(s.body) || str(s.text);
    case "quick_reply_answer":
      return body ? "" : str(s.label) || str(s.payload);
    case "rich_link":
      return str(s.url);
    case "template":
      return str(s.title) || str(s.name);
    case "carousel": {
      const first = Array.isArray(s.items) ? s.items[0] : null;
      return first && typeof first === "object" ? str((first as Record<string, unknown>).title) : "";
    }
    default:
      return "";
  }
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Replaces each name (and its words of 3+ letters) in `text` by its label, whole words only. */
export function replaceNames(text: string, names: { name: string; label: string }[]): string {
  const pairs: { word: string; label: string }[] = [];
  for (const { name, label } of names) {
    const full = name.trim();
    if (!full) continue;
    pairs.push({ word: full, label });
    for (const w of full.split(/\s+/)) if (w.length >= 3 && w !== full) pairs.push({ word: w, label });
  }
  // Longest first, so "Jeanne Dupont" becomes one label rather than two.
  pairs.sort((a, b) => b.word.length - a.word.length);
  let out = text;
  for (const { word, label } of pairs) {
    out = out.replace(new RegExp(`(?<![\\p{L}\\p{N}])${escapeRe(word)}(?![\\p{L}\\p{N}])`, "giu"), label);
  }
  return out;
}

/** The lines of a shared history, names replaced in authors and in text. */
export function historyLines(
  window: readonly Message[],
  o: { lang: HistoryLang; customerName: string },
): HistoryLine[] {
  const labels = LABELS[o.lang];
  const names = [{ name: o.customerName, label: labels.customer }];
  for (const m of window) {
    if (m.author.type !== "system" && m.author.name) {
      names.push({ name: m.author.name, label: labels[m.author.type] });
    }
  }
  return window.map((m) => {
    // An anonymised message already holds only the placeholder (desk/anonymize.ts).
    const body = plainText(m);
    const text = [body, structuredText(m.structured, body)].filter(Boolean).join(" ");
    return {
      messageId: m.id,
      author: m.author.type,
      label: labels[m.author.type],
      text: replaceNames(text, names),
      at: m.createdAt,
      attachments: m.attachments.map((a, index) => ({ index, name: a.name, contentType: a.contentType })),
    };
  });
}

/** One line as the expert reads it (and as the 1,500-character limit counts it). */
export const lineAsText = (l: HistoryLine) =>
  `${l.label}: ${[l.text, ...l.attachments.map((a) => `[${a.name}]`)].filter(Boolean).join(" ")}`;

/** The length of a history: its lines joined by newlines. */
export const historyLength = (lines: readonly HistoryLine[]) =>
  lines.reduce((n, l, i) => n + lineAsText(l).length + (i ? 1 : 0), 0);
