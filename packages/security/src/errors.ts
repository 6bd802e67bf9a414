/**
 * Every way this package can refuse something. Callers switch on `code`;
 * the message is for humans only.
 */
export type SecurityErrorCode =
  /** A key is not RSA, or its exponent does not fit a CAPI DWORD. */
  | "unsupported-key"
  /** A certificate, key or PKCS#12 file could not be parsed. */
  | "malformed-certificate"
  /** A PKCS#12 password was wrong or its MAC did not verify. */
  | "bad-pkcs12-password"
  /** A base64 authenticator or signature value is not valid base64 or is too long. */
  | "malformed-token"
  /** An RST/RSTR body is missing a field or carries the wrong token type, request type or status. */
  | "malformed-message"
  /** The peer's PeerHashToken does not match the password and its TLS public key. */
  | "token-mismatch"
  /** A message arrived that the handshake state does not allow (e.g. an RSTR at the responder). */
  | "unexpected-message"
  /** The security handshake timer ran out (Windows: 2 minutes). */
  | "handshake-timeout"
  /** The peer did not present a certificate during TLS. */
  | "no-peer-certificate"
  /** No path from the peer certificate to a configured root. */
  | "untrusted-certificate"
  /** A certificate in the path is outside its validity period. */
  | "certificate-expired"
  /** A certificate in the path is not yet valid. */
  | "certificate-not-yet-valid"
  /** Key usage / basic constraints do not allow the use. */
  | "bad-key-usage"
  /** No certificate in the path matches a configured pin. */
  | "pin-mismatch"
  /** The application validator refused the certificate. */
  | "rejected-by-application"
  /** A flood message that must be signed carries no signature. */
  | "signature-missing"
  /** A signature, digest or signed-part check failed. */
  | "signature-invalid"
  /** A configured quota (path length, token size, …) was exceeded. */
  | "quota-exceeded"
  /** Bad arguments from the calling code (not from the wire). */
  | "invalid-argument";

/** The one error class of `@prch/security`. */
export class SecurityError extends Error {
  /** Machine-readable reason. */
  readonly code: SecurityErrorCode;

  constructor(code: SecurityErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SecurityError";
    this.code = code;
  }
}

/** True when `e` is a {@link SecurityError}, optionally with the given code. */
export function isSecurityError(e: unknown, code?: SecurityErrorCode): e is SecurityError {
  return e instanceof SecurityError && (code === undefined || e.code === code);
}
