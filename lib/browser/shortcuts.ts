/// <reference lib="dom" />
/**
 * Reply-box text helpers for the reply assistant (SPEC K2, K3): the shortcut convention is a
 * slash, `/keyword`, at the start of the text or after a blank, expanded when the agent types
 * Space or Tab right after it. Client-safe: no server imports.
 */

/** The `/keyword` ending at `caret`, if any. */
export function shortcutAt(
  text: string,
  caret: number,
): { keyword: string; start: number; end: number } | null {
  const m = /(^|\s)\/([A-Za-z0-9_-]{1,50})$/.exec(text.slice(0, caret));
  if (!m) return null;
  return { keyword: m[2], start: caret - m[2].length - 1, end: caret };
}

/** `text` with [start, end) replaced by `insert`, and the caret after it. */
export function replaceRange(
  text: string,
  start: number,
  end: number,
  insert: string,
): { text: string; caret: number } {
  return { text: text.slice(0, start) + insert + text.slice(end), caret: start + insert.length };
}

/**
 * Puts `value` into a text field and announces it with an `input` event, so the component that
 * owns the field (its state, its draft) sees the change as if typed.
 */
export function setFieldText(
  field: HTMLTextAreaElement | HTMLInputElement,
  value: string,
  caret: number,
): void {
  field.value = value;
  field.setSelectionRange(caret, caret);
  field.dispatchEvent(new Event("input", { bubbles: true }));
}

/** Inserts `insert` at the reply box's cursor (replacing a selection), then focuses it. */
export function insertIntoReply(insert: string, id = "reply-text"): boolean {
  const field = document.getElementById(id) as HTMLTextAreaElement | null;
  if (!field || field.disabled) return false;
  const start = field.selectionStart ?? field.value.length;
  const end = field.selectionEnd ?? start;
  const next = replaceRange(field.value, start, end, insert);
  field.focus();
  setFieldText(field, next.text, next.caret);
  return true;
}
