// A process-wide cache of short ASCII strings read as names, prefixes and
// namespaces. SOAP documents repeat the same few names endlessly; a hit
// costs a hash and a byte compare instead of building a string.

const SIZE = 4096;
const MAX_LEN = 64;
const keys: (Uint8Array | undefined)[] = new Array(SIZE).fill(undefined);
const values: string[] = new Array(SIZE).fill("");
// 1 when the string is known to be a valid NCName.
const ncname = new Uint8Array(SIZE);

type Latin1Slice = (this: Uint8Array, start: number, end: number) => string;
// Node's native latin1 slicer accepts any Uint8Array as `this`.
const nativeLatin1 = (Buffer.prototype as unknown as { latin1Slice?: Latin1Slice }).latin1Slice;

/** Builds a one-byte string from ASCII bytes. */
export function asciiString(buf: Uint8Array, start: number, end: number): string {
  if (nativeLatin1 !== undefined) return nativeLatin1.call(buf, start, end);
  return String.fromCharCode.apply(null, buf.subarray(start, end) as unknown as number[]);
}

/**
 * The slot holding the ASCII string buf[start, end), filling it on a miss,
 * or -1 if the bytes are not short ASCII.
 */
export function internSlot(buf: Uint8Array, start: number, end: number): number {
  const n = end - start;
  if (n === 0 || n > MAX_LEN) return -1;
  // A hash of the length and three bytes: cheap, and good enough for the
  // few dozen distinct names a SOAP workload has; a hit still compares all bytes.
  const h =
    Math.imul(n, 0x9e3779b1) ^
    Math.imul(buf[start]!, 0x85ebca6b) ^
    Math.imul(buf[end - 1]!, 0xc2b2ae35) ^
    Math.imul(buf[start + (n >> 1)]!, 0x27d4eb2f);
  const slot = (h ^ (h >>> 15)) & (SIZE - 1);
  const k = keys[slot];
  if (k !== undefined && k.length === n) {
    let j = 0;
    while (j < n && k[j] === buf[start + j]) j++;
    if (j === n) return slot;
  }
  for (let i = start; i < end; i++) if (buf[i]! >= 0x80) return -1;
  const key = new Uint8Array(n);
  key.set(buf.subarray(start, end));
  keys[slot] = key;
  values[slot] = asciiString(buf, start, end);
  ncname[slot] = 0;
  return slot;
}

export function slotValue(slot: number): string {
  return values[slot]!;
}

export function slotIsNCName(slot: number): boolean {
  return ncname[slot] === 1;
}

export function markNCName(slot: number): void {
  ncname[slot] = 1;
}
