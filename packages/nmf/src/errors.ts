/**
 * Why a framing operation failed. Decoding codes describe what was wrong with
 * the bytes; session codes describe a protocol or API-usage violation.
 */
export type NmfErrorCode =
  /** A record size was encoded as 0 where MC-NMF §2.2.2 forbids it. */
  | "size-zero"
  /** A record size used more octets than needed (a final 7-bit group of 0). */
  | "size-overlong"
  /** A record size above 0x7FFFFFFF (MC-NMF §6 <2>) or longer than 5 octets. */
  | "size-too-large"
  /** An envelope (or the sum of an unsized envelope's chunks) is over the configured maximum. */
  | "message-too-large"
  /** A Via record is longer than the configured maximum (2048 by default, §6 <11>). */
  | "via-too-long"
  /** An extensible encoding is longer than the configured maximum (256, §6 <14>). */
  | "content-type-too-long"
  /** An upgrade protocol name is longer than the configured maximum (256, §6 <17>). */
  | "upgrade-name-too-long"
  /** A fault string is longer than the configured maximum. */
  | "fault-too-long"
  /** A string record (Via, content type, upgrade name, fault) is not valid UTF-8. */
  | "invalid-utf8"
  /** A record type octet outside 0x00–0x0C (§2.2.1). */
  | "unknown-record-type"
  /** A record that the grammar of §3.1.1.2 does not allow at this point. */
  | "invalid-record-sequence"
  /** A Version record other than 1.x (§2.2.3.1, minor not checked per §6 <3>). */
  | "unsupported-version"
  /** A Mode record the receiver does not accept (§2.2.3.2). */
  | "unsupported-mode"
  /** An encoding the receiver does not accept (§2.2.3.4). */
  | "content-type-invalid"
  /** An upgrade the receiver does not perform (§2.2.3.5). */
  | "upgrade-invalid"
  /** The receiver's Via check refused the Via (§3.1.4.5). */
  | "endpoint-not-found"
  /** A Via that is not a usable net.tcp URI (via.ts). */
  | "invalid-via"
  /** A Known Encoding / Mode / Version byte or other field with an invalid value. */
  | "invalid-value"
  /** The transport closed in the middle of a record or before the session ended. */
  | "unexpected-eof"
  /** The peer sent a Fault record (the fault string is in `fault`). */
  | "fault-received"
  /** An envelope payload could not be converted by the envelope codec (the cause holds the details). */
  | "invalid-envelope"
  /** The caller asked for something the session state does not allow (e.g. send before PreambleAck). */
  | "invalid-state"
  /** The caller passed an invalid argument (e.g. an empty envelope). */
  | "invalid-argument"
  /** The session has been closed; nothing more can be sent. */
  | "session-closed";

/** Options for {@link NmfError}. */
export interface NmfErrorOptions {
  /** Byte offset in the received stream where the problem was detected. */
  offset?: number;
  /**
   * The full fault URI (MC-NMF §2.2.5) that a receiver sends for this error,
   * when one applies; for `fault-received`, the fault the peer sent.
   */
  fault?: string;
  cause?: unknown;
}

/** The one error type of `@prch/nmf`. Decoding untrusted bytes never throws anything else. */
export class NmfError extends Error {
  override readonly name = "NmfError";
  readonly code: NmfErrorCode;
  /** Byte offset in the received stream, when the error comes from decoding. */
  readonly offset: number | undefined;
  /** Fault URI to send (or, for `fault-received`, the one received); see {@link NmfErrorOptions.fault}. */
  readonly fault: string | undefined;

  constructor(code: NmfErrorCode, message: string, options: NmfErrorOptions = {}) {
    super(
      options.offset === undefined ? message : `${message} (at offset ${options.offset})`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.code = code;
    this.offset = options.offset;
    this.fault = options.fault;
  }
}
