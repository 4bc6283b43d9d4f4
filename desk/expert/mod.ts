/**
 * Ask an expert (SPEC A14): the question (≤ 300 characters) and the history lines the agent kept
 * (≤ 1,500 characters, from the shareable window only) go to the expert's webhook through the
 * outbox, signed with the expert's secret. The expert answers through a signed webhook; the
 * answer lands in the thread as a private note that only agents see.
 */
import { newId, read, transact, type Tx } from "../../lib/server/actor.ts";
import { Conflict, Invalid, NotFound, Unauthorized } from "../../lib/shared/errors.ts";
import { keys } from "../../lib/server/keys.ts";
import { signLink, verifyLink } from "../../lib/server/signed_links.ts";
import { iso } from "../../lib/shared/time.ts";
import type { AgentState } from "../../actors/agent.ts";
import type { InteractionState } from "../../actors/interaction.ts";
import type { Message, ThreadState } from "../../actors/thread.ts";
import { actorOf, requirePermission } from "../access.ts";
import { loadVisible } from "../actions.ts";
import type { Desk } from "../desk.ts";
import { joinParts } from "../message_parts.ts";
import { postOutgoing } from "../messages.ts";
import { stageDelivery } from "../outbox.ts";
import { writeAudit } from "../persist.ts";
import { appSecret } from "../secrets.ts";
import {
  EXPERT_LINK_TTL_MS,
  type HistoryLang,
  historyLength,
  type HistoryLine,
  historyLines,
  historyWindow,
  lineAsText,
  MAX_HISTORY_CHARS,
  MAX_QUESTION_CHARS,
} from "./history.ts";
import { freshBlobLink } from "../uploads.ts";

export type ExpertQuestion = {
  id: string;
  expertId: string;
  threadId: string;
  interactionId: string;
  agentId: string;
  question: string;
  /** The shared messages (ids only: their text lives in the thread, where anonymisation reaches it). */
  messageIds: string[];
  askedAt: string;
  answers: number;
};

/** Messages read to find the shareable window (it holds at most 20). */
const WINDOW_SCAN = 200;

async function lastMessages(desk: Desk, threadId: string): Promise<Message[]> {
  const out: Message[] = [];
  for await (
    const e of desk.kv.list<Message>({ prefix: keys.messages(threadId) }, {
      limit: WINDOW_SCAN,
      reverse: true,
    })
  ) {
    out.push(e.value);
  }
  // The expert's history copies structured messages in part: they are read whole first.
  return await joinParts(desk.kv, out.reverse());
}

export const attachmentLinkPath = (threadId: string, messageId: string, index: number) =>
  `/api/v1/expert-links/${encodeURIComponent(threadId)}/${encodeURIComponent(messageId)}/${index}`;

/** The history lines with signed attachment links (absolute when `origin` is given), valid a week. */
async function withLinks(desk: Desk, threadId: string, lines: HistoryLine[], origin: string) {
  const secret = await appSecret(desk.kv, "links");
  const until = desk.ctx.now() + EXPERT_LINK_TTL_MS;
  return await Promise.all(lines.map(async (l) => ({
    ...l,
    attachments: await Promise.all(l.attachments.map(async (a) => ({
      ...a,
      url: origin + await signLink(secret, attachmentLinkPath(threadId, l.messageId, a.index), until),
    }))),
  })));
}

function loadExpert(desk: Desk, expertId: string) {
  const e = desk.config.experts.find((x) => x.id === expertId);
  if (!e) {
    throw new Invalid(
      "Unknown expert.",
      [{ path: "expertId", message: `unknown expert "${expertId}"` }],
      "unknown_expert",
    );
  }
  return e;
}

async function loadContext(tx: Tx, desk: Desk, agent: AgentState, interactionId: string) {
  const s = await loadVisible(tx, desk, agent, interactionId);
  const thread = await tx.get<ThreadState>(keys.thread(s.threadId));
  if (!thread) throw new NotFound("Unknown thread.", "unknown_thread");
  return { s, thread };
}

export const historyLangOf = (
  lang: string | null | undefined,
): HistoryLang => (lang?.startsWith("fr") ? "fr" : "en");

