/**
 * Upload rules for customer files: a size limit and an allow-list of types, checked against
 * the file's own bytes (magic numbers), never trusting the declared type or the name. SVG and
 * HTML are never accepted: both can carry scripts.
 */
import { stripControls } from "../shared/safe_text.ts";

export const MAX_UPLOAD_BYTES = 5 * 1024 * 1024;

export type AllowedType = { contentType: string; ext: string; image: boolean };

const starts = (b: Uint8Array, sig: number[], at = 0) => sig.every((x, i) => b[at + i] === x);
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

/** Detects the type of `bytes` among the allowed ones; null when it is none of them. */
export function sniffType(bytes: Uint8Array): AllowedType | null {
  if (starts(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) {
    return { contentType: "image/png", ext: "png", image: true };
  }
  if (starts(bytes, [0xff, 0xd8, 0xff])) return { contentType: "image/jpeg", ext: "jpg", image: true };
  if (starts(bytes, ascii("GIF87a")) || starts(bytes, ascii("GIF89a"))) {
    return { contentType: "image/gif", ext: "gif", image: true };
  }
  if (starts(bytes, ascii("RIFF")) && starts(bytes, ascii("WEBP"), 8)) {
    return { contentType: "image/webp", ext: "webp", image: true };
  }
  if (starts(bytes, ascii("%PDF-"))) return { contentType: "application/pdf", ext: "pdf", image: false };
  if (isPlainText(bytes)) return { contentType: "text/plain", ext: "txt", image: false };
  return null;
}

/** UTF-8 text without control characters (other than tab/newline) and that does not look like markup. */
function isPlainText(bytes: Uint8Array): boolean {
  if (bytes.byteLength === 0) return false;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, 64 * 1024));
  } catch {
    // A multi-byte character cut at the 64 KiB boundary is fine; anything else is binary.
    if (bytes.byteLength <= 64 * 1024) return false;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, 64 * 1024 - 3));
    } catch {
      return false;
    }
  }
  // deno-lint-ignore no-control-regex
  if (/[\u0000-\u0008\u000b\u000e-\u001f\u007f]/.test(text)) return false;
  return !/^\s*<(?:!doctype|html|svg|\?xml|script)/i.test(text);
}

/** A file name safe to store and show: no path, no control characters, ≤ 200 characters. */
export function cleanFileName(name: string | null | undefined, ext: string): string {
  // Controls and bidi overrides (a name reading backwards) go, with quotes and angle brackets.
  const base = stripControls((name ?? "").split(/[\\/]/).pop()!).replace(/["<>]/g, "").trim().slice(
    0,
    200,
  );
  return base || `file.${ext}`;
}
