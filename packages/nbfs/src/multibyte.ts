import { NbfsError } from "./errors.js";

/**
 * MultiByteInt31 (MC-NBFX §2.1.2): 7 bits per byte, low group first, high
 * bit set on every byte but the last; at most 5 bytes and at most 0x7FFFFFFF.
 * We also reject overlong forms (a last byte of zero after continuation
 * bytes), which .NET accepts but no conforming writer produces.
 */
export function readMultiByteInt31(buf: Uint8Array, pos: number, end: number): number {
  // Returns value; the caller advances by multiByteInt31Length(value). Kept
  // allocation-free so it can sit on the hot path.
  let value = 0;
  let shift = 0;
  for (let i = 0; i < 5; i++) {
    if (pos + i >= end) throw new NbfsError("truncated", "MultiByteInt31 is truncated", pos + i);
    const b = buf[pos + i]!;
    if (i === 4 && b > 0x07) {
      throw new NbfsError("bad-multibyte-int31", "MultiByteInt31 exceeds 0x7FFFFFFF", pos);
    }
    value += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) {
      if (b === 0 && i > 0) {
        throw new NbfsError("bad-multibyte-int31", "overlong MultiByteInt31", pos);
      }
      return value;
    }
    shift += 7;
  }
  // Unreachable: the 5th byte is at most 0x07, so its high bit is clear.
  throw new NbfsError("bad-multibyte-int31", "MultiByteInt31 longer than 5 bytes", pos);
}

/** Number of bytes the MultiByteInt31 encoding of `value` takes. */
export function multiByteInt31Length(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  return 5;
}

/** Writes `value` (0..0x7FFFFFFF) at `pos`; returns the new position. The caller ensures room for 5 bytes. */
export function writeMultiByteInt31(buf: Uint8Array, pos: number, value: number): number {
  let v = value >>> 0;
  while (v >= 0x80) {
    buf[pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[pos++] = v;
  return pos;
}

/** Encodes one MultiByteInt31 into a fresh array. */
export function encodeMultiByteInt31(value: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > 0x7fffffff) {
    throw new NbfsError("invalid-value", `MultiByteInt31 out of range: ${value}`);
  }
  const out = new Uint8Array(multiByteInt31Length(value));
  writeMultiByteInt31(out, 0, value);
  return out;
}

/** Decodes one MultiByteInt31 at `offset`; returns the value and the bytes it used. */
export function decodeMultiByteInt31(
  bytes: Uint8Array,
  offset = 0,
): { value: number; length: number } {
  const value = readMultiByteInt31(bytes, offset, bytes.length);
  return { value, length: multiByteInt31Length(value) };
}