/** The expert directory and the history the agent may share, before asking. */
export async function expertDraft(
  desk: Desk,
  agent: AgentState,
  interactionId: string,
  lang?: HistoryLang,
  origin = "",
) {
  requirePermission(desk.ctx, agent, "ask_expert");
  const { s, thread } = await read(desk.kv, (tx) => loadContext(tx, desk, agent, interactionId));
  const language = lang ?? historyLangOf(thread.language ?? s.language);
  const lines = historyLines(historyWindow(await lastMessages(desk, thread.id)), {
    lang: language,
    customerName: thread.identity.name,
  });
  return {
    experts: desk.config.experts.map(({ id, name }) => ({ id, name })),
    lang: language,
    history: (await withLinks(desk, thread.id, lines, origin)).map((l) => ({ ...l, line: lineAsText(l) })),
    length: historyLength(lines),
    maxHistoryChars: MAX_HISTORY_CHARS,
    maxQuestionChars: MAX_QUESTION_CHARS,
  };
}

export type AskInput = { expertId: string; question: string; lang?: HistoryLang; messageIds?: string[] };

/** Checks the question and the kept lines; throws 400 listing what is wrong, before anything is written. */
function checkAsk(input: AskInput, lines: HistoryLine[]): HistoryLine[] {
  const bad: { path: string; message: string }[] = [];
  const question = input.question.trim();
  if (!question) bad.push({ path: "question", message: "must not be empty" });
  if (question.length > MAX_QUESTION_CHARS) {
    bad.push({
      path: "question",
      message: `at most ${MAX_QUESTION_CHARS} characters (got ${question.length})`,
    });
  }
  const byId = new Map(lines.map((l) => [l.messageId, l]));
  const ids = [...new Set(input.messageIds ?? [])];
  ids.forEach((id, i) =>
    !byId.has(id) && bad.push({ path: `messageIds.${i}`, message: "not in the shareable history" })
  );
  const kept = lines.filter((l) => ids.includes(l.messageId));
  const length = historyLength(kept);
  if (length > MAX_HISTORY_CHARS) {
    bad.push({
      path: "messageIds",
      message: `the history is ${length} characters; at most ${MAX_HISTORY_CHARS}: remove lines`,
    });
  }
  if (bad.length) {
    const code = bad.some((b) => b.path === "messageIds" && b.message.startsWith("the history"))
      ? "history_too_long"
      : "invalid_input";
    throw new Invalid(
      bad.length === 1 ? `Invalid question: ${bad[0].path} ${bad[0].message}.` : "Invalid question.",
      bad,
      code,
    );
  }
  return kept;
}

/** Sends a question to an expert (through the outbox). Returns the stored question. */
export async function askExpert(
  desk: Desk,
  agent: AgentState,
  interactionId: string,
  input: AskInput,
  origin = "",
) {
  requirePermission(desk.ctx, agent, "ask_expert");
  const expert = loadExpert(desk, input.expertId);
  // Links are signed before the transaction (signing is slow-ish and the body may retry).
  const pre = await read(desk.kv, (tx) => loadContext(tx, desk, agent, interactionId));
  const lang = input.lang ?? historyLangOf(pre.thread.language ?? pre.s.language);
  return await transact(desk.kv, async (tx) => {
    const { s, thread } = await loadContext(tx, desk, agent, interactionId);
    const lines = historyLines(historyWindow(await lastMessages(desk, thread.id)), {
      lang,
      customerName: thread.identity.name,
    });
    const kept = await withLinks(desk, thread.id, checkAsk(input, lines), origin);
    const q: ExpertQuestion = {
      id: newId(),
      expertId: expert.id,
      threadId: thread.id,
      interactionId: s.id,
      agentId: agent.id,
      question: input.question.trim(),
      messageIds: kept.map((l) => l.messageId),
      askedAt: iso(desk.ctx.now()),
      answers: 0,
    };
    tx.set(keys.expertQuestion(q.id), q);
    stageDelivery(tx, desk.ctx, {
      signer: { type: "expert", id: expert.id },
      url: expert.webhookUrl,
      payload: {
        type: "expert.question",
        id: q.id,
        expert: { id: expert.id, name: expert.name },
        question: q.question,
        language: lang,
        history: kept.map((l) => ({
          messageId: l.messageId,
          author: l.author,
          label: l.label,
          text: l.text,
          at: l.at,
          attachments: l.attachments,
        })),
        historyText: kept.map(lineAsText).join("\n"),
        answer: {
          url: `${origin}/api/v1/experts/${encodeURIComponent(expert.id)}/answers`,
          questionId: q.id,
        },
        askedAt: q.askedAt,
      },
    });
    writeAudit(tx, desk.ctx, {
      threadId: thread.id,
      interactionId: s.id,
      actor: actorOf(agent),
      type: "expert.asked",
      details: {
        questionId: q.id,
        expertId: expert.id,
        expertName: expert.name,
        question: q.question,
        sharedMessages: q.messageIds.length,
      },
    });
    return q;
  });
}

