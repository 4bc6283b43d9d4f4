import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { cleanFileName, sniffType } from "./uploads.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

Deno.test("uploads - types come from the bytes, never from the name or the declared type", () => {
  assertEquals(
    sniffType(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]))?.contentType,
    "image/png",
  );
  assertEquals(sniffType(new Uint8Array([0xff, 0xd8, 0xff, 0xe0]))?.contentType, "image/jpeg");
  assertEquals(sniffType(bytes("GIF89a..."))?.contentType, "image/gif");
  assertEquals(sniffType(bytes("RIFF\0\0\0\0WEBPVP8 "))?.contentType, "image/webp");
  assertEquals(sniffType(bytes("%PDF-1.7"))?.contentType, "application/pdf");
  assertEquals(sniffType(bytes("Order 42: two mugs\n"))?.contentType, "text/plain");
});

Deno.test("uploads - markup, scripts and binaries are refused", () => {
  assertEquals(sniffType(bytes('<svg xmlns="http://www.w3.org/2000/svg"/>')), null);
  assertEquals(sniffType(bytes("<!DOCTYPE html><p>x")), null);
  assertEquals(sniffType(bytes("  <script>alert(1)</script>")), null);
  assertEquals(sniffType(new Uint8Array([0x4d, 0x5a, 0x90, 0x00])), null);
  assertEquals(sniffType(new Uint8Array([0xc3, 0x28])), null);
  assertEquals(sniffType(new Uint8Array()), null);
});

Deno.test("uploads - file names lose paths and control characters", () => {
  assertEquals(cleanFileName("../../etc/passwd", "txt"), "passwd");
  assertEquals(cleanFileName('C:\\Users\\a\\"photo"<1>.png', "png"), "photo1.png");
  assertEquals(cleanFileName("", "pdf"), "file.pdf");
  assertEquals(cleanFileName(null, "png"), "file.png");
});
