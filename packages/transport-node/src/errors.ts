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
  | "ListenFailed"
  | "InvalidState"
  | "Timeout"
  | "EncodeFailed"
  | "DecodeFailed"
  | "IoError"
  | "HandlerFailed";

/** The one error type `@prch/transport-node` throws or reports. */
export class TransportError extends Error {
  override readonly name = "TransportError";
  /** For `SessionFault`: the MC-NMF fault URI the peer sent. */
  readonly fault: string | undefined;
  constructor(
    readonly code: TransportErrorCode,
    message: string,
    options?: { cause?: unknown; fault?: string },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.fault = options?.fault;
  }
}
