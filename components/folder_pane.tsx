/** Folders In progress, Deferred and History with their counts, and the open folder's list (U1). */
import { useStore } from "../lib/browser/store.ts";
import { useActions } from "../lib/browser/actions.ts";
import type { FolderName } from "../lib/browser/types.ts";
import { Icon, type IconName } from "./icons.tsx";
import { InteractionItem } from "./interaction_item.tsx";

const FOLDERS: { name: FolderName; icon: IconName }[] = [
  { name: "in_progress", icon: "inbox" },
  { name: "deferred", icon: "clock" },
  { name: "history", icon: "archive" },
];

export function FolderPane() {
  const store = useStore();
  const actions = useActions();
  const { t } = store;
  const current = store.folder.value;
  const lists = store.lists.value;
  const items = lists[current];
  const more = store.historyCursor.value !== null;
  const countOf = (f: FolderName) => `${lists[f].length}${f === "history" && more ? "+" : ""}`;
  const offers = lists.in_progress.filter((i) => i.state === "offered").length;

  return (
    <div class="folder-pane">
      <nav class="folders" aria-label={t("folders.label")}>
        <ul class="folder-tabs">
          {FOLDERS.map(({ name, icon }) => (
            <li key={name}>
              <a
                href={name === "in_progress" ? "/" : `/?folder=${name}`}
                class={`folder-link${current === name ? " is-current" : ""}${
                  name === "in_progress" && offers ? " has-offers" : ""
                }`}
                data-folder={name}
                aria-current={current === name ? "page" : undefined}
                title={t("folder.count", { n: countOf(name) })}
                onClick={(e) => {
                  e.preventDefault();
                  actions.showFolder(name);
                }}
              >
                <Icon name={icon} size={16} />
                <span class="folder-name">{t(`folder.${name}`)}</span>
                <span class="count" aria-hidden="true" data-count={name}>{countOf(name)}</span>
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <section class="list-pane" aria-labelledby="list-title">
        <h2 id="list-title" class="sr-only">{t(`folder.${current}`)}</h2>
        {items.length
          ? (
            <ul class="items" data-folder={current}>
              {items.map((i) => <InteractionItem key={i.id} item={i} />)}
            </ul>
          )
          : <p class="empty">{t(`folder.empty.${current}`)}</p>}
        {current === "history" && more
          ? (
            <button type="button" class="btn btn-ghost btn-block" onClick={() => actions.loadMoreHistory()}>
              {t("folder.loadMore")}
            </button>
          )
          : null}
      </section>
    </div>
  );
}
