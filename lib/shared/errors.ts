/**
 * Domain errors. Code anywhere throws one of these; `toErrorResponse` (used by the one
 * `app.onError`) turns it into the API.md error body. Nothing else decides statuses.
 */

export type ErrorDetail = { path: string; message: string };

export class AppError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 408 | 409 | 412 | 413 | 429 | 500,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "AppError";
  }
}

export class Invalid extends AppError {
  constructor(message: string, details: ErrorDetail[] = [], code = "invalid_input") {
    super(400, code, message, details);
  }
}

export class Unauthorized extends AppError {
  constructor(message = "Missing or invalid credentials.", code = "unauthorized") {
    super(401, code, message);
  }
}

export class Forbidden extends AppError {
  constructor(message = "You are not permitted to do this.", code = "forbidden") {
    super(403, code, message);
  }
}

export class NotFound extends AppError {
  constructor(message = "Not found.", code = "not_found") {
    super(404, code, message);
  }
}

export class Conflict extends AppError {
  constructor(message: string, code = "conflict", details?: unknown) {
    super(409, code, message, details);
  }
}

/** A stale `If-Match` (API.md: 412); `details` says what is current. */
export class PreconditionFailed extends AppError {
  constructor(message: string, code = "version_conflict", details?: unknown) {
    super(412, code, message, details);
  }
}

export class TooLarge extends AppError {
  constructor(message = "Request body too large.") {
    super(413, "payload_too_large", message);
  }
}

/** A request body that did not arrive in time (a slow or stalled client holds no connection for long). */
export class RequestTimeout extends AppError {
  constructor(message = "The request body did not arrive in time.") {
    super(408, "request_timeout", message);
  }
}

/** 429; with `retryAfterS`, the body's `details.retryAfter` and the `Retry-After` header say when to retry. */
export class RateLimited extends AppError {
  constructor(message = "Too many requests.", readonly retryAfterS?: number) {
    super(429, "rate_limited", message, retryAfterS === undefined ? undefined : { retryAfter: retryAfterS });
  }
}

/** The API.md error body for any thrown value; unknown errors become a logged 500. */
export function toErrorResponse(
  err: unknown,
): { status: number; body: unknown; headers?: Record<string, string> } {
  if (err instanceof AppError) {
    const error: Record<string, unknown> = { code: err.code, message: err.message };
    if (err.details !== undefined) error.details = err.details;
    const retry = err instanceof RateLimited && err.retryAfterS !== undefined;
    return {
      status: err.status,
      body: { error },
      ...(retry ? { headers: { "retry-after": String(err.retryAfterS) } } : {}),
    };
  }
  console.error("internal error:", err);
  return {
    status: 500,
    body: { error: { code: "internal_error", message: "Internal server error." } },
  };
}

/** Turns zod issues into API.md details: one entry per bad field path. */
export function zodDetails(
  issues: ReadonlyArray<
    { path: ReadonlyArray<PropertyKey>; message: string; code?: string; keys?: string[] }
  >,
  prefix = "",
): ErrorDetail[] {
  const join = (path: ReadonlyArray<PropertyKey>) =>
    [prefix, ...path.map(String)].filter((p) => p !== "").join(".");
  return issues.flatMap((i) =>
    // An unknown key is reported at its own path, one entry per key.
    i.code === "unrecognized_keys" && i.keys?.length
      ? i.keys.map((k) => ({ path: join([...i.path, k]), message: "unknown key" }))
      : [{ path: join(i.path), message: i.message }]
  );
}
