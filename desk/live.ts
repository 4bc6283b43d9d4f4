/**
 * Live streams (the agent's feed, the widget, co-browsing), read from KV: a marker key moves
 * (kv.watch), the stream reads what changed. A short poll of the markers' versionstamps backs the
 * watch up, for several processes on one local KV file (whose watch only sees its own process).
 */
import { keys } from "../lib/server/keys.ts";
import { SESSION_ENDED } from "../lib/shared/wire/events.ts";

export { SESSION_ENDED };
import type { CobrowseView, VisitorEvents } from "../lib/shared/wire/webchat.ts";
import type { StreamEvent } from "../lib/shared/wire/stream.ts";
import type { InteractionState } from "../actors/interaction.ts";
import type { ThreadState } from "../actors/thread.ts";
import {
  type CobrowseSession,
  cobrowseView,
  type Direction,
  endReason,
  endStaleSession,
  isLive,
  logAfter,
} from "./cobrowse.ts";
import type { Desk } from "./desk.ts";
import type { FeedItem, FeedReader } from "./feed.ts";
import { wakeUps } from "../lib/server/wake_ups.ts";

// Streams elsewhere (supervision) may wait on keys the same way.
export { wakeUps };
import { type Typing, type Visitor, visitorMessages } from "./webchat.ts";

/**
 * An agent's feed events in commit order, from where `reader` stands, across processes.
 * A `session.ended` ends it — written first, unless this stream's own session is still valid
 * (signed in again since: the event is history for it).
 */
export async function* agentEvents(
  desk: Desk,
  reader: FeedReader,
  signal: AbortSignal,
  stillSignedIn: () => Promise<boolean>,
): AsyncGenerator<FeedItem> {
  // This process's commits wake the stream as they land, their entries in hand (FeedReader.live);
  // the watch and the poller still see everyone else's. A hand-over says the head's new
  // versionstamp, so the watch reporting the same commit afterwards wakes nobody.
  const pokes = (wake: (stamps?: string) => void) => reader.live((versionstamp) => wake(versionstamp));
  for await (const _ of wakeUps(desk.kv, () => [keys.feedHead(reader.agentId)], signal, undefined, pokes)) {
    for (const item of await reader.next()) {
      if (item.event !== SESSION_ENDED) {
        yield item;
      } else if (!(await stillSignedIn())) {
        yield item;
        return;
      }
    }
  }
}

export type VisitorEvent = StreamEvent<VisitorEvents>;

/**
 * A live session whose interaction left its agent is ended here as soon as the stream sees the
 * interaction change (the desk's own hook usually got there first); returns the session as it
 * stands after that.
 */
async function settle(
  desk: Desk,
  s: Deno.KvEntryMaybe<CobrowseSession>,
): Promise<Deno.KvEntryMaybe<CobrowseSession>> {
  if (!s.value || !isLive(s.value)) return s;
  const i = (await desk.kv.get<InteractionState>(keys.interaction(s.value.interactionId))).value;
  if (!endReason(s.value.agentId, i)) return s;
  await endStaleSession(desk, s.value.id);
  return await desk.kv.get<CobrowseSession>(s.key);
}

/**
 * Everything the widget shows live: the thread's messages (the latest ones first on connect,
 * with file links signed for this stream's `origin`), the agent typing, the conversation's
 * closed flag and the co-browsing session.
 */
export async function* visitorEvents(
  desk: Desk,
  v: Visitor,
  origin: string,
  signal: AbortSignal,
): AsyncGenerator<VisitorEvent> {
  const kv = desk.kv;
  const pointer = keys.threadByExternalId(v.sourceId, v.visitorId);
  const typingKey = keys.webchatTyping(v.sourceId, v.visitorId);
  const cobrowseKey = keys.cobrowseByVisitor(v.sourceId, v.visitorId);
  let threadId: string | null = null;
  let sessionId: string | null = null;
  let sessionInteraction: string | null = null;
  const sent = new Set<string>();
  let threadStamp: string | null = "";
  let typingStamp: string | null = "";
  let sessionStamp: string | null = "";
  let closed: boolean | null = null;
  const keysOf = () => [
    pointer,
    typingKey,
    cobrowseKey,
    ...(threadId ? [keys.thread(threadId)] : []),
    ...(sessionId ? [keys.cobrowse(sessionId)] : []),
    ...(sessionInteraction ? [keys.interaction(sessionInteraction)] : []),
  ];
  for await (const _ of wakeUps(kv, keysOf, signal)) {
    const [p, typing, cb] = await kv.getMany<[string, Typing, string]>([pointer, typingKey, cobrowseKey]);
    threadId = p.value;
    sessionId = cb.value;
    if (threadId) {
      const t = await kv.get<ThreadState>(keys.thread(threadId));
      if (t.versionstamp !== threadStamp) {
        threadStamp = t.versionstamp;
        for (const m of await visitorMessages(desk, v, threadId, origin, sent)) {
          sent.add(m.id);
          yield { event: "message", data: m };
        }
        const nowClosed = t.value?.conversationClosed ?? false;
        if (nowClosed !== closed) {
          closed = nowClosed;
          yield { event: "conversation", data: { closed } };
        }
      }
    }
    if (typing.versionstamp !== typingStamp) {
      typingStamp = typing.versionstamp;
      const live = typing.value && typing.value.until > desk.ctx.now();
      yield { event: "typing", data: live ? typing.value! : { name: null, at: 0, until: 0 } };
    }
    const s = sessionId ? await settle(desk, await kv.get<CobrowseSession>(keys.cobrowse(sessionId))) : null;
    sessionInteraction = s?.value && isLive(s.value) ? s.value.interactionId : null;
    if ((s?.versionstamp ?? null) !== sessionStamp) {
      sessionStamp = s?.versionstamp ?? null;
      yield { event: "cobrowse", data: s?.value ? cobrowseView(desk, s.value) : null };
    }
  }
}

export type SessionEvent = { event: "state"; data: CobrowseView } | { event: "batch"; data: string };

/**
 * One side's view of a session: its state on every change, and the other side's log (rrweb
 * batches up, commands down) after `fromSeq`. Ends after the state that ends the session.
 */
export async function* sessionEvents(
  desk: Desk,
  id: string,
  dir: Direction,
  fromSeq: number,
  signal: AbortSignal,
): AsyncGenerator<SessionEvent> {
  const kv = desk.kv;
  let last = fromSeq;
  let stamp: string | null = "";
  let parts: string[] = [];
  let interactionId: string | null = null;
  const keysOf = () => [
    keys.cobrowse(id),
    keys.cobrowseHead(id, dir),
    ...(interactionId ? [keys.interaction(interactionId)] : []),
  ];
  for await (const _ of wakeUps(kv, keysOf, signal)) {
    const s = await settle(desk, await kv.get<CobrowseSession>(keys.cobrowse(id)));
    if (!s.value) return;
    interactionId = s.value.interactionId;
    for (;;) {
      const entries = await logAfter(desk, id, dir, last);
      for (const e of entries) {
        last = e.seq;
        if (e.part === 0) parts = [];
        parts.push(e.batch);
        if (e.part === e.parts - 1 && parts.length === e.parts) {
          yield { event: "batch", data: parts.join("") };
          parts = [];
        }
      }
      if (entries.length < 200) break;
    }
    if (s.versionstamp !== stamp) {
      stamp = s.versionstamp;
      yield { event: "state", data: cobrowseView(desk, s.value) };
      if (!isLive(s.value)) return;
    }
  }
}
