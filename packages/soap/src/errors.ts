import { NbfsError, NbfsQuotaError } from "@prch/nbfs";

/** Every way @prch/soap can reject a message or a value. */
export type SoapErrorCode =
  /** The bytes or text are not a well-formed envelope (wrong root, wrong order, stray content). */
  | "malformed-envelope"
  /** The envelope namespace is not the one the encoder's message version expects. */
  | "version-mismatch"
  /** A header or body element is not in the namespace the contract requires. */
  | "wrong-namespace"
  /** A required element (Action, a required DataContract member…) is absent. */
  | "missing-element"
  /** An element that may occur once occurs again (e.g. two Action headers). */
  | "duplicate-header"
  /** A header marked mustUnderstand that no one declared understood (SOAP 1.2 §5.2.3). */
  | "must-understand"
  /** `i:nil="true"` on a member whose type cannot be null. */
  | "nil-not-allowed"
  /** A value that does not parse as its schema type (int, guid, enum member…). */
  | "invalid-value"
  /** An element the contract does not expect where a specific one is required. */
  | "unexpected-element"
  /** A length, count or size above a configured quota. */
  | "quota-exceeded"
  /** The message is a SOAP fault (see {@link SoapFaultError}). */
  | "fault"
  /** The caller used the API in a way that cannot produce a valid message. */
  | "invalid-argument"
  /** A lower layer (@prch/nbfs) rejected the document. */
  | "encoding";

/**
 * The one error type of @prch/soap. `path` names the element where the
 * problem was found (e.g. `Envelope/Body/Connect/NodeId`) when known.
 */
export class SoapError extends Error {
  readonly code: SoapErrorCode;
  readonly path: string | undefined;

  constructor(code: SoapErrorCode, message: string, options?: { path?: string; cause?: unknown }) {
    const path = options?.path;
    super(path !== undefined ? `${message} (at ${path})` : message, { cause: options?.cause });
    this.name = "SoapError";
    this.code = code;
    this.path = path;
  }
}

/** Converts an @prch/nbfs failure into a SoapError. */
export function wrapNbfs(e: unknown): never {
  if (e instanceof NbfsQuotaError) {
    throw new SoapError("quota-exceeded", e.message, { cause: e });
  }
  if (e instanceof NbfsError) throw new SoapError("encoding", e.message, { cause: e });
  if (e instanceof SoapError) throw e;
  if (e instanceof RangeError || e instanceof TypeError) {
    throw new SoapError("malformed-envelope", e.message, { cause: e });
  }
  throw e;
}

/** Runs `fn`, converting @prch/nbfs failures (e.g. from a lazily read body) into SoapErrors. */
export function guardNbfs<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    return wrapNbfs(e);
  }
}
