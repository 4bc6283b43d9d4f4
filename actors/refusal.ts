/**
 * The one way a decide function says no. A refusal is data with a typed code; `refuse` throws
 * it as the domain error the single error mapper turns into the API.md body (409 for a state
 * conflict, 400 for bad arguments), so callers and tests see the same errors as before.
 * Validators that a desk operation also runs before loading anything return `Refusal | null`.
 */
import { Conflict, type ErrorDetail, Invalid } from "../lib/shared/errors.ts";

/** State conflicts (409): the state, the owner or the capacity does not allow the command now. */
export type ConflictCode =
  | "invalid_state"
  | "not_owner"
  | "already_accepted"
  | "not_offered"
  | "capacity_full"
  | "thread_has_open_interaction";
/** Bad arguments (400), with the bad fields. */
export type InvalidCode = "invalid_input" | "disposition_required";

export type Refusal =
  | { kind: "conflict"; code: ConflictCode; message: string; details?: Record<string, unknown> }
  | { kind: "invalid"; code: InvalidCode; message: string; fields: ErrorDetail[] };

/** Throws `r` as a `Conflict` or an `Invalid`. */
export function refuse(r: Refusal): never {
  if (r.kind === "conflict") throw new Conflict(r.message, r.code, r.details);
  throw new Invalid(r.message, r.fields, r.code);
}

/** A 409 refusal. */
export const conflict = (
  code: ConflictCode,
  message: string,
  details?: Record<string, unknown>,
): Refusal => ({ kind: "conflict", code, message, ...(details ? { details } : {}) });

/** A 400 refusal listing the bad fields. */
export const invalid = (
  message: string,
  fields: ErrorDetail[],
  code: InvalidCode = "invalid_input",
): Refusal => ({
  kind: "invalid",
  code,
  message,
  fields,
});
