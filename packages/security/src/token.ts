import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { SecurityError } from "./errors.js";

/** Length of a PeerHashToken authenticator (HMAC-SHA256). */
export const AUTHENTICATOR_LENGTH = 32;
/**
 * Largest base64 authenticator text accepted from the wire. A real one is 44
 * characters; the bound keeps a hostile peer from making us decode megabytes.
 */
export const MAX_AUTHENTICATOR_TEXT = 512;

/**
 * .NET's Char.IsWhiteSpace set, which String.Trim() strips. It differs from
 * JavaScript's String.prototype.trim(): .NET trims U+0085 (NEL) and keeps
 * U+FEFF (BOM); JS does the opposite. PeerSecurityHelpers.ComputeHash uses
 * pwd.Trim(), so we must use .NET's set to produce the same bytes.
 */
function isDotNetWhiteSpace(c: number): boolean {
  return (
    (c >= 0x09 && c <= 0x0d) ||
    c === 0x20 ||
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

/** String.Trim() as .NET Framework 4.x does it. */
export function dotNetTrim(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isDotNetWhiteSpace(s.charCodeAt(start))) start++;
  while (end > start && isDotNetWhiteSpace(s.charCodeAt(end - 1))) end--;
  return s.slice(start, end);
}

/**
 * UTF-16LE as .NET's Encoding.Unicode.GetBytes writes it: an unpaired
 * surrogate becomes U+FFFD (the default replacement fallback) instead of
 * being copied through as Node's "utf16le" encoder would.
 */
export function utf16leDotNet(s: string): Uint8Array {
  const out = new Uint8Array(s.length * 2);
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (next >= 0xdc00 && next <= 0xdfff) {
        out[2 * i] = c & 0xff;
        out[2 * i + 1] = c >>> 8;
        i++;
        out[2 * i] = next & 0xff;
        out[2 * i + 1] = next >>> 8;
        continue;
      }
      c = 0xfffd;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      c = 0xfffd;
    }
    out[2 * i] = c & 0xff;
    out[2 * i + 1] = c >>> 8;
  }
  return out;
}

/** The password bytes of the PeerHashToken: UTF-16LE of the .NET-trimmed password. */
export function passwordBytes(password: string): Uint8Array {
  return utf16leDotNet(dotNetTrim(password));
}

/**
 * The raw 32-byte PeerHashToken authenticator (MC-PRCH §2.2.3.1.1, as
 * Windows computes it — WINDOWS-NOTES §1.6):
 * HMAC-SHA256(key = pwd, data = SHA256(pwd) ‖ keyBlob), where pwd is the
 * UTF-16LE of the trimmed password and keyBlob the CAPI PUBLICKEYBLOB of the
 * certificate's RSA key (see capi.ts).
 *
 * Windows refuses an empty mesh password at configuration time; we still
 * compute a value for it (HMAC with an empty key is well defined) so the
 * caller decides.
 */
export function computeAuthenticator(password: string, keyBlob: Uint8Array): Uint8Array {
  const pwd = passwordBytes(password);
  const data = new Uint8Array(32 + keyBlob.length);
  data.set(sha256(pwd), 0);
  data.set(keyBlob, 32);
  const mac = hmac(sha256, pwd, data);
  pwd.fill(0);
  data.fill(0);
  return mac;
}

/** The Authenticator element text: base64 of {@link computeAuthenticator}. */
export function computePeerHashToken(password: string, keyBlob: Uint8Array): string {
  return Buffer.from(computeAuthenticator(password, keyBlob)).toString("base64");
}

/**
 * Compares two byte strings in time that depends only on their lengths.
 * Windows compares tokens with an early-exit loop (PeerHashToken.Equals); a
 * constant-time compare costs nothing and leaks nothing.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

const BASE64_BODY = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Strict base64 decoding of wire text. Like .NET's Convert.FromBase64String
 * it ignores spaces, tabs, CR and LF; unlike Node's Buffer.from it rejects any
 * other stray character instead of skipping it.
 */
export function decodeBase64Strict(text: string, maxChars: number): Uint8Array {
  if (text.length > maxChars) {
    throw new SecurityError("quota-exceeded", `base64 text longer than ${maxChars} characters`);
  }
  const compact = text.replace(/[ \t\r\n]/g, "");
  if (compact.length % 4 !== 0 || !BASE64_BODY.test(compact)) {
    throw new SecurityError("malformed-token", "not valid base64");
  }
  return new Uint8Array(Buffer.from(compact, "base64"));
}

/**
 * Checks a received Authenticator — base64 text, or the bytes a decoder
 * already took out of it (@prch/soap hands over bytes) — against the token
 * expected for the peer's key blob and our password. Returns false for a
 * wrong, short, long or undecodable token; never throws for wire input.
 */
export function verifyPeerHashToken(
  authenticator: string | Uint8Array,
  password: string,
  keyBlob: Uint8Array,
): boolean {
  let received: Uint8Array;
  if (typeof authenticator === "string") {
    try {
      received = decodeBase64Strict(authenticator, MAX_AUTHENTICATOR_TEXT);
    } catch {
      return false;
    }
  } else {
    received = authenticator;
  }
  const expected = computeAuthenticator(password, keyBlob);
  const ok = received.length === AUTHENTICATOR_LENGTH && constantTimeEqual(received, expected);
  expected.fill(0);
  return ok;
}
