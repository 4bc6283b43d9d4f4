/**
 * Uploaded files: checked (size, type from the bytes), kept in the blob store, and served only
 * through signed, expiring links.
 */
import { newId } from "../lib/actor.ts";
import { type BlobMeta, type BlobStore, KvBlobStore } from "../lib/blobs.ts";
import { Invalid, NotFound, TooLarge, Unauthorized } from "../lib/errors.ts";
import { signLink, verifyLink } from "../lib/signed_links.ts";
import { iso } from "../lib/time.ts";
import { cleanFileName, MAX_UPLOAD_BYTES, sniffType } from "../lib/uploads.ts";
import type { Desk } from "./desk.ts";
import { appSecret } from "./secrets.ts";

/** How long an attachment link stored in a message stays valid. */
export const ATTACHMENT_LINK_TTL_MS = 365 * 86400_000;

const stores = new WeakMap<Deno.Kv, BlobStore>();

/** The desk's blob store (KV-backed). */
export function blobStore(desk: Desk): BlobStore {
  let s = stores.get(desk.kv);
  if (!s) stores.set(desk.kv, s = new KvBlobStore(desk.kv));
  return s;
}

export const blobPath = (id: string) => `/api/v1/blobs/${id}`;

/** A signed link to a blob, valid `ttlMs` (an absolute URL when `origin` is given). */
export async function signedBlobUrl(desk: Desk, id: string, ttlMs: number, origin = ""): Promise<string> {
  return origin + await signLink(await appSecret(desk.kv, "links"), blobPath(id), desk.ctx.now() + ttlMs);
}

/** Stores an upload after checking its size and its real type; refuses anything else (400/413). */
export async function storeUpload(
  desk: Desk,
  owner: string,
  name: string | null,
  bytes: Uint8Array,
): Promise<BlobMeta> {
  if (bytes.byteLength > MAX_UPLOAD_BYTES) {
    throw new TooLarge(`Files are limited to ${MAX_UPLOAD_BYTES} bytes.`);
  }
  if (bytes.byteLength === 0) {
    throw new Invalid("The file is empty.", [{ path: "body", message: "empty file" }], "empty_file");
  }
  const type = sniffType(bytes);
  if (!type) {
    throw new Invalid(
      "This type of file is not accepted (images, PDF and plain text only).",
      [{ path: "body", message: "unsupported file type" }],
      "unsupported_file_type",
    );
  }
  return await blobStore(desk).put({
    id: newId(),
    name: cleanFileName(name, type.ext),
    contentType: type.contentType,
    owner,
    createdAt: iso(desk.ctx.now()),
  }, bytes);
}

/** Opens a blob for a signed link; 401 for a bad or expired signature, 404 when it is gone. */
export async function openSignedBlob(
  desk: Desk,
  id: string,
  exp: string | undefined,
  sig: string | undefined,
) {
  if (!(await verifyLink(await appSecret(desk.kv, "links"), blobPath(id), exp, sig, desk.ctx.now()))) {
    throw new Unauthorized("Missing, bad or expired link signature.", "bad_link");
  }
  const blob = await blobStore(desk).open(id);
  if (!blob) throw new NotFound("No such file.", "unknown_blob");
  return blob;
}
