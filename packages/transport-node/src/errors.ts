/** What went wrong in the transport, as a stable machine-readable code. */
export type TransportErrorCode =
  | "NoAddresses"
  | "ConnectFailed"
  | "ConnectTimeout"
  | "SecurityFailed"
  | "SessionFault"
  | "ProtocolError"
  | "QuotaExceeded"
  | "Closed"
  | "InvalidAddress"
  | "ListenFailed";

/** The one error type `@prch/transport-node` throws or reports. */
export class TransportError extends Error {
  override readonly name = "TransportError";
  constructor(
    readonly code: TransportErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
