/** What went wrong in the facade, as a stable code. */
export type PeerNodeErrorCode =
  | "InvalidArgument"
  | "NotOpen"
  | "Closed"
  | "ProtocolError"
  | "ResolverUnavailable"
  | "Internal";

/** The one error type `@prch/node` throws. Errors of the layers below pass through as their `cause`. */
export class PeerNodeError extends Error {
  override readonly name = "PeerNodeError";
  constructor(
    readonly code: PeerNodeErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
