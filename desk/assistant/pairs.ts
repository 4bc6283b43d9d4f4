/**
 * Question/answer pairs for "similar questions" (SPEC K4): when an agent reply answers pending
 * customer messages, the pair (their text, the reply's text) is stored under its thread in the
 * reply's own commit, and added to this process's index once that commit lands.
 */
import type { Tx } from "../../lib/server/actor.ts";
import { keys } from "../../lib/server/keys.ts";
import { getManyInChunks } from "../../lib/server/get_many.ts";
import type { InteractionState } from "../../actors/interaction.ts";
import type { Message, ThreadState } from "../../actors/thread.ts";
import { logPairChange } from "./log.ts";

export type QaPair = {
  /** The answer's message id. */
  id: string;
  threadId: string;
  /** The customer messages answered, oldest first. */
  questions: { id: string; text: string }[];
  answer: string;
  language: string | null;
  categories: string[];
  agentId: string | null;
  at: string;
};

export const MAX_QUESTION_CHARS = 4_000;
export const MAX_ANSWER_CHARS = 20_000;

/** The readable text of a message: HTML tags dropped, entities decoded, blanks collapsed. */
export function plainText(m: Pick<Message, "body" | "format">): string {
  const text = m.format === "html"
    ? m.body.replace(/<(br|\/p|\/div|\/li|\/h\d)\b[^>]*>/gi, "\n").replace(/<[^>]*>/g, "")
      .replace(/&nbsp;/g, " ").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"')
      .replace(/&#39;|&#x27;/g, "'").replace(/&amp;/g, "&")
    : m.body;
  return text.replace(/[ \t]+/g, " ").replace(/\n{3,}/g, "\n\n").trim();
}

export const questionText = (p: QaPair) => p.questions.map((q) => q.text).join("\n");

/**
 * Stages the pair answered by `reply` (when it answers pending customer messages). `before` is
 * the interaction before the reply: its pending messages are the question. The message keys
 * are guarded by the thread, which the reply's commit writes.
 */
export async function stagePair(
  tx: Tx,
  before: InteractionState,
  thread: ThreadState,
  reply: Message,
  onCommit: (p: QaPair) => void,
): Promise<void> {
  if (reply.private || reply.author.type !== "agent" || !before.pendingMessageIds.length) return;
  const answer = plainText(reply).slice(0, MAX_ANSWER_CHARS);
  if (!answer) return;
  const questions: QaPair["questions"] = [];
  let room = MAX_QUESTION_CHARS;
  const ids = before.pendingMessageIds;
  for (const e of await getManyInChunks<Message>(tx.kv, ids.map((id) => keys.message(thread.id, id)))) {
    const m = e.value;
    if (!m || m.author.type !== "customer" || m.anonymized) continue;
    const text = plainText(m).slice(0, Math.max(0, room));
    if (!text) continue;
    questions.push({ id: m.id, text });
    room -= text.length;
  }
  if (!questions.length) return;
  const pair: QaPair = {
    id: reply.id,
    threadId: thread.id,
    questions,
    answer,
    language: thread.language ?? before.language ?? null,
    categories: thread.categories,
    agentId: reply.author.id,
    at: reply.createdAt,
  };
  tx.set(keys.assistantPair(thread.id, reply.id), pair);
  logPairChange(tx, thread.id, pair.id);
  tx.after(() => onCommit(pair));
}
