/**
 * Known encodings, MC-NMF §2.2.3.4.1 (values 0x09–0xFF reserved).
 * 0x00–0x02 are SOAP 1.1 text, 0x03–0x05 SOAP 1.2 text, 0x06 MTOM,
 * 0x07 binary (MC-NBFS), 0x08 binary with in-band dictionary (MC-NBFSE).
 */
export const KnownEncoding = {
  Soap11Utf8: 0x00,
  Soap11Utf16: 0x01,
  Soap11UnicodeLE: 0x02,
  Soap12Utf8: 0x03,
  Soap12Utf16: 0x04,
  Soap12UnicodeLE: 0x05,
  Soap12Mtom: 0x06,
  Soap12Binary: 0x07,
  Soap12BinarySession: 0x08,
} as const;
/** A known encoding octet. */
export type KnownEncoding = (typeof KnownEncoding)[keyof typeof KnownEncoding];

/** True for the nine defined known-encoding values. */
export function isKnownEncoding(value: number): value is KnownEncoding {
  return Number.isInteger(value) && value >= 0x00 && value <= 0x08;
}

const NAMES: readonly string[] = [
  "soap11-utf8",
  "soap11-utf16",
  "soap11-unicode-le",
  "soap12-utf8",
  "soap12-utf16",
  "soap12-unicode-le",
  "soap12-mtom",
  "soap12-binary",
  "soap12-binary-session",
];

/** Short human-readable name of a known encoding (for logs and the CLI). */
export function knownEncodingName(value: number): string {
  return NAMES[value] ?? `unknown(0x${value.toString(16).padStart(2, "0")})`;
}

/**
 * The MIME content type WCF associates with each known encoding (the
 * `application/soap+msbin1` names are WCF's for the binary encoder; the
 * session variant is what Peer Channel negotiates, see WINDOWS-NOTES §1.1).
 */
export function knownEncodingContentType(value: KnownEncoding): string {
  switch (value) {
    case KnownEncoding.Soap11Utf8:
      return "text/xml; charset=utf-8";
    case KnownEncoding.Soap11Utf16:
      return "text/xml; charset=utf-16";
    case KnownEncoding.Soap11UnicodeLE:
      return "text/xml; charset=unicodeFFFE";
    case KnownEncoding.Soap12Utf8:
      return "application/soap+xml; charset=utf-8";
    case KnownEncoding.Soap12Utf16:
      return "application/soap+xml; charset=utf-16";
    case KnownEncoding.Soap12UnicodeLE:
      return "application/soap+xml; charset=unicodeFFFE";
    case KnownEncoding.Soap12Mtom:
      return "multipart/related";
    case KnownEncoding.Soap12Binary:
      return "application/soap+msbin1";
    case KnownEncoding.Soap12BinarySession:
      return "application/soap+msbinsession1";
  }
}

/** An envelope encoding as configured: a known encoding octet, or an extensible MIME content type. */
export type EnvelopeEncoding = KnownEncoding | { readonly contentType: string };