export type AnswerInput = { id: string; questionId: string; body: string; format?: "text" | "html" };

/**
 * Stores an expert's answer as a private note on the question's thread (idempotent on the
 * expert's answer `id`). The signature was checked by the caller.
 */
export async function receiveExpertAnswer(desk: Desk, expertId: string, a: AnswerInput) {
  const expert = desk.config.experts.find((x) => x.id === expertId)!;
  return await transact(desk.kv, async (tx) => {
    const seen = await tx.get<{ messageId: string }>(keys.expertAnswer(expertId, a.id));
    if (seen) return { messageId: seen.messageId, duplicate: true };
    const q = await tx.get<ExpertQuestion>(keys.expertQuestion(a.questionId));
    if (!q || q.expertId !== expertId) throw new NotFound("Unknown question.", "unknown_question");
    const thread = await tx.get<ThreadState>(keys.thread(q.threadId));
    if (!thread) throw new NotFound("Unknown question.", "unknown_question");
    // The note joins the thread's open interaction, else the one the question was asked on.
    const s = await tx.get<InteractionState>(keys.interaction(thread.openInteractionId ?? q.interactionId));
    if (!s) throw new Conflict("The question's interaction is gone.", "unknown_interaction");
    const m = await postOutgoing(tx, desk.ctx, s, {
      author: { type: "system", id: `expert:${expert.id}`, name: expert.name },
      body: a.body,
      format: a.format,
      private: true,
    });
    tx.set(keys.expertQuestion(q.id), { ...q, answers: q.answers + 1 });
    tx.set(keys.expertAnswer(expertId, a.id), { messageId: m.id, questionId: q.id });
    writeAudit(tx, desk.ctx, {
      threadId: thread.id,
      interactionId: s.id,
      actor: { type: "system", id: `expert:${expert.id}`, name: expert.name },
      type: "expert.answered",
      details: { questionId: q.id, expertId, expertName: expert.name, messageId: m.id },
    });
    // The agent who asked hears about it too, when the thread has moved to someone else.
    if (q.agentId !== s.agentId) {
      tx.emit(q.agentId, "expert.answered", { interactionId: s.id, messageId: m.id, questionId: q.id });
    }
    return { messageId: m.id, duplicate: false };
  });
}

/** Resolves a shared attachment link: 401 when forged or expired, 404 when the file is gone. */
export async function openAttachmentLink(
  desk: Desk,
  p: { threadId: string; messageId: string; index: number; exp?: string; sig?: string },
): Promise<string> {
  const path = attachmentLinkPath(p.threadId, p.messageId, p.index);
  if (!(await verifyLink(await appSecret(desk.kv, "links"), path, p.exp, p.sig, desk.ctx.now()))) {
    throw new Unauthorized("Missing, bad or expired link signature.", "bad_link");
  }
  const m = (await desk.kv.get<Message>(keys.message(p.threadId, p.messageId))).value;
  const a = m && !m.anonymized ? m.attachments[p.index] : undefined;
  if (!a) throw new NotFound("No such file.", "unknown_attachment");
  // One of our uploads: its stored URL grants nothing, so the redirect gets a short-lived link.
  return (await freshBlobLink(desk, a.url)) ?? a.url;
}
