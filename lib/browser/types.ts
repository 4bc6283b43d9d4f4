/**
 * The shapes the routing view works with in the browser. The API's views are `z.infer` of the
 * shared wire schemas (imported as types only: no zod in the bundle); the rest is what only the
 * page uses (its boot props, the directory of names).
 */
import type { UiLanguage } from "../shared/i18n/mod.ts";
import type { FolderItem, FolderName, MessageView, Presence, ThreadView } from "../shared/wire/views.ts";

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

export type Detail = {
  interaction: FolderItem;
  thread: ThreadView;
  messages: MessageView[];
  /** Cursor for older messages, or null when every message is loaded. */
  earlier: string | null;
};

export type Named = { id: string; name: string };

export type Directory = {
  sources: (Named & {
    kind: string;
    dispositionRequired: boolean;
    smartClosure: boolean;
    waitForReply: boolean;
    cobrowse: boolean;
  })[];
  categories: Named[];
  teams: Named[];
  languages: string[];
  dispositions: Named[];
  agents: (Named & { initials: string })[];
  experts: Named[];
};

export type Me = {
  id: string;
  name: string;
  initials: string;
  role: string;
  presence: Presence;
  /** Who set the presence when a supervisor did (null when the agent did). */
  presenceBy?: { id: string; name: string } | null;
  load: Record<string, number>;
  capacity: Record<string, { capacity: number; maxCapacity: number }>;
  permissions: string[];
  /** A16: which actions are icons and which sit in "More actions" (absent: every one an icon). */
  actionLayout?: { icons: string[]; menu: string[] };
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
