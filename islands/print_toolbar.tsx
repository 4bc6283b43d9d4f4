/// <reference lib="dom" />
/**
 * The print view's island (A8): the Print button (the browser's print dialog, whose "Save as
 * PDF" gives the document), and GIFs frozen on their first frame so the printout is static.
 */
import { useEffect } from "preact/hooks";

/** Replaces each animated image with a canvas holding its first frame (drawn as soon as it loads). */
function freezeGifs(): void {
  for (const img of document.querySelectorAll<HTMLImageElement>("img[data-gif]")) {
    const fresh = new Image();
    fresh.referrerPolicy = "no-referrer";
    fresh.onload = () => {
      const canvas = document.createElement("canvas");
      canvas.width = fresh.naturalWidth;
      canvas.height = fresh.naturalHeight;
      canvas.className = img.className;
      canvas.setAttribute("role", "img");
      canvas.setAttribute("aria-label", img.alt);
      canvas.getContext("2d")?.drawImage(fresh, 0, 0);
      img.replaceWith(canvas);
    };
    fresh.src = img.currentSrc || img.src;
  }
}

export default function PrintToolbar({ label }: { label: string }) {
  useEffect(freezeGifs, []);
  return (
    <button
      type="button"
      class="btn btn-primary"
      data-action="print-now"
      onClick={() => globalThis.print()}
    >
      {label}
    </button>
  );
}
