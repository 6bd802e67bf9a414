/**
 * Reader limits. Defaults are WCF's (`XmlDictionaryReaderQuotas` as the
 * binding defaults set them, TransportDefaults.cs); every one can be raised.
 */
export interface ReaderQuotas {
  /** Maximum element nesting depth. WCF default 32. */
  readonly maxDepth: number;
  /** Maximum characters (strings) or bytes (base64) in one text or attribute value. WCF default 8192. */
  readonly maxStringContentLength: number;
  /** Maximum items in an Array record and bytes in one Bytes*Text record. WCF default 16384. */
  readonly maxArrayLength: number;
  /**
   * Maximum bytes of attributes on one start element (WCF applies this to
   * the bytes read for one element start and its attributes). Default 4096.
   */
  readonly maxBytesPerRead: number;
  /** Maximum characters of one element or attribute name (including prefix). WCF default 16384. */
  readonly maxNameTableCharCount: number;
  /** Maximum size of a document in bytes (WCF MaxReceivedMessageSize default 65536). */
  readonly maxDocumentSize: number;
  /** Maximum number of MC-NBFSE session strings per direction for the life of a session. */
  readonly maxSessionStrings: number;
  /**
   * WCF MaxSessionSize (default 2048) for MC-NBFSE strings, per direction for
   * the whole session. The writer counts each string's UTF-8 plus its length
   * prefix, as WCF's writer does; the reader counts UTF-8 only (a little more
   * lenient than WCF's reader, which counts the StringTable Size).
   */
  readonly maxSessionSize: number;
  /** Maximum attributes on one element. */
  readonly maxAttributes: number;
  /** Maximum items between StartListText and EndListText. */
  readonly maxListItems: number;
}

/** WCF's defaults (TransportDefaults.cs, MC-NMF §6, WINDOWS-NOTES §1.1). */
export const DEFAULT_QUOTAS: Readonly<ReaderQuotas> = Object.freeze({
  maxDepth: 32,
  maxStringContentLength: 8192,
  maxArrayLength: 16384,
  maxBytesPerRead: 4096,
  maxNameTableCharCount: 16384,
  maxDocumentSize: 65536,
  maxSessionStrings: 2048,
  maxSessionSize: 2048,
  maxAttributes: 256,
  maxListItems: 16384,
});

/** Quotas that accept anything a 32-bit length can describe; for trusted input only. */
export const MAX_QUOTAS: Readonly<ReaderQuotas> = Object.freeze({
  maxDepth: 0x7fffffff,
  maxStringContentLength: 0x7fffffff,
  maxArrayLength: 0x7fffffff,
  maxBytesPerRead: 0x7fffffff,
  maxNameTableCharCount: 0x7fffffff,
  maxDocumentSize: 0x7fffffff,
  maxSessionStrings: 0x7fffffff,
  maxSessionSize: 0x7fffffff,
  maxAttributes: 0x7fffffff,
  maxListItems: 0x7fffffff,
});

/** Results of {@link resolveQuotas}: frozen and complete, so they can be passed on as they are. */
const resolved = new WeakSet<object>([DEFAULT_QUOTAS, MAX_QUOTAS]);

/**
 * Fills unspecified quotas with WCF defaults. The result is frozen; passing
 * it in again returns it unchanged, so callers that build a reader per
 * message resolve their quotas once.
 */
export function resolveQuotas(partial: Partial<ReaderQuotas> | undefined): ReaderQuotas {
  if (partial === undefined) return DEFAULT_QUOTAS;
  if (resolved.has(partial)) return partial as ReaderQuotas;
  const full = Object.freeze({ ...DEFAULT_QUOTAS, ...partial });
  resolved.add(full);
  return full;
}
