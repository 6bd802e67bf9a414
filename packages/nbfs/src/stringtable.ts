import { NbfsError, NbfsQuotaError } from "./errors.js";
import { multiByteInt31Length, readMultiByteInt31, writeMultiByteInt31 } from "./multibyte.js";
import type { ReaderQuotas } from "./quotas.js";
import type { SessionDictionary } from "./session.js";
import { utf8ByteLength } from "./session.js";
import { decodeUtf8 } from "./text-decode.js";

/**
 * Reads an MC-NBFSE StringTable (§2.1) at `offset`, adding its strings to
 * `session`; returns the offset just past it. Enforces maxSessionStrings
 * and maxSessionSize (§4) over the whole session.
 */
export function readStringTable(
  bytes: Uint8Array,
  offset: number,
  session: SessionDictionary,
  quotas: Pick<ReaderQuotas, "maxSessionStrings" | "maxSessionSize" | "maxStringContentLength">,
): number {
  const end = bytes.length;
  const size = readMultiByteInt31(bytes, offset, end);
  let pos = offset + multiByteInt31Length(size);
  if (size > end - pos) {
    throw new NbfsError("truncated", `StringTable of ${size} bytes is truncated`, offset);
  }
  const tableEnd = pos + size;
  while (pos < tableEnd) {
    const at = pos;
    const len = readMultiByteInt31(bytes, pos, tableEnd);
    pos += multiByteInt31Length(len);
    if (len > tableEnd - pos) {
      throw new NbfsError("invalid-string-table", "string overruns the StringTable size", at);
    }
    const s = decodeUtf8(bytes, pos, pos + len);
    pos += len;
    if (session.idOf(s) !== undefined) {
      throw new NbfsError("invalid-string-table", `string "${s}" is already defined`, at);
    }
    if (session.count >= quotas.maxSessionStrings) {
      throw new NbfsQuotaError("maxSessionStrings", quotas.maxSessionStrings, at);
    }
    // WCF's reader counts each StringTable's whole Size (length prefixes
    // included) against MaxSessionSize; we count only the strings' UTF-8, so
    // we accept a little more than WCF would, never less (the writer side
    // follows WCF's stricter accounting).
    if (len > quotas.maxSessionSize - session.byteSize) {
      throw new NbfsQuotaError("maxSessionSize", quotas.maxSessionSize, at);
    }
    session.add(s, len);
  }
  return tableEnd;
}

/** Encodes a StringTable holding `strings` (MC-NBFSE §2.1). */
export function encodeStringTable(strings: readonly string[]): Uint8Array {
  const enc = new TextEncoder();
  const parts = strings.map((s) => enc.encode(s));
  let size = 0;
  for (const p of parts) size += multiByteInt31Length(p.length) + p.length;
  const out = new Uint8Array(multiByteInt31Length(size) + size);
  let pos = writeMultiByteInt31(out, 0, size);
  for (const p of parts) {
    pos = writeMultiByteInt31(out, pos, p.length);
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

/**
 * Decodes a StringTable without a session: returns its strings and the
 * offset after it. For tools that only want to look.
 */
export function decodeStringTable(
  bytes: Uint8Array,
  offset = 0,
): { strings: string[]; end: number } {
  const end = bytes.length;
  const size = readMultiByteInt31(bytes, offset, end);
  let pos = offset + multiByteInt31Length(size);
  if (size > end - pos) throw new NbfsError("truncated", "StringTable is truncated", offset);
  const tableEnd = pos + size;
  const strings: string[] = [];
  while (pos < tableEnd) {
    const at = pos;
    const len = readMultiByteInt31(bytes, pos, tableEnd);
    pos += multiByteInt31Length(len);
    if (len > tableEnd - pos) {
      throw new NbfsError("invalid-string-table", "string overruns the StringTable size", at);
    }
    strings.push(decodeUtf8(bytes, pos, pos + len));
    pos += len;
  }
  return { strings, end: tableEnd };
}

export { utf8ByteLength };
