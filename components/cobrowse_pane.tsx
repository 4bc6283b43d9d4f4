/// <reference lib="dom" />
/**
 * Co-browsing in the routing view (A15): the "Co-browsing" action asks the customer, and the
 * right pane shows the customer's page live. The live view itself is its own page
 * (`/cobrowse/view/:id`) in a frame: it carries rrweb's replayer (loaded only then) and a
 * style policy the replayed page needs, without loosening the routing view's own.
 */
import { signal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { ApiError, createApi } from "../lib/browser/api.ts";
import type { Store } from "../lib/browser/store.ts";
import { useStore } from "../lib/browser/store.ts";
import type { CobrowseView } from "../lib/shared/wire/webchat.ts";

/** The latest session per interaction id (null: none). */
const sessions = signal<Record<string, CobrowseView | null>>({});

function api() {
  const csrf = document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? "";
  return createApi(csrf);
}

async function load(interactionId: string): Promise<void> {
  try {
    const r = await api()<{ cobrowse: CobrowseView | null }>(
      "GET",
      `/api/v1/interactions/${interactionId}/cobrowse`,
    );
    sessions.value = { ...sessions.value, [interactionId]: r.cobrowse };
  } catch {
    sessions.value = { ...sessions.value, [interactionId]: null };
  }
}

/** The "Co-browsing" action: sends the request to the customer's widget. */
export async function requestCobrowse(store: Store, interactionId: string): Promise<void> {
  try {
    const r = await api()<{ cobrowse: CobrowseView }>(
      "POST",
      `/api/v1/interactions/${interactionId}/cobrowse`,
    );
    sessions.value = { ...sessions.value, [interactionId]: r.cobrowse };
  } catch (e) {
    if (e instanceof ApiError && e.code === "cobrowse_in_progress") return void load(interactionId);
    store.toast(e instanceof ApiError && e.message ? e.message : store.t("error.generic"), "error");
  }
}

/** The right pane's co-browsing section. */
export function CobrowsePane({ interactionId }: { interactionId: string }) {
  const store = useStore();
  const { t } = store;
  useEffect(() => {
    if (!(interactionId in sessions.value)) void load(interactionId);
  }, [interactionId]);
  const s = sessions.value[interactionId];
  if (!s) return <p class="muted small">{t("details.cobrowseIdle")}</p>;
  const src = `/cobrowse/view/${encodeURIComponent(s.id)}?lang=${store.lang.value}`;
  return (
    <div class="cobrowse-pane" data-state={s.state}>
      <iframe
        key={s.id}
        class="cobrowse-frame"
        title={t("details.cobrowse")}
        src={src}
        style={{
          width: "100%",
          height: "min(70vh, 560px)",
          border: "1px solid var(--border, #d0d5dd)",
          borderRadius: "6px",
        }}
      />
      <a class="small" href={src} target="_blank" rel="noopener">↗ {t("details.cobrowse")}</a>
    </div>
  );
}
