import { SecurityError } from "./errors.js";

/**
 * The CAPI PUBLICKEYBLOB of an RSA public key: the bytes .NET's
 * `RSACryptoServiceProvider.ExportCspBlob(false)` returns, which Windows feeds
 * into the PeerHashToken (WINDOWS-NOTES §1.6). This module is the only place
 * that knows the layout:
 *
 * ```text
 * offset size field                 value
 *  0     1    BLOBHEADER.bType      0x06 PUBLICKEYBLOB
 *  1     1    BLOBHEADER.bVersion   0x02 CUR_BLOB_VERSION
 *  2     2    BLOBHEADER.reserved   0
 *  4     4    BLOBHEADER.aiKeyAlg   CAPI_RSA_KEY_ALG (LE)
 *  8     4    RSAPUBKEY.magic       "RSA1" (0x31415352 LE)
 * 12     4    RSAPUBKEY.bitlen      modulus bits (LE)
 * 16     4    RSAPUBKEY.pubexp      public exponent (LE DWORD)
 * 20     n    modulus               bitlen/8 bytes, little-endian
 * ```
 */

/** BLOBHEADER.bType for a public-key blob. */
export const CAPI_PUBLICKEYBLOB = 0x06;
/** BLOBHEADER.bVersion. */
export const CAPI_BLOB_VERSION = 0x02;
/**
 * BLOBHEADER.aiKeyAlg: CALG_RSA_KEYX (0x0000A400).
 *
 * Why this value and not CALG_RSA_SIGN (0x2400): .NET Framework builds
 * `X509Certificate2.PublicKey.Key` by decoding the certificate's
 * SubjectPublicKeyInfo with CryptDecodeObject(RSA_CSP_PUBLICKEYBLOB), which
 * always stamps CALG_RSA_KEYX, then imports that blob into an
 * RSACryptoServiceProvider (key-exchange slot); ExportCspBlob(false) exports
 * the key with the algorithm it was imported with. The certificate's key
 * usage does not change it. WINDOWS-NOTES §1.6 also says "probably 0xA400".
 * Not yet confirmed by a capture against a Windows node: if it ever proves
 * wrong, this constant is the one thing to change.
 */
export const CAPI_RSA_KEY_ALG = 0x0000a400;
/** RSAPUBKEY.magic: the ASCII bytes "RSA1" read as a little-endian DWORD. */
export const CAPI_RSA1_MAGIC = 0x31415352;
/** Size of BLOBHEADER + RSAPUBKEY. */
export const CAPI_HEADER_SIZE = 20;
/** Largest modulus accepted (bits); CAPI itself stops at 16384. */
export const CAPI_MAX_MODULUS_BITS = 16384;

/** The two numbers of an RSA public key as unsigned big-endian byte strings. */
export interface RsaPublicKeyParts {
  /** Modulus n, big-endian, leading zero bytes allowed. */
  readonly modulus: Uint8Array;
  /** Public exponent e, big-endian, leading zero bytes allowed. */
  readonly exponent: Uint8Array;
}

function stripLeadingZeros(bytes: Uint8Array): Uint8Array {
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  return bytes.subarray(i);
}

/**
 * Encodes an RSA public key as a CAPI PUBLICKEYBLOB.
 *
 * bitlen is the modulus length in whole bytes × 8, as CryptDecodeObject
 * computes it from the DER INTEGER after dropping its sign byte; the modulus
 * is written in exactly bitlen/8 bytes.
 */
export function rsaPublicKeyToCapiBlob(key: RsaPublicKeyParts): Uint8Array {
  const n = stripLeadingZeros(key.modulus);
  const e = stripLeadingZeros(key.exponent);
  if (n.length === 0) throw new SecurityError("unsupported-key", "RSA modulus is zero");
  if (n.length * 8 > CAPI_MAX_MODULUS_BITS) {
    throw new SecurityError("unsupported-key", `RSA modulus of ${n.length * 8} bits is too large`);
  }
  if (e.length === 0 || e.length > 4) {
    // RSAPUBKEY.pubexp is a DWORD: CAPI cannot express a larger exponent.
    throw new SecurityError("unsupported-key", "RSA exponent does not fit a CAPI DWORD");
  }
  const blob = new Uint8Array(CAPI_HEADER_SIZE + n.length);
  const view = new DataView(blob.buffer);
  view.setUint8(0, CAPI_PUBLICKEYBLOB);
  view.setUint8(1, CAPI_BLOB_VERSION);
  view.setUint16(2, 0, true);
  view.setUint32(4, CAPI_RSA_KEY_ALG, true);
  view.setUint32(8, CAPI_RSA1_MAGIC, true);
  view.setUint32(12, n.length * 8, true);
  let exp = 0;
  for (const b of e) exp = exp * 256 + b;
  view.setUint32(16, exp, true);
  for (let i = 0; i < n.length; i++) blob[CAPI_HEADER_SIZE + i] = n[n.length - 1 - i]!;
  return blob;
}

/**
 * Decodes a CAPI PUBLICKEYBLOB (for diagnostics and tests). Rejects anything
 * but an RSA1 public-key blob whose length matches its bitlen.
 */
export function capiBlobToRsaPublicKey(blob: Uint8Array): RsaPublicKeyParts & {
  readonly keyAlg: number;
  readonly bitLength: number;
} {
  if (blob.length < CAPI_HEADER_SIZE) {
    throw new SecurityError("unsupported-key", "CAPI blob shorter than its header");
  }
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  if (view.getUint8(0) !== CAPI_PUBLICKEYBLOB || view.getUint8(1) !== CAPI_BLOB_VERSION) {
    throw new SecurityError("unsupported-key", "not a version-2 PUBLICKEYBLOB");
  }
  if (view.getUint32(8, true) !== CAPI_RSA1_MAGIC) {
    throw new SecurityError("unsupported-key", "CAPI blob magic is not RSA1");
  }
  const bitLength = view.getUint32(12, true);
  if (bitLength === 0 || bitLength % 8 !== 0 || bitLength > CAPI_MAX_MODULUS_BITS) {
    throw new SecurityError("unsupported-key", `bad CAPI bitlen ${bitLength}`);
  }
  if (blob.length !== CAPI_HEADER_SIZE + bitLength / 8) {
    throw new SecurityError("unsupported-key", "CAPI blob length does not match bitlen");
  }
  const exp = view.getUint32(16, true);
  const exponent = stripLeadingZeros(
    Uint8Array.of(exp >>> 24, (exp >>> 16) & 0xff, (exp >>> 8) & 0xff, exp & 0xff),
  );
  const modulus = blob.slice(CAPI_HEADER_SIZE).reverse();
  return { modulus, exponent, keyAlg: view.getUint32(4, true), bitLength };
}
