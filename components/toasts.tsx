/** Confirmations and errors ("Interaction completed"), announced politely and dismissed after a while. */
import { useEffect } from "preact/hooks";
import { type Toast, useStore } from "../lib/browser/store.ts";
import { Icon } from "./icons.tsx";

function ToastItem({ toast }: { toast: Toast }) {
  const store = useStore();
  useEffect(() => {
    const timer = setTimeout(() => store.dismiss(toast.id), toast.kind === "error" ? 9000 : 5000);
    return () => clearTimeout(timer);
  }, []);
  return (
    <div class={`toast toast-${toast.kind}`} data-toast={toast.kind}>
      <span class="toast-text">{toast.text}</span>
      <button
        type="button"
        class="icon-btn icon-btn-small"
        title={store.t("toast.dismiss")}
        onClick={() => store.dismiss(toast.id)}
      >
        <Icon name="x" size={14} />
        <span class="sr-only">{store.t("toast.dismiss")}</span>
      </button>
    </div>
  );
}

export function Toasts() {
  const store = useStore();
  return (
    <div class="toasts" role="status" aria-live="polite">
      {store.toasts.value.map((x) => <ToastItem key={x.id} toast={x} />)}
    </div>
  );
}
