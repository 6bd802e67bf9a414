/** Why a collaboration operation failed. */
export type CollabErrorCode =
  | "InvalidArgument"
  | "BadSignature"
  | "Malformed"
  | "Expired"
  | "QuotaExceeded"
  | "Untrusted"
  | "Unreachable"
  | "Timeout"
  | "Refused"
  | "Closed"
  | "Storage";

/** The one error type of `@prch/collab`; `code` says what went wrong. */
export class CollabError extends Error {
  readonly code: CollabErrorCode;
  constructor(code: CollabErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CollabError";
    this.code = code;
  }
}
