/**
 * The shapes the routing view works with in the browser. The API's views are `z.infer` of the
 * shared wire schemas (imported as types only: no zod in the bundle); the rest is what only the
 * page uses (its boot props, the directory of names).
 */
import type { UiLanguage } from "../shared/i18n/mod.ts";
import type { Directory, Me } from "../shared/wire/agent.ts";
import type { FolderItem, FolderName, MessageView, ThreadView } from "../shared/wire/views.ts";

export type {
  Attachment,
  AuthorType,
  FolderItem,
  FolderName,
  InteractionStatus,
  MessageView,
  Presence,
  ThreadView,
} from "../shared/wire/views.ts";
export type { Directory, Me, Named } from "../shared/wire/agent.ts";

export type Detail = {
  interaction: FolderItem;
  thread: ThreadView;
  messages: MessageView[];
  /** Cursor for older messages, or null when every message is loaded. */
  earlier: string | null;
};

export type Theme = "system" | "light" | "dark";

/** Everything the routing view island starts from (serialised into the page). */
export type BootProps = {
  me: Me;
  csrf: string;
  lang: UiLanguage;
  theme: Theme;
  /** Server time of the render (ms), so ages and countdowns render the same on both sides. */
  now: number;
  /** Feed position of the render (an event id): the event stream resumes after it, so nothing is missed. */
  feedCursor: string;
  folder: FolderName;
  interactions: FolderItem[];
  /** Cursor for more history, or null. */
  historyCursor: string | null;
  directory: Directory;
  acceptTimeout: number | null;
  selected: Detail | null;
};
