/**
 * Uploaded files: checked (size, type from the bytes), kept in the blob store, and served only
 * to a signed-in agent or through short-lived signed links.
 *
 * A message stores a blob's plain URL (`/api/v1/blobs/<id>`), which grants nothing by itself:
 * agents fetch it with their session, and everyone else (the widget, an expert's redirect) gets
 * a link signed at the moment the message is shown, valid a few hours — so a link that leaks
 * (logs, forwarded mail, browser history) soon stops working.
 *
 * An upload that is never sent with a message is removed after `UNSENT_UPLOAD_TTL_MS` by the
 * blob store's own clean-up message (see `lib/server/blobs.ts`), which `expireUpload` handles.
 */
import { newId } from "../lib/server/actor.ts";
import { type BlobExpiryMessage, type BlobMeta, type BlobStore, KvBlobStore } from "../lib/server/blobs.ts";
import { Invalid, NotFound, TooLarge, Unauthorized } from "../lib/shared/errors.ts";
import { keys } from "../lib/server/keys.ts";
import { signLink, verifyLink } from "../lib/server/signed_links.ts";
import { iso } from "../lib/shared/time.ts";
import { cleanFileName, MAX_UPLOAD_BYTES, sniffType } from "../lib/server/uploads.ts";
import type { Desk } from "./desk.ts";
import { appSecret } from "./secrets.ts";
import { scheduleAt } from "./schedule.ts";

/** How long a link to a file stays valid; links are issued anew each time a message is shown. */
export const BLOB_LINK_TTL_MS = 2 * 3600_000;
/** A link that claims a longer validity is refused (links were once signed for a year). */
export const MAX_BLOB_LINK_TTL_MS = 24 * 3600_000;
/** An upload that no message has carried after this long is removed. */
export const UNSENT_UPLOAD_TTL_MS = 3600_000;
/** A message that claimed an upload has this long to be stored before the claim lapses. */
export const CLAIM_GRACE_MS = 60_000;

const stores = new WeakMap<Deno.Kv, BlobStore>();
const unsentTtlOf = new WeakMap<Desk, number>();

/** Changes how long one desk keeps unsent uploads (tests; an operator's tuning at start-up). */
export function setUnsentUploadTtl(desk: Desk, ms: number): void {
  unsentTtlOf.set(desk, ms);
}

/** The desk's blob store (KV-backed). */
export function blobStore(desk: Desk): BlobStore {
  let s = stores.get(desk.kv);
  if (!s) {
    const ctx = desk.ctx;
    s = new KvBlobStore(desk.kv, (op, msg, delay) => scheduleAt(op, ctx, msg, ctx.now() + delay));
    stores.set(desk.kv, s);
  }
  return s;
}

export const blobPath = (id: string) => `/api/v1/blobs/${id}`;
const BLOB_IN_URL = /\/api\/v1\/blobs\/([0-9A-Z]{26})(?=[?#]|$)/;

/** The blob id in one of our file URLs (plain or signed, relative or absolute), or null. */
export function blobIdOf(url: string): string | null {
  return BLOB_IN_URL.exec(url)?.[1] ?? null;
}

/** The plain URL stored in messages: it grants nothing without a session or a signature. */
export const blobUrl = (id: string, origin = "") => origin + blobPath(id);

/** A signed link to a blob, valid `ttlMs` (an absolute URL when `origin` is given). */
export async function signedBlobUrl(
  desk: Desk,
  id: string,
  origin = "",
  ttlMs = BLOB_LINK_TTL_MS,
): Promise<string> {
  return origin + await signLink(await appSecret(desk.kv, "links"), blobPath(id), desk.ctx.now() + ttlMs);
}

/** A fresh signed link for a stored attachment URL when it is one of our files; null otherwise. */
export async function freshBlobLink(desk: Desk, url: string, origin = ""): Promise<string | null> {
  const id = blobIdOf(url);
  return id && (await blobStore(desk).meta(id)) ? await signedBlobUrl(desk, id, origin) : null;
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
  return await blobStore(desk).put(
    {
      id: newId(),
      name: cleanFileName(name, type.ext),
      contentType: type.contentType,
      owner,
      createdAt: iso(desk.ctx.now()),
    },
    bytes,
    unsentTtlOf.get(desk) ?? UNSENT_UPLOAD_TTL_MS,
  );
}

/** What keeps an upload: the connector message id that carries it (idempotency key). */
export const inboundRef = (sourceId: string, inboundId: string) =>
  JSON.stringify(["inbound", sourceId, inboundId]);

/**
 * An upload's grace period is over: it stays only if the inbound message that claimed it was
 * stored. A claim younger than `CLAIM_GRACE_MS` (its message may be committing right now) is
 * looked at again later.
 */
export async function expireUpload(
  desk: Desk,
  msg: BlobExpiryMessage,
): Promise<"removed" | "kept" | "later"> {
  const result = await blobStore(desk).removeUnkept(msg.blobId, async ({ ref, at }) => {
    const [kind, sourceId, inboundId] = JSON.parse(ref) as string[];
    if (kind === "inbound" && (await desk.kv.get(keys.inboundMessage(sourceId, inboundId))).value) {
      return true;
    }
    return desk.ctx.now() - at < CLAIM_GRACE_MS ? "later" : false;
  });
  if (result === "later") {
    const op = desk.kv.atomic();
    scheduleAt(op, desk.ctx, msg, desk.ctx.now() + CLAIM_GRACE_MS);
    await op.commit();
  }
  return result;
}

/**
 * Opens a blob: with a valid signed link (expiry at most `MAX_BLOB_LINK_TTL_MS` ahead), or for
 * a signed-in agent once the file was sent in a message. 401 otherwise, 404 when it is gone.
 */
export async function openBlob(
  desk: Desk,
  id: string,
  link: { exp?: string; sig?: string },
  agentSignedIn: boolean,
) {
  const now = desk.ctx.now();
  const secret = await appSecret(desk.kv, "links");
  const signed = Number(link.exp) * 1000 - now <= MAX_BLOB_LINK_TTL_MS &&
    (await verifyLink(secret, blobPath(id), link.exp, link.sig, now));
  if (!signed && !agentSignedIn) {
    throw new Unauthorized("Missing, bad or expired link signature.", "bad_link");
  }
  const blob = await blobStore(desk).open(id);
  if (!blob) throw new NotFound("No such file.", "unknown_blob");
  if (!signed && !blob.meta.keptBy) {
    await blob.body.cancel();
    throw new Unauthorized("Missing, bad or expired link signature.", "bad_link");
  }
  return blob;
}
