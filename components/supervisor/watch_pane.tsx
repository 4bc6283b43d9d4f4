/**
 * Silent monitoring (M2): a thread read-only, refreshed live while open. Reading an interaction
 * sends nothing to its agent.
 */
import { useSupervisorUi } from "./context.ts";

export type Watched = {
  interaction: { id: string; state: string; agentId: string | null; customer: { name: string } };
  messages: { id: string; author: { type: string; name: string }; body: string; createdAt: string }[];
};

export function WatchPane({ watched, onClose }: { watched: Watched; onClose: () => void }) {
  const { t } = useSupervisorUi();
  return (
    <section class="sup-watch" aria-labelledby="sup-watch-title" data-watching={watched.interaction.id}>
      <header class="sup-watch-head">
        <h2 id="sup-watch-title">{watched.interaction.customer.name}</h2>
        <span class="sup-note">{t("sup.watching")}</span>
        <button type="button" class="btn btn-ghost" onClick={onClose}>{t("sup.close")}</button>
      </header>
      <ol class="sup-watch-messages" aria-live="polite">
        {watched.messages.length === 0 ? <li class="sup-empty">{t("sup.noMessages")}</li> : null}
        {watched.messages.map((m) => (
          <li key={m.id} class={`sup-msg sup-msg-${m.author.type}`}>
            <span class="sup-msg-author">{m.author.name}</span>
            <span class="sup-msg-body">{m.body}</span>
          </li>
        ))}
      </ol>
    </section>
  );
}
