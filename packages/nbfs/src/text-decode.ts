import { NbfsError } from "./errors.js";

// Decoding of String (UTF-8, MC-NBFX §2.1.3) and UnicodeChars (UTF-16LE)
// payloads. Invalid sequences, including encoded surrogates and UTF-16
// lone surrogates, are rejected rather than replaced.

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const utf16 = new TextDecoder("utf-16le", { fatal: true, ignoreBOM: true });

/** Decodes buf[start, end) as strict UTF-8. */
export function decodeUtf8(buf: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n <= 24) {
    // Short ASCII names dominate SOAP documents; building them directly
    // avoids TextDecoder's per-call cost.
    let s = "";
    for (let i = start; i < end; i++) {
      const c = buf[i]!;
      if (c >= 0x80) return decodeUtf8Slow(buf, start, end);
      s += String.fromCharCode(c);
    }
    return s;
  }
  return decodeUtf8Slow(buf, start, end);
}

function decodeUtf8Slow(buf: Uint8Array, start: number, end: number): string {
  try {
    return utf8.decode(buf.subarray(start, end));
  } catch {
    throw new NbfsError("invalid-utf8", "invalid UTF-8 in string", start);
  }
}

/** Decodes buf[start, end) as strict UTF-16LE; the length must be even. */
export function decodeUtf16(buf: Uint8Array, start: number, end: number): string {
  if (((end - start) & 1) !== 0) {
    throw new NbfsError("invalid-utf16", "UTF-16 byte length is odd", start);
  }
  try {
    return utf16.decode(buf.subarray(start, end));
  } catch {
    throw new NbfsError("invalid-utf16", "invalid UTF-16 (lone surrogate)", start);
  }
}

// 1 = may start a name, 2 = may continue one (ASCII only; every non-ASCII
// character is accepted, which is looser than XML's NameChar but never lets
// markup characters through).
const NAME_CHAR = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z_]/.test(ch)) NAME_CHAR[c] = 3;
  else if (/[0-9.-]/.test(ch)) NAME_CHAR[c] = 2;
}

/** True for a non-empty NCName (ASCII checked exactly, other characters accepted). */
export function isNCName(s: string): boolean {
  const n = s.length;
  if (n === 0) return false;
  const c0 = s.charCodeAt(0);
  if (c0 < 128 ? (NAME_CHAR[c0]! & 1) === 0 : !isNameStartHigh(c0)) return false;
  for (let i = 1; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 128) {
      if (NAME_CHAR[c] === 0) return false;
    } else if (!isNameCharHigh(c)) return false;
  }
  return true;
}

function isNameStartHigh(c: number): boolean {
  // XML 1.0 5th edition NameStartChar above ASCII (surrogates accepted as part of pairs).
  return (
    (c >= 0xc0 && c <= 0xd6) ||
    (c >= 0xd8 && c <= 0xf6) ||
    (c >= 0xf8 && c <= 0x2ff) ||
    (c >= 0x370 && c <= 0x37d) ||
    (c >= 0x37f && c <= 0x1fff) ||
    (c >= 0x200c && c <= 0x200d) ||
    (c >= 0x2070 && c <= 0x218f) ||
    (c >= 0x2c00 && c <= 0x2fef) ||
    (c >= 0x3001 && c <= 0xd7ff) ||
    (c >= 0xd800 && c <= 0xdfff) ||
    (c >= 0xf900 && c <= 0xfdcf) ||
    (c >= 0xfdf0 && c <= 0xfffd)
  );
}

function isNameCharHigh(c: number): boolean {
  return (
    isNameStartHigh(c) || c === 0xb7 || (c >= 0x300 && c <= 0x36f) || (c >= 0x203f && c <= 0x2040)
  );
}
