/// <reference lib="dom" />
/**
 * Browser: the administration console's state. The draft is the whole configuration being
 * edited; `base` is the server version it started from (with its `version` for `If-Match`).
 * Saving sends the draft whole; the server's validation decides, and its error paths are the
 * field names of the forms. A 412 keeps the draft and opens the conflict view.
 */
import { batch, computed, signal } from "@preact/signals";
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import { type AdminApi, createAdminApi, type ErrorDetail, type VersionSummary } from "./admin_api.ts";
import { type Change, diffConfig, reapply } from "./admin_diff.ts";
import { fieldAt, type Json, jsonEqual } from "./admin_paths.ts";
import type { ConfigInput } from "../shared/config.ts";

/** What the page hands the island (JSON in the HTML). */
export type AdminProps = {
  csrf: string;
  lang: "en" | "fr";
  /** The `admin.*` strings of the page's language (the island ships no catalogue). */
  strings: Record<string, string>;
  /** The redacted configuration and its version (null while the server has no versions). */
  config: ConfigInput;
  version: string | null;
};

export type Conflict = { current: ConfigInput; version: string | null; theirs: Change[]; mine: Change[] };
export type Status = { kind: "idle" | "busy" | "saved" | "error"; text: string };

export function createAdminStore(props: AdminProps, api: AdminApi = createAdminApi(props.csrf)) {
  const strings = props.strings;
  const t = (key: string, vars?: Record<string, string | number>): string => {
    const text = strings[key] ?? key;
    return vars ? text.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m)) : text;
  };
  const base = signal<ConfigInput>(props.config);
  const version = signal<string | null>(props.version);
  /** What the admin is editing; it may not validate (the server says where, at save). */
  const draft = signal<ConfigInput>(structuredClone(props.config));
  const errors = signal<ErrorDetail[]>([]);
  const status = signal<Status>({ kind: "idle", text: "" });
  const conflict = signal<Conflict | null>(null);
  const versions = signal<VersionSummary[] | null>(null);
  const versionsError = signal<string | null>(null);
  /** The cursor of the next page of versions (null when the list is complete). */
  const versionsCursor = signal<string | null>(null);
  /** New secrets generated in this page, shown once until saved: path → secret. */
  const newSecrets = signal<Record<string, string>>({});
  const dirty = computed(() => !jsonEqual(base.value, draft.value));
  /** Moves focus to the error summary after it renders. */
  let focusSummary = false;

  /**
   * The draft's root field: sections reach their fields by typed steps. Removing a list element
   * drops the reported errors, which would point at shifted indexes.
   */
  const config = fieldAt<ConfigInput>(() => draft.value, (next) => (draft.value = next), "", () => {
    errors.value = [];
  });
  /** The errors reported at `path` or inside it (a list field gets its elements' errors). */
  const errorsAt = (path: string) =>
    errors.value.filter((e) => e.path === path || e.path.startsWith(path + "."));

  /** Takes a configuration the server answered with as the new starting point. */
  const adopt = (config: ConfigInput, v: string | null, text: string) =>
    batch(() => {
      base.value = config;
      draft.value = structuredClone(config);
      version.value = v;
      errors.value = [];
      conflict.value = null;
      newSecrets.value = {};
      status.value = { kind: "saved", text };
      if (versions.value) void loadVersions();
    });

  const savedText = (
    v: string | null,
  ) => (v ? t("admin.status.savedVersion", { v }) : t("admin.status.saved"));

  /** Shows the answer to a refused save or restore; true when it was handled. */
  const refused = async (r: Awaited<ReturnType<AdminApi["save"]>>): Promise<void> => {
    if (r.status === 400 && Array.isArray(r.error?.details)) {
      focusSummary = true;
      batch(() => {
        errors.value = r.error!.details as ErrorDetail[];
        status.value = { kind: "error", text: t("admin.status.invalid", { n: errors.value.length }) };
      });
      return;
    }
    if (r.status === 412) {
      const now = await api.read();
      if (now.status === 200) {
        const mine = diffConfig(base.value, draft.value);
        batch(() => {
          conflict.value = {
            current: now.body,
            version: now.version,
            theirs: diffConfig(base.value, now.body),
            mine,
          };
          status.value = { kind: "error", text: t("admin.status.conflict") };
        });
        return;
      }
    }
    status.value = {
      kind: "error",
      text: r.status === 0 ? t("admin.status.network") : t("admin.status.failed", {
        message: r.error?.message ?? String(r.status),
      }),
    };
  };

  async function save(config: ConfigInput = draft.value): Promise<void> {
    if (status.value.kind === "busy") return;
    status.value = { kind: "busy", text: t("admin.status.saving") };
    const r = await api.save(config, version.value);
    if (r.status === 200) adopt(r.body, r.version, savedText(r.version));
    else await refused(r);
  }

  /** The conflict view's choice: my edits on top of the version saved meanwhile, to review. */
  function reapplyMine(): void {
    const c = conflict.value;
    if (!c) return;
    batch(() => {
      base.value = c.current;
      version.value = c.version;
      draft.value = reapply(c.current, c.mine);
      conflict.value = null;
      errors.value = [];
      status.value = { kind: "idle", text: t("admin.conflict.reapplied") };
    });
  }

  function discard(): void {
    const c = conflict.value;
    batch(() => {
      if (c) {
        base.value = c.current;
        version.value = c.version;
      }
      draft.value = structuredClone(base.value);
      conflict.value = null;
      errors.value = [];
      newSecrets.value = {};
      status.value = { kind: "idle", text: t("admin.status.discarded") };
    });
  }

  /** The first page of versions, or the next one with `more`. */
  async function loadVersions(more = false): Promise<void> {
    const r = await api.versions(more ? versionsCursor.value : null);
    if (r.status === 200 && Array.isArray(r.body?.items)) {
      batch(() => {
        versions.value = more ? [...(versions.value ?? []), ...r.body.items] : r.body.items;
        versionsCursor.value = r.body.cursor ?? null;
        versionsError.value = null;
      });
    } else {
      versionsError.value = r.status === 404 ? t("admin.versions.unavailable") : r.error?.message ?? "";
    }
  }

  async function restore(v: string | number): Promise<void> {
    status.value = { kind: "busy", text: t("admin.status.saving") };
    const r = await api.restore(v, version.value);
    if (r.status === 200) adopt(r.body, r.version, t("admin.versions.restored", { v: String(v) }));
    else await refused(r);
  }

  /** Configuration as code: an uploaded file becomes the draft and is saved (validated) at once. */
  async function importText(text: string): Promise<void> {
    let parsed: Json;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      status.value = { kind: "error", text: t("admin.json.invalid", { message: (e as Error).message }) };
      return;
    }
    draft.value = parsed;
    await save(parsed);
  }

  return {
    t,
    lang: props.lang,
    api,
    base,
    version,
    draft,
    errors,
    status,
    conflict,
    versions,
    versionsError,
    versionsCursor,
    newSecrets,
    dirty,
    config,
    errorsAt,
    save,
    reapplyMine,
    discard,
    loadVersions,
    restore,
    importText,
    takeSummaryFocus: () => (focusSummary ? (focusSummary = false, true) : false),
  };
}

export type AdminStore = ReturnType<typeof createAdminStore>;
export const AdminContext = createContext<AdminStore | null>(null);
export function useAdmin(): AdminStore {
  const s = useContext(AdminContext);
  if (!s) throw new Error("useAdmin outside the admin island");
  return s;
}
