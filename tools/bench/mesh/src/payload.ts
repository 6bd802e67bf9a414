/** Which part of the workload a message belongs to. */
export const Phase = { Probe: 1, Latency: 2, Throughput: 3 } as const;
export type Phase = (typeof Phase)[keyof typeof Phase];

const MAGIC = 0xb5;
/** magic (1) + phase (1) + sequence number (4, little-endian). */
export const HEADER_SIZE = 6;

/**
 * Builds a benchmark message of `size` bytes: a 6-byte header naming the phase
 * and sequence number, then filler that differs per message so that no layer
 * can get away with caching or compressing identical payloads.
 */
export function makePayload(phase: Phase, seq: number, size: number): Uint8Array {
  if (size < HEADER_SIZE) throw new RangeError(`payload must be at least ${HEADER_SIZE} bytes`);
  const b = new Uint8Array(size);
  b[0] = MAGIC;
  b[1] = phase;
  new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(2, seq >>> 0, true);
  let x = (seq * 2654435761 + phase) >>> 0;
  for (let i = HEADER_SIZE; i < size; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

/** The phase of a benchmark message, or 0 for anything that is not one. */
export function payloadPhase(data: Uint8Array): number {
  return data.length >= HEADER_SIZE && data[0] === MAGIC ? data[1]! : 0;
}

/** The sequence number of a benchmark message (call only when `payloadPhase` is not 0). */
export function payloadSeq(data: Uint8Array): number {
  return (data[2]! | (data[3]! << 8) | (data[4]! << 16) | (data[5]! << 24)) >>> 0;
}
