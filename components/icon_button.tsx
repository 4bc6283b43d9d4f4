/**
 * An icon button. Its accessible name is visually hidden text (U6: the action's name), not an
 * `aria-label`, so label-based lookups find only real fields; `data-action` stays stable in
 * every language.
 */
import type { JSX } from "preact";
import { Icon, type IconName } from "./icons.tsx";

export type IconButtonProps = {
  action: string;
  label: string;
  icon: IconName;
  onClick?: (e: JSX.TargetedMouseEvent<HTMLButtonElement>) => void;
  pressed?: boolean;
  disabled?: boolean;
  tone?: "primary" | "danger";
  extra?: JSX.HTMLAttributes<HTMLButtonElement>;
};

export function IconButton(
  { action, label, icon, onClick, pressed, disabled, tone, extra }: IconButtonProps,
) {
  return (
    <button
      type="button"
      class={`icon-btn${tone ? ` icon-btn-${tone}` : ""}`}
      data-action={action}
      title={label}
      aria-pressed={pressed === undefined ? undefined : pressed ? "true" : "false"}
      disabled={disabled}
      onClick={onClick}
      {...extra}
    >
      <Icon name={icon} />
      <span class="sr-only">{label}</span>
    </button>
  );
}
