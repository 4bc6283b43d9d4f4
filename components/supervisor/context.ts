/**
 * What every supervisor component reads: the translation function, the language and the
 * ticking clock. Browser and server render alike (no server imports).
 */
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { MessageKey, UiLanguage, Vars } from "../../lib/shared/i18n/mod.ts";

export type SupervisorUi = {
  lang: UiLanguage;
  t: (key: MessageKey, vars?: Vars) => string;
  /** The current time (ms), ticking each second in the browser. */
  now: () => number;
};

export const SupervisorContext = createContext<SupervisorUi | null>(null);

export function useSupervisorUi(): SupervisorUi {
  const ui = useContext(SupervisorContext);
  if (!ui) throw new Error("SupervisorContext is missing");
  return ui;
}
