/**
 * A modal dialog on the native `<dialog>` (focus is trapped in it, Escape closes it), with focus
 * moved in on open and given back on close: to the opener, or to the control with the same
 * `data-action` when the opener moved (the action bar re-renders when it docks).
 */
import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";
import { useStore } from "../../lib/browser/store.ts";
import { Icon } from "../icons.tsx";

export type DialogProps = {
  title: string;
  onClose: () => void;
  onSubmit?: () => void;
  footer?: ComponentChildren;
  children: ComponentChildren;
  kind: string;
  wide?: boolean;
};

export function Dialog({ title, onClose, onSubmit, footer, children, kind, wide }: DialogProps) {
  const { t } = useStore();
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current!;
    const opener = document.activeElement as HTMLElement | null;
    const action = opener?.dataset?.action;
    if (!d.open) d.showModal();
    const first = d.querySelector<HTMLElement>("[autofocus]") ??
      d.querySelector<HTMLElement>(".dialog-body :is(input, select, textarea, button):not([disabled])") ??
      d.querySelector<HTMLElement>(".dialog-foot button");
    first?.focus();
    return () => {
      if (d.open) d.close();
      const back = opener?.isConnected
        ? opener
        : action
        ? document.querySelector<HTMLElement>(`[data-action="${action}"]`)
        : null;
      (back ?? document.getElementById("thread"))?.focus();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      class={`dialog dialog-${kind}${wide ? " dialog-wide" : ""}`}
      aria-labelledby="dialog-title"
      data-dialog={kind}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      onKeyDown={(e) => trapTab(e, ref.current)}
    >
      <form
        class="dialog-form"
        onSubmit={(e) => {
          e.preventDefault();
          onSubmit?.();
        }}
      >
        <header class="dialog-head">
          <h2 id="dialog-title">{title}</h2>
          <button type="button" class="icon-btn dialog-x" title={t("dialog.close")} onClick={onClose}>
            <Icon name="x" />
            <span class="sr-only">{t("dialog.close")}</span>
          </button>
        </header>
        <div class="dialog-body">{children}</div>
        {footer ? <footer class="dialog-foot">{footer}</footer> : null}
      </form>
    </dialog>
  );
}

const FOCUSABLE =
  "a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex='-1'])";

/** Keeps Tab and Shift+Tab inside the dialog (a modal dialog alone lets focus reach the browser's chrome). */
function trapTab(e: KeyboardEvent, d: HTMLDialogElement | null): void {
  if (e.key !== "Tab" || !d) return;
  const items = [...d.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) =>
    el.offsetParent !== null || el === document.activeElement
  );
  if (!items.length) return;
  const first = items[0], last = items[items.length - 1];
  if (e.shiftKey && document.activeElement === first) {
    e.preventDefault();
    last.focus();
  } else if (!e.shiftKey && document.activeElement === last) {
    e.preventDefault();
    first.focus();
  }
}

export function Cancel({ onClose }: { onClose: () => void }) {
  const { t } = useStore();
  return <button type="button" class="btn btn-ghost" onClick={onClose}>{t("dialog.cancel")}</button>;
}

export function Submit({ label, busy }: { label: string; busy?: boolean }) {
  return <button type="submit" class="btn btn-primary" disabled={busy}>{label}</button>;
}

export function FormError({ text }: { text: string | null }) {
  return text ? <p class="form-error" role="alert">{text}</p> : null;
}
