/// <reference lib="dom" />
/**
 * The supervision page's island (U8, SPEC M2): it owns the supervisor EventSource, whose
 * `overview` event replaces the queues, agents and trends and whose `overview.delta` events
 * change them (a delta that does not follow the last event applied means a gap: the stream is
 * opened again, which starts with a whole overview); the open-interactions list and a watched
 * thread are read again (coalesced) after each one. Actions go through the public API.
 */
import { useComputed, useSignal } from "@preact/signals";
import { useEffect, useMemo } from "preact/hooks";
import { type MessageKey, translate, type UiLanguage, type Vars } from "../lib/shared/i18n/mod.ts";
import { createApi } from "../lib/browser/api.ts";
import {
  applyDelta,
  type Candidate,
  filterQuery,
  type OpenFilter,
  type OpenItem,
  type Overview,
  type OverviewDelta,
  type Presence,
} from "../lib/shared/supervision.ts";
import { SupervisorContext, type SupervisorUi } from "../components/supervisor/context.ts";
import { QueuesTable } from "../components/supervisor/queues_table.tsx";
import { AgentsTable } from "../components/supervisor/agents_table.tsx";
import { InteractionsTable, type Lists } from "../components/supervisor/interactions_table.tsx";
import { AssignDialog, type AssignRequest } from "../components/supervisor/assign_dialog.tsx";
import { type Watched, WatchPane } from "../components/supervisor/watch_pane.tsx";
import { TrendPlots } from "../components/supervisor/trend_plots.tsx";
import { SupervisorNav } from "../components/supervisor/nav.tsx";

export type SupervisorProps = {
  lang: UiLanguage;
  csrf: string;
  /** Server time at render (ms): the page's clock follows it. */
  now: number;
  overview: Overview;
  interactions: { items: OpenItem[]; cursor: string | null };
  lists: Lists;
  /** Whether the viewer administers (the Administration link). */
  admin: boolean;
};

const PAGE = 100;

