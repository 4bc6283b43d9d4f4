/// <reference lib="dom" />
/**
 * The agent's event stream in the browser (U4). The stream starts after the feed position the
 * page was rendered at, so nothing between render and connect is lost. On a network drop the
 * browser reconnects by itself sending `Last-Event-ID`; when the stream is closed for good (an
 * error answer, a server restart) we open a new one with `?lastEventId=` (EventSource cannot set
 * headers), with backoff. Either way the server replays every event after the last one seen.
 */
import type { AgentEvent, AgentEventName } from "../shared/wire/events.ts";

/** The feed events the routing view reads (co-browsing and expert events have their own panes). */
export const ROUTING_VIEW_EVENTS = [
  "interaction.offered",
  "interaction.withdrawn",
  "interaction.updated",
  "message.created",
  "message.updated",
  "interaction.idle",
  "conversation.closed",
  "presence.changed",
  "session.ended",
] as const satisfies readonly AgentEventName[];
export type RoutingViewEventName = (typeof ROUTING_VIEW_EVENTS)[number];
/** One event the routing view reads, its payload typed by its name. */
export type RoutingViewEvent = Extract<AgentEvent, { event: RoutingViewEventName }>;

export type LiveOptions = {
  url: string;
  lastEventId: string;
  onEvent: (e: RoutingViewEvent, id: string) => void;
  onState: (state: "open" | "reconnecting") => void;
  /** Called before reopening a closed stream; return false to stop (e.g. signed out). */
  beforeReopen?: () => Promise<boolean>;
};

export type Live = {
  close(): void; /** Drops the connection as a network failure would (tests). */
  drop(): void;
  lastEventId(): string;
};

export function connectLive(o: LiveOptions): Live {
  let last = o.lastEventId;
  let es: EventSource | null = null;
  let stopped = false;
  let retry = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const open = () => {
    if (stopped) return;
    const src = new EventSource(`${o.url}?lastEventId=${encodeURIComponent(last)}`);
    es = src;
    src.onopen = () => {
      retry = 0;
      o.onState("open");
    };
    src.onerror = () => {
      if (es !== src) return;
      o.onState("reconnecting");
      if (src.readyState === EventSource.CLOSED) reopen();
    };
    // This server is stopping: reconnect now (the browser would, after its own delay).
    src.addEventListener("server.stopping", () => es === src && reopen());
    // More streams of this session were opened than the server keeps: this one (the oldest)
    // stays closed rather than reconnect and close another in turn.
    src.addEventListener("stream.replaced", () => {
      if (es !== src) return;
      stopped = true;
      src.close();
      o.onState("reconnecting");
    });
    for (const name of ROUTING_VIEW_EVENTS) {
      src.addEventListener(name, (e) => {
        const m = e as MessageEvent<string>;
        if (m.lastEventId) last = m.lastEventId;
        let data: Record<string, unknown> = {};
        try {
          data = JSON.parse(m.data);
        } catch { /* ignore malformed */ }
        // The server writes each event from the same map (Tx.emit): the name types its payload.
        o.onEvent({ event: name, data } as RoutingViewEvent, m.lastEventId);
      });
    }
  };

  const reopen = () => {
    es?.close();
    es = null;
    clearTimeout(timer);
    const delay = Math.min(10_000, 500 * 2 ** retry++);
    timer = setTimeout(async () => {
      if (stopped) return;
      if (o.beforeReopen && !(await o.beforeReopen().catch(() => true))) return;
      open();
    }, delay);
  };

  open();
  return {
    close() {
      stopped = true;
      clearTimeout(timer);
      es?.close();
    },
    drop() {
      o.onState("reconnecting");
      reopen();
    },
    lastEventId: () => last,
  };
}
