import type { EnvelopeEncoding } from "./encodings.js";
import { NmfError } from "./errors.js";
import {
  type Mode,
  NMF_MAJOR_VERSION,
  NMF_MINOR_VERSION,
  type NmfRecord,
  RecordType,
} from "./records.js";
import { encodedSizeLength, writeEncodedSize } from "./size.js";

const utf8 = new TextEncoder();

/** Default Data Chunk size when cutting an Unsized Envelope (§2.2.4.2). */
export const DEFAULT_CHUNK_SIZE = 65536;

function single(type: number): Uint8Array {
  return Uint8Array.of(type);
}

function sized(type: number, payload: Uint8Array, what: string): Uint8Array {
  if (payload.length === 0) {
    // §2.2.3.3, §2.2.3.5, §2.2.4.1, §2.2.5: the length MUST NOT be 0.
    throw new NmfError("invalid-argument", `${what} must not be empty`);
  }
  const out = new Uint8Array(1 + encodedSizeLength(payload.length) + payload.length);
  out[0] = type;
  const at = writeEncodedSize(out, 1, payload.length);
  out.set(payload, at);
  return out;
}

function byteValue(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xff) {
    throw new NmfError("invalid-argument", `${what} must be an octet, got ${value}`);
  }
  return value;
}

function unsized(payload: Uint8Array, chunkSize: number): Uint8Array {
  if (payload.length === 0) {
    // §2.2.4.3: DataChunk1 MUST be present and a chunk size MUST NOT be 0.
    throw new NmfError("invalid-argument", "an unsized envelope must not be empty");
  }
  if (!Number.isInteger(chunkSize) || chunkSize < 1) {
    throw new NmfError(
      "invalid-argument",
      `chunk size must be a positive integer, got ${chunkSize}`,
    );
  }
  let total = 2; // record type + terminator
  for (let at = 0; at < payload.length; at += chunkSize) {
    const n = Math.min(chunkSize, payload.length - at);
    total += encodedSizeLength(n) + n;
  }
  const out = new Uint8Array(total);
  out[0] = RecordType.UnsizedEnvelope;
  let pos = 1;
  for (let at = 0; at < payload.length; at += chunkSize) {
    const n = Math.min(chunkSize, payload.length - at);
    pos = writeEncodedSize(out, pos, n);
    out.set(payload.subarray(at, at + n), pos);
    pos += n;
  }
  out[pos] = 0x00; // Terminator
  return out;
}

/** Encodes one record (MC-NMF §2.2) to its octets. */
export function encodeRecord(record: NmfRecord): Uint8Array {
  switch (record.type) {
    case "version":
      return Uint8Array.of(
        RecordType.Version,
        byteValue(record.major, "major version"),
        byteValue(record.minor, "minor version"),
      );
    case "mode":
      return Uint8Array.of(RecordType.Mode, byteValue(record.mode, "mode"));
    case "via":
      return sized(RecordType.Via, utf8.encode(record.via), "Via");
    case "knownEncoding":
      return Uint8Array.of(RecordType.KnownEncoding, byteValue(record.encoding, "encoding"));
    case "extensibleEncoding":
      return sized(RecordType.ExtensibleEncoding, utf8.encode(record.contentType), "content type");
    case "upgradeRequest":
      return sized(RecordType.UpgradeRequest, utf8.encode(record.protocol), "upgrade protocol");
    case "upgradeResponse":
      return single(RecordType.UpgradeResponse);
    case "preambleEnd":
      return single(RecordType.PreambleEnd);
    case "preambleAck":
      return single(RecordType.PreambleAck);
    case "end":
      return single(RecordType.End);
    case "fault":
      return sized(RecordType.Fault, utf8.encode(record.fault), "fault");
    case "sizedEnvelope":
      return sized(RecordType.SizedEnvelope, record.payload, "envelope");
    case "unsizedEnvelope":
      return unsized(record.payload, record.chunkSize ?? DEFAULT_CHUNK_SIZE);
  }
}

/** Encodes several records into one contiguous array. */
export function encodeRecords(records: readonly NmfRecord[]): Uint8Array {
  return concatBytes(records.map(encodeRecord));
}

/** The Preamble Message of §2.2.6: Version, Mode, Via and Envelope Encoding records. */
export function encodePreamble(preamble: {
  mode: Mode;
  via: string;
  encoding: EnvelopeEncoding;
}): Uint8Array {
  const encoding: NmfRecord =
    typeof preamble.encoding === "number"
      ? { type: "knownEncoding", encoding: preamble.encoding }
      : { type: "extensibleEncoding", contentType: preamble.encoding.contentType };
  return encodeRecords([
    { type: "version", major: NMF_MAJOR_VERSION, minor: NMF_MINOR_VERSION },
    { type: "mode", mode: preamble.mode },
    { type: "via", via: preamble.via },
    encoding,
  ]);
}

/** Concatenates byte arrays. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
