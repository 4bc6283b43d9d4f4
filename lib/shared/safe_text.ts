/**
 * Text from customers and connectors, made safe to show: control characters (C0, DEL, C1) can
 * drive a terminal (ESC sequences, BEL) or break a layout (NUL, CR), and bidi controls can make
 * a file name read backwards ("invoice‮fdp.exe" shows as "invoiceexe.pdf"). Shared: server
 * and scripts.
 */

/** C0 and C1 controls, DEL, and the bidi embedding, override, isolate and mark characters. */
// deno-lint-ignore no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * A name or file name as people should see it: unsafe characters removed, line breaks and tabs
 * turned into spaces, surrounding space trimmed.
 * @example stripControls("invoice\u202Efdp.exe") // "invoicefdp.exe"
 */
export function stripControls(s: string): string {
  return s.replace(/[\t\n\r]+/g, " ").replace(UNSAFE, "").trim();
}

/**
 * Text for a terminal: every unsafe character written as a visible `\u{…}` escape, except those
 * in `keep` (e.g. "\n" for multi-line output).
 * @example escapeControls("a\u001b[31mb") // "a\\u{1b}[31mb"
 */
export function escapeControls(s: string, keep = ""): string {
  return s.replace(UNSAFE, (ch) => (keep.includes(ch) ? ch : `\\u{${ch.codePointAt(0)!.toString(16)}}`));
}
