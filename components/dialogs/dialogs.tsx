/** The one open dialog (U5), chosen by the store. */
import { useStore } from "../../lib/browser/store.ts";
import { AnonymizeDialog } from "./anonymize_dialog.tsx";
import { AuditDialog } from "./audit_dialog.tsx";
import { CompleteDialog } from "./complete_dialog.tsx";
import { DeferDialog } from "./defer_dialog.tsx";
import { IdleDialog } from "./idle_dialog.tsx";
import { PrintDialog } from "./print_dialog.tsx";
import { ShortcutsDialog } from "./shortcuts_dialog.tsx";
import { ExpertDialog } from "./expert_dialog.tsx";
import { CategorizeDialog, LanguageDialog } from "./thread_dialogs.tsx";
import { TransferDialog } from "./transfer_dialog.tsx";

export function Dialogs() {
  const store = useStore();
  const d = store.dialog.value;
  if (!d) return null;
  const close = () => store.closeDialog();
  const needsThread = d.kind === "language" || d.kind === "categorize" || d.kind === "audit" ||
    d.kind === "print" || d.kind === "anonymize";
  if (needsThread && !store.detail.value) return null;
  // A new key per dialog so each opens fresh (focus, state).
  const key = `${d.kind}:${d.interactionId}`;
  switch (d.kind) {
    case "transfer":
      return <TransferDialog key={key} id={d.interactionId} onClose={close} />;
    case "defer":
      return <DeferDialog key={key} id={d.interactionId} onClose={close} />;
    case "complete":
      return <CompleteDialog key={key} id={d.interactionId} onClose={close} />;
    case "lock":
      return <CompleteDialog key={key} id={d.interactionId} onClose={close} lock />;
    case "language":
      return <LanguageDialog key={key} onClose={close} />;
    case "categorize":
      return <CategorizeDialog key={key} onClose={close} />;
    case "audit":
      return <AuditDialog key={key} onClose={close} />;
    case "idle":
      return <IdleDialog key={key} id={d.interactionId} onClose={close} />;
    case "print":
      return <PrintDialog key={key} onClose={close} />;
    case "shortcuts":
      return <ShortcutsDialog key={key} onClose={close} />;
    case "expert":
      return <ExpertDialog key={key} id={d.interactionId} onClose={close} />;
    case "anonymize":
      return d.messageId ? <AnonymizeDialog key={key} messageId={d.messageId} onClose={close} /> : null;
  }
}
