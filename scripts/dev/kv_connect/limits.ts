/**
 * The hosted KV Connect service's limits (denokv `proto/limits.rs`) and its refusals: same
 * status and same text (denokv `ApiError`), checked in the same order, so code that passes here
 * passes there. Local Deno KV is laxer (100 checks a commit), which is why these matter.
 */
import { type AtomicWrite, MutationType, type ReadRange, ValueEncoding } from "./protobuf.ts";

export const LIMITS = {
  writeKeyBytes: 2048,
  readKeyBytes: 2049,
  valueBytes: 65536,
  readRanges: 10,
  readEntries: 1000,
  checks: 10,
  mutations: 1000,
  totalMutationBytes: 819200,
  watchedKeys: 10,
} as const;

/** A refusal: the HTTP status and plain-text body the service answers with. */
export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const bad = (message: string) => new ApiError(400, message);

export const REFUSALS = {
  keyTooLong: () => bad("A key exceeds the key size limit."),
  valueTooLong: () => bad("A value exceeds the value size limit."),
  readRangeTooLarge: () =>
    bad("The total number of entries requested across read ranges in the read request is too large."),
  atomicWriteTooLarge: () => bad("The total size of the atomic write is too large."),
  tooManyReadRanges: () => bad("Too many read ranges requested in one read request."),
  tooManyWatchedKeys: () => bad("Too many keys watched in a single watch request."),
  tooManyChecks: () => bad("Too many checks included in atomic write."),
  tooManyMutations: () => bad("Too many mutations / enqueues included in atomic write."),
  invalidReadRangeLimit: () => bad("The read range limit of the snapshot read request is invalid."),
  invalidVersionstamp: () => bad("Invalid versionstamp."),
  invalidMutationKind: () => bad("Invalid mutation kind or arguments."),
  invalidMutationExpireAt: () => bad("Invalid mutation expire at."),
  /** Deno Deploy's KV has no queues over KV Connect; Deno's own client refuses before sending. */
  queuesUnsupported: () => bad("Enqueue operations are not supported over KV Connect."),
  /** Not a refusal of the hosted service: a limit of this server (see server.ts). */
  expiryOnNumericMutation: () => bad("This server cannot expire sum/min/max mutations (expire_at_ms)."),
  malformedAuthorization: () => new ApiError(401, "Malformed authorization header."),
  invalidAccessToken: () => new ApiError(401, "Invalid access token."),
  invalidDatabaseId: () => bad("Invalid database id."),
  invalidProtocolVersion: () => bad("Expected protocol version 2."),
  minimumProtocolVersion: () =>
    bad("The server requires at least protocol version 2. Use Deno 1.38.0 or newer."),
  noMatchingProtocolVersion: () =>
    bad("The server could not negotiate a protocol version. The server requires protocol version 2 or 3."),
  notFound: () => new ApiError(404, "Resource not found."),
};

export function checkSnapshotRead(ranges: ReadRange[]): void {
  if (ranges.length > LIMITS.readRanges) throw REFUSALS.tooManyReadRanges();
  let total = 0;
  for (const r of ranges) {
    if (r.limit <= 0) throw REFUSALS.invalidReadRangeLimit();
    if (r.start.length > LIMITS.readKeyBytes || r.end.length > LIMITS.readKeyBytes) {
      throw REFUSALS.keyTooLong();
    }
    total += r.limit;
  }
  if (total > LIMITS.readEntries) throw REFUSALS.readRangeTooLarge();
}

const KINDS_WITH_VALUE: number[] = [
  MutationType.SET,
  MutationType.SUM,
  MutationType.MIN,
  MutationType.MAX,
  MutationType.SET_SUFFIX_VERSIONSTAMPED_KEY,
];

export function checkAtomicWrite(w: AtomicWrite): void {
  if (w.checks.length > LIMITS.checks) throw REFUSALS.tooManyChecks();
  if (w.mutations.length + w.enqueues.length > LIMITS.mutations) throw REFUSALS.tooManyMutations();
  let total = 0;
  for (const c of w.checks) {
    if (c.key.length > LIMITS.readKeyBytes) throw REFUSALS.keyTooLong();
    total += c.key.length;
    if (c.versionstamp.length !== 0 && c.versionstamp.length !== 10) throw REFUSALS.invalidVersionstamp();
  }
  for (const m of w.mutations) {
    if (m.key.length > LIMITS.writeKeyBytes) throw REFUSALS.keyTooLong();
    total += m.key.length;
    const size = m.value?.data.length ?? 0;
    if (size > LIMITS.valueBytes) throw REFUSALS.valueTooLong();
    total += size;
    if (m.type !== MutationType.DELETE && !(KINDS_WITH_VALUE.includes(m.type) && m.value)) {
      throw REFUSALS.invalidMutationKind();
    }
    if (m.expireAtMs < -1n) throw REFUSALS.invalidMutationExpireAt();
  }
  if (w.enqueues.length) throw REFUSALS.queuesUnsupported();
  if (total > LIMITS.totalMutationBytes) throw REFUSALS.atomicWriteTooLarge();
}

/** Numeric mutations work on u64 values only (what Deno's `sum`/`min`/`max` send). */
export function checkNumericValue(type: number, encoding: number): void {
  const numeric = type === MutationType.SUM || type === MutationType.MIN || type === MutationType.MAX;
  if (numeric && encoding !== ValueEncoding.LE64) throw REFUSALS.invalidMutationKind();
}
