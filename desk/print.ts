/**
 * Print thread (SPEC A8): the messages to print, at most the last 200, reduced by a filter
 * (author, date range, text); folded content (agent and system messages, customer messages
 * already answered or ignored) left out unless asked for. Anonymised messages hold only their
 * placeholder, so they print anonymised.
 */
import type { AuthorType } from "../lib/shared/wire/views.ts";
import { read } from "../lib/server/actor.ts";
import { Invalid } from "../lib/shared/errors.ts";
import { keys } from "../lib/server/keys.ts";
import { getManyInChunks } from "../lib/server/get_many.ts";
import { iso, ms } from "../lib/shared/time.ts";
import type { AgentState } from "../actors/agent.ts";
import type { InteractionState } from "../actors/interaction.ts";
import { type Message, messageView, threadView } from "../actors/thread.ts";
import { actorOf, requirePermission } from "./access.ts";
import { plainText } from "./assistant/pairs.ts";
import type { Desk } from "./desk.ts";
import { joinParts } from "./message_parts.ts";
import { loadThreadFor } from "./threads.ts";

export const PRINT_LIMIT = 200;

export type PrintFilter = {
  author?: AuthorType;
  /** One agent's messages (implies author = agent). */
  agentId?: string;
  /** ISO date-time, or a date (YYYY-MM-DD: from its start). */
  from?: string;
  /** ISO date-time, or a date (YYYY-MM-DD: to its end, inclusive). */
  to?: string;
  q?: string;
  /** Include folded messages (default: left out, as the spec says). */
  folded?: boolean;
};

export const isFolded = (m: Pick<Message, "author" | "status">) =>
  m.author.type !== "customer" || m.status === "replied" || m.status === "ignored";

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const fold = (s: string) => s.normalize("NFD").replace(/\p{M}+/gu, "").toLowerCase();

function bound(value: string | undefined, end: boolean, path: string): number | null {
  if (!value) return null;
  const t = DATE.test(value)
    ? Date.parse(value + "T00:00:00Z") + (end ? 86400_000 - 1 : 0)
    : Date.parse(value);
  if (Number.isNaN(t)) {
    throw new Invalid("Invalid print filter.", [{
      path,
      message: "not a date (YYYY-MM-DD) or ISO date-time",
    }]);
  }
  return t;
}

/** True when the filter narrows the set (author, dates or text), not just folding. */
export const isNarrowing = (f: PrintFilter) => !!(f.author || f.agentId || f.from || f.to || f.q?.trim());

/** A predicate for `f` (throws 400 on bad dates). */
export function matcher(f: PrintFilter): (m: Message) => boolean {
  const from = bound(f.from, false, "from");
  const to = bound(f.to, true, "to");
  if (from !== null && to !== null && from > to) {
    throw new Invalid("Invalid print filter.", [{ path: "to", message: "is before from" }], "invalid_input");
  }
  const q = f.q?.trim() ? fold(f.q.trim()) : null;
  return (m) => {
    if (!f.folded && isFolded(m)) return false;
    if (f.author && m.author.type !== f.author) return false;
    if (f.agentId && (m.author.type !== "agent" || m.author.id !== f.agentId)) return false;
    const at = ms(m.createdAt);
    if (from !== null && at < from) return false;
    if (to !== null && at > to) return false;
    if (q) {
      const hay = fold([plainText(m), m.author.name, ...m.attachments.map((a) => a.name)].join("\n"));
      if (!hay.includes(q)) return false;
    }
    return true;
  };
}

export type PrintMessage = ReturnType<typeof messageView> & {
  /** The agent who held the message's interaction (printed next to its status). */
  handledBy: { id: string; name: string } | null;
};

/**
 * The print sheet of a thread. 400 `print_empty` when nothing matches; 400 `print_too_many` when
 * a narrowing filter matches more than 200 messages (without one, the last 200 are printed).
 */
export async function printSheet(desk: Desk, agent: AgentState, threadId: string, f: PrintFilter) {
  requirePermission(desk.ctx, agent, "print");
  const match = matcher(f);
  const { thread } = await read(desk.kv, (tx) => loadThreadFor(tx, desk, agent, threadId));
  const picked: Message[] = [];
  for await (
    const e of desk.kv.list<Message>({ prefix: keys.messages(threadId) }, { reverse: true, batchSize: 500 })
  ) {
    if (!match(e.value)) continue;
    picked.push(e.value);
    if (picked.length > PRINT_LIMIT) break;
  }
  const narrowing = isNarrowing(f);
  if (picked.length === 0) {
    const message = narrowing
      ? "No message matches this filter."
      : "Nothing to print: every message is folded.";
    throw new Invalid(
      message,
      [{ path: narrowing ? "filter" : "folded", message: "selects no message" }],
      "print_empty",
    );
  }
  if (picked.length > PRINT_LIMIT && narrowing) {
    throw new Invalid(
      `This filter selects more than ${PRINT_LIMIT} messages: narrow it (author, dates or text).`,
      [{ path: "filter", message: `selects more than ${PRINT_LIMIT} messages` }],
      "print_too_many",
    );
  }
  const truncated = picked.length > PRINT_LIMIT;
  // Big `contextData` / `structured` live in part keys: the sheet prints them whole.
  const messages = await joinParts(desk.kv, picked.slice(0, PRINT_LIMIT).reverse());
  const interactionIds = [...new Set(messages.map((m) => m.interactionId).filter((x): x is string => !!x))];
  const owners = new Map<string, string | null>();
  const got = await getManyInChunks<InteractionState>(
    desk.kv,
    interactionIds.map((id) => keys.interaction(id)),
  );
  for (const e of got) if (e.value) owners.set(e.value.id, e.value.agentId);
  const nameOf = (
    id: string | null | undefined,
  ) => (id ? { id, name: desk.ctx.agentConfig(id)?.name ?? id } : null);
  return {
    thread: threadView(thread),
    source: { id: thread.sourceId, name: desk.ctx.findSource(thread.sourceId)?.name ?? thread.sourceId },
    printedAt: iso(desk.ctx.now()),
    printedBy: actorOf(agent),
    filter: f,
    truncated,
    messages: messages.map((m): PrintMessage => ({
      ...messageView(m),
      handledBy: m.author.type === "customer"
        ? nameOf(m.interactionId ? owners.get(m.interactionId) : null)
        : null,
    })),
  };
}

export type PrintSheet = Awaited<ReturnType<typeof printSheet>>;
