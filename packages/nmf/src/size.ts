import { NmfError } from "./errors.js";

/**
 * Largest record size accepted on the wire. MC-NMF §2.2.2 allows up to
 * 0xFFFFFFFF, but Windows refuses anything above 0x7FFFFFFF (§6 <2>) and the
 * ABNF `EncodedSize` of §3.1.1.2 caps the fifth octet at 0x07, so we follow
 * Windows and the grammar.
 */
export const MAX_RECORD_SIZE = 0x7fffffff;

/** Number of octets the size encoding of `size` takes (1–5). */
export function encodedSizeLength(size: number): number {
  if (size < 0x80) return 1;
  if (size < 0x4000) return 2;
  if (size < 0x200000) return 3;
  if (size < 0x10000000) return 4;
  return 5;
}

function checkEncodable(size: number): void {
  if (!Number.isInteger(size) || size < 1 || size > MAX_RECORD_SIZE) {
    throw new NmfError(
      size === 0 ? "size-zero" : "size-too-large",
      `record size ${size} cannot be encoded (must be 1..0x7FFFFFFF)`,
    );
  }
}

/**
 * Writes the size encoding of MC-NMF §2.2.2 (7 bits per octet, least
 * significant group first, high bit set on all but the last octet) into
 * `target` at `offset`; returns the offset after it.
 */
export function writeEncodedSize(target: Uint8Array, offset: number, size: number): number {
  checkEncodable(size);
  let rest = size;
  let at = offset;
  while (rest >= 0x80) {
    target[at++] = (rest & 0x7f) | 0x80;
    rest >>>= 7;
  }
  target[at++] = rest;
  return at;
}

/** The size encoding of `size` as a fresh array. */
export function encodeSize(size: number): Uint8Array {
  checkEncodable(size);
  const out = new Uint8Array(encodedSizeLength(size));
  writeEncodedSize(out, 0, size);
  return out;
}

/**
 * Incremental decoder for one encoded size. Feed octets one at a time with
 * {@link SizeDecoder.push}; it returns the size once the last octet arrives.
 * Every rule of the `EncodedSize` production (§3.1.1.2) is enforced:
 * no zero, no overlong form (a final group of 0 after continuation octets),
 * at most five octets with the fifth ≤ 0x07, and the caller's limit.
 */
export class SizeDecoder {
  private value = 0;
  private count = 0;

  /** Starts over for a new size. */
  reset(): void {
    this.value = 0;
    this.count = 0;
  }

  /** Octets consumed so far for the current size. */
  get length(): number {
    return this.count;
  }

  /**
   * Adds one octet. Returns the decoded size when complete, or -1 when more
   * octets are needed. `offset` is only used for error reports.
   */
  push(octet: number, offset: number): number {
    const index = this.count++;
    if (index === 4) {
      // Fifth octet: only 3 bits remain below 2^31, and no continuation.
      if (octet > 0x07) {
        throw new NmfError("size-too-large", "record size is larger than 0x7FFFFFFF", { offset });
      }
    }
    this.value += (octet & 0x7f) * 2 ** (7 * index);
    if (octet & 0x80) return -1;
    if (octet === 0) {
      throw index === 0
        ? new NmfError("size-zero", "record size is 0", { offset })
        : new NmfError("size-overlong", "record size uses an overlong encoding", { offset });
    }
    const result = this.value;
    this.reset();
    return result;
  }
}

/**
 * Decodes one encoded size from `bytes` at `offset`. Returns the size and the
 * octets used, or `undefined` when the input ends before the size does.
 */
export function decodeSize(
  bytes: Uint8Array,
  offset = 0,
): { size: number; length: number } | undefined {
  const decoder = new SizeDecoder();
  for (let i = offset; i < bytes.length && i < offset + 5; i++) {
    const size = decoder.push(bytes[i]!, i);
    if (size >= 0) return { size, length: i - offset + 1 };
  }
  return undefined;
}
