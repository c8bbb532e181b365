// Weir's error type: every failure carries a stable code from one table, an HTTP status, and a cause.
// Documented in README.md ("Error codes"); a test checks every code appears there.

export const ErrorCodes = {
  INVALID_SPEC: { status: 400, summary: 'A manifest or request body is invalid.' },
  INVALID_ARGUMENT: { status: 400, summary: 'A command-line flag or request parameter is invalid.' },
  PARSE_ERROR: { status: 400, summary: 'Input could not be parsed (YAML/JSON syntax).' },
  UNKNOWN_KIND: { status: 400, summary: 'No adapter or resource is registered for this kind.' },
  EXPRESSION_ERROR: { status: 400, summary: 'An expression could not be parsed or evaluated.' },
  NOT_FOUND: { status: 404, summary: 'The named resource does not exist.' },
  ALREADY_EXISTS: { status: 409, summary: 'A resource with this name already exists.' },
  CONFLICT: { status: 409, summary: 'The resource changed since it was read (resourceVersion mismatch).' },
  UNAUTHORIZED: { status: 401, summary: 'Missing or wrong credentials.' },
  FORBIDDEN: { status: 403, summary: 'The request was refused by policy (a foreign Host or Origin on the tokenless API).' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, summary: 'The request body must be sent as application/json.' },
  PAYLOAD_TOO_LARGE: { status: 413, summary: 'The request body exceeds the configured limit.' },
  BUS_UNAVAILABLE: { status: 503, summary: 'The event bus did not acknowledge in time.' },
  ENGINE_UNAVAILABLE: { status: 503, summary: 'No container engine (podman or Docker) answers for the container executor.' },
  STEP_FAILED: { status: 500, summary: 'A workflow step exited unsuccessfully.' },
  TIMEOUT: { status: 504, summary: 'A deadline passed.' },
  CANCELLED: { status: 499, summary: 'The operation was cancelled by its caller.' },
  IO_ERROR: { status: 500, summary: 'Reading or writing a file failed.' },
  INTERNAL: { status: 500, summary: 'An unexpected internal error; please report it.' },
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

export interface WeirErrorOptions {
  cause?: unknown;
  /** Structured details safe to show to a user (file, line, field, ...). */
  details?: Record<string, unknown>;
}

export class WeirError extends Error {
  override readonly name: string = 'WeirError';
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: WeirErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details;
  }

  get httpStatus(): number {
    return ErrorCodes[this.code].status;
  }
}

/** A failure that no retry can fix (bad input, policy refusal). */
export class NonRetryableError extends WeirError {
  override readonly name = 'NonRetryableError';
}

export function isWeirError(e: unknown): e is WeirError {
  return e instanceof WeirError;
}

/** Converts anything thrown into a WeirError without losing the original as cause. */
export function toWeirError(e: unknown, fallback: ErrorCode = 'INTERNAL'): WeirError {
  if (e instanceof WeirError) return e;
  return new WeirError(fallback, errorMessage(e), { cause: e });
}

/** The message of anything thrown: an Error's message, otherwise its text (`String(e)`). */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
