/** Every way a document can be rejected. */
export type NbfsErrorCode =
  | "truncated"
  | "unknown-record"
  | "bad-multibyte-int31"
  | "invalid-utf8"
  | "invalid-utf16"
  | "unbalanced"
  | "unknown-dictionary-string"
  | "unexpected-record"
  | "invalid-value"
  | "invalid-name"
  | "undeclared-prefix"
  | "duplicate-attribute"
  | "invalid-string-table"
  | "invalid-xml"
  | "invalid-state"
  | "quota-exceeded";

/**
 * The one error type of @prch/nbfs. `offset` is the byte offset (binary) or
 * character offset (text) where the problem was found; -1 when it concerns
 * no particular position (for example a writer misuse).
 */
export class NbfsError extends Error {
  readonly code: NbfsErrorCode;
  readonly offset: number;

  constructor(code: NbfsErrorCode, message: string, offset = -1) {
    super(offset >= 0 ? `${message} (at offset ${offset})` : message);
    this.name = "NbfsError";
    this.code = code;
    this.offset = offset;
  }
}

/** Names of the reader quotas (see {@link ReaderQuotas}). */
export type QuotaName =
  | "maxDepth"
  | "maxStringContentLength"
  | "maxArrayLength"
  | "maxBytesPerRead"
  | "maxNameTableCharCount"
  | "maxDocumentSize"
  | "maxSessionStrings"
  | "maxSessionSize"
  | "maxAttributes"
  | "maxListItems";

/** A document exceeded a quota; raise `quota` above `limit` to accept it. */
export class NbfsQuotaError extends NbfsError {
  readonly quota: QuotaName;
  readonly limit: number;

  constructor(quota: QuotaName, limit: number, offset = -1) {
    super("quota-exceeded", `quota ${quota} (${limit}) exceeded`, offset);
    this.name = "NbfsQuotaError";
    this.quota = quota;
    this.limit = limit;
  }
}