export default function Supervisor(props: SupervisorProps) {
  const api = useMemo(() => createApi(props.csrf), []);
  const skew = useMemo(() => props.now - Date.now(), []);
  const tick = useSignal(props.now);
  const overview = useSignal(props.overview);
  const items = useSignal(props.interactions.items);
  const cursor = useSignal(props.interactions.cursor);
  const filter = useSignal<OpenFilter>({});
  const live = useSignal<"open" | "reconnecting">("open");
  const status = useSignal<{ text: string; kind: "info" | "error" } | null>(null);
  const dialog = useSignal<
    { kind: "force" | "transfer"; item: OpenItem; candidates: Candidate[] | null } | null
  >(
    null,
  );
  const watched = useSignal<Watched | null>(null);
  const ui: SupervisorUi = useMemo(() => ({
    lang: props.lang,
    t: (key: MessageKey, vars?: Vars) => translate(props.lang, key, vars),
    now: () => tick.value,
  }), []);
  const t = ui.t;

  const reloadList = async () => {
    const r = await api<{ items: OpenItem[]; cursor: string | null }>(
      "GET",
      `/api/v1/supervisor/interactions${filterQuery(filter.value, { limit: String(PAGE) })}`,
    ).catch(() => null);
    if (r) {
      items.value = r.items;
      cursor.value = r.cursor;
    }
  };
  const reloadWatched = async () => {
    const w = watched.value;
    if (!w) return;
    const r = await api<Watched>("GET", `/api/v1/interactions/${w.interaction.id}`).catch(() => null);
    if (r && watched.value?.interaction.id === w.interaction.id) watched.value = r;
  };
  const failed = (e: unknown) => {
    status.value = { text: e instanceof Error && e.message ? e.message : t("error.generic"), kind: "error" };
  };

  useEffect(() => {
    const clock = setInterval(() => (tick.value = Date.now() + skew), 1000);
    let es: EventSource | null = null;
    let retry = 0;
    let stopped = false;
    let pending: ReturnType<typeof setTimeout> | undefined;
    let last = "";
    const open = () => {
      if (stopped) return;
      const src = new EventSource(
        `/api/v1/supervisor/events${last ? `?lastEventId=${encodeURIComponent(last)}` : ""}`,
      );
      es = src;
      src.onopen = () => {
        retry = 0;
        live.value = "open";
      };
      src.onerror = () => {
        if (es !== src) return;
        live.value = "reconnecting";
        if (src.readyState === EventSource.CLOSED) {
          src.close();
          setTimeout(open, Math.min(10_000, 500 * 2 ** retry++));
        }
      };
      // More streams of this session are open than the server keeps (many tabs): this one, the
      // oldest, stays closed rather than reconnect and close another in turn.
      src.addEventListener("stream.replaced", () => {
        if (es !== src) return;
        stopped = true;
        src.close();
        live.value = "reconnecting";
      });
      // The list and the watched thread follow the same changes, at most every 300 ms.
      const followers = () => {
        clearTimeout(pending);
        pending = setTimeout(() => {
          void reloadList();
          void reloadWatched();
        }, 300);
      };
      src.addEventListener("overview", (e) => {
        const m = e as MessageEvent<string>;
        try {
          overview.value = JSON.parse(m.data);
        } catch {
          return;
        }
        last = m.lastEventId || last;
        followers();
      });
      src.addEventListener("overview.delta", (e) => {
        const m = e as MessageEvent<string>;
        let delta: OverviewDelta;
        try {
          delta = JSON.parse(m.data);
        } catch {
          return;
        }
        if (delta.base !== last) {
          // A gap (never on one connection; a safety net): a new stream starts whole.
          src.close();
          last = "";
          open();
          return;
        }
        overview.value = applyDelta(overview.value, delta);
        last = m.lastEventId || last;
        followers();
      });
    };
    open();
    return () => {
      stopped = true;
      clearInterval(clock);
      clearTimeout(pending);
      es?.close();
    };
  }, []);

  const agentsList = useComputed(() => overview.value.agents.map((a) => ({ id: a.id, name: a.name })));
  const lists: Lists = { ...props.lists, agents: agentsList.value };

  const setFilter = (f: OpenFilter) => {
    filter.value = f;
    void reloadList();
  };
  const more = cursor.value
    ? async () => {
      const r = await api<{ items: OpenItem[]; cursor: string | null }>(
        "GET",
        `/api/v1/supervisor/interactions${
          filterQuery(filter.value, { limit: String(PAGE), cursor: cursor.value ?? "" })
        }`,
      ).catch(failed);
      if (r) {
        items.value = [...items.value, ...r.items];
        cursor.value = r.cursor;
      }
    }
    : null;
  const openDialog = async (kind: "force" | "transfer", item: OpenItem) => {
    dialog.value = { kind, item, candidates: null };
    const r = await api<{ items: Candidate[] }>(
      "GET",
      `/api/v1/supervisor/interactions/${item.id}/candidates`,
    )
      .catch((e) => (failed(e), null));
    if (dialog.value?.item.id === item.id) dialog.value = { ...dialog.value, candidates: r?.items ?? [] };
  };
  const submit = async (req: AssignRequest) => {
    const d = dialog.value;
    if (!d) return;
    const body = req.kind === "force"
      ? { agentId: req.agentId, force: true }
      : { agentId: req.agentId, teamId: req.teamId, comment: req.comment };
    try {
      await api("POST", `/api/v1/interactions/${d.item.id}/transfer`, body);
      dialog.value = null;
      status.value = { text: t("sup.done"), kind: "info" };
      void reloadList();
    } catch (e) {
      failed(e);
    }
  };
  const setPresence = async (agentId: string, presence: Presence) => {
    try {
      await api("PUT", `/api/v1/agents/${encodeURIComponent(agentId)}/presence`, { presence });
      status.value = { text: t("sup.done"), kind: "info" };
    } catch (e) {
      failed(e);
    }
  };
  const watch = async (i: OpenItem) => {
    try {
      watched.value = await api<Watched>("GET", `/api/v1/interactions/${i.id}`);
    } catch (e) {
      failed(e);
    }
  };

  const o = overview.value;
  return (
    <SupervisorContext.Provider value={ui}>
      <div class="sup-page">
        <SupervisorNav current="supervisor" t={t} admin={props.admin} />
        <main class="sup-main">
          <header class="sup-head">
            <h1>{t("sup.title")}</h1>
            <span class={`sup-live sup-live-${live.value}`} role="status">
              {live.value === "open" ? t("sup.live") : t("sup.reconnecting")}
            </span>
            <a class="btn" href="/supervisor/report">{t("sup.report")}</a>
          </header>
          {status.value
            ? (
              <p
                class={`sup-status sup-status-${status.value.kind}`}
                role={status.value.kind === "error" ? "alert" : "status"}
              >
                {status.value.text}
              </p>
            )
            : null}
          <section class="sup-section" aria-labelledby="sup-queues">
            <h2 id="sup-queues">{t("sup.queues")}</h2>
            <QueuesTable queues={o.queues} groups={o.groups} />
          </section>
          <section class="sup-section" aria-labelledby="sup-trends">
            <h2 id="sup-trends">{t("sup.trends")}</h2>
            <TrendPlots trends={o.trends} />
          </section>
          <section class="sup-section" aria-labelledby="sup-agents">
            <h2 id="sup-agents">{t("sup.agents")}</h2>
            <AgentsTable agents={o.agents} onPresence={setPresence} />
          </section>
          <section class="sup-section" aria-labelledby="sup-interactions">
            <h2 id="sup-interactions">{t("sup.interactions")}</h2>
            <InteractionsTable
              items={items.value}
              lists={lists}
              filter={filter.value}
              onFilter={setFilter}
              more={more}
              actions={{
                force: (i) => void openDialog("force", i),
                transfer: (i) => void openDialog("transfer", i),
                watch: (i) => void watch(i),
              }}
            />
          </section>
          {watched.value
            ? <WatchPane watched={watched.value} onClose={() => (watched.value = null)} />
            : null}
        </main>
        {dialog.value
          ? (
            <AssignDialog
              kind={dialog.value.kind}
              item={dialog.value.item}
              candidates={dialog.value.candidates}
              teams={props.lists.teams}
              onSubmit={(r) => void submit(r)}
              onClose={() => (dialog.value = null)}
            />
          )
          : null}
      </div>
    </SupervisorContext.Provider>
  );
}
