/** Record type octets, MC-NMF §2.2.1. Values 0x0D–0xFF are reserved. */
export const RecordType = {
  Version: 0x00,
  Mode: 0x01,
  Via: 0x02,
  KnownEncoding: 0x03,
  ExtensibleEncoding: 0x04,
  UnsizedEnvelope: 0x05,
  SizedEnvelope: 0x06,
  End: 0x07,
  Fault: 0x08,
  UpgradeRequest: 0x09,
  UpgradeResponse: 0x0a,
  PreambleAck: 0x0b,
  PreambleEnd: 0x0c,
} as const;
/** A record type octet. */
export type RecordType = (typeof RecordType)[keyof typeof RecordType];

/** Communication modes, MC-NMF §2.2.3.2. */
export const Mode = {
  SingletonUnsized: 0x01,
  Duplex: 0x02,
  Simplex: 0x03,
  SingletonSized: 0x04,
} as const;
/** A mode octet. */
export type Mode = (typeof Mode)[keyof typeof Mode];

/** True for the four defined mode values. */
export function isMode(value: number): value is Mode {
  return value >= 0x01 && value <= 0x04;
}

/** Human-readable mode names (for logs and the CLI). */
export function modeName(mode: number): string {
  switch (mode) {
    case Mode.SingletonUnsized:
      return "singleton-unsized";
    case Mode.Duplex:
      return "duplex";
    case Mode.Simplex:
      return "simplex";
    case Mode.SingletonSized:
      return "singleton-sized";
    default:
      return `unknown(0x${mode.toString(16).padStart(2, "0")})`;
  }
}

/** Upgrade protocol names, MC-NMF §2.2.3.5. */
export const UpgradeProtocol = {
  SslTls: "application/ssl-tls",
  Negotiate: "application/negotiate",
} as const;

/** The version this implementation speaks (§2.2.3.1): 1.0. */
export const NMF_MAJOR_VERSION = 1;
export const NMF_MINOR_VERSION = 0;

/** Version record (0x00). */
export interface VersionRecord {
  readonly type: "version";
  readonly major: number;
  readonly minor: number;
}
/** Mode record (0x01); `mode` may be any octet when decoded. */
export interface ModeRecord {
  readonly type: "mode";
  readonly mode: number;
}
/** Via record (0x02). */
export interface ViaRecord {
  readonly type: "via";
  readonly via: string;
}
/** Known Encoding record (0x03); `encoding` may be any octet when decoded. */
export interface KnownEncodingRecord {
  readonly type: "knownEncoding";
  readonly encoding: number;
}
/** Extensible Encoding record (0x04): a MIME content type. */
export interface ExtensibleEncodingRecord {
  readonly type: "extensibleEncoding";
  readonly contentType: string;
}
/** Upgrade Request record (0x09). */
export interface UpgradeRequestRecord {
  readonly type: "upgradeRequest";
  readonly protocol: string;
}
/** Upgrade Response record (0x0A). */
export interface UpgradeResponseRecord {
  readonly type: "upgradeResponse";
}
/** Preamble End record (0x0C). */
export interface PreambleEndRecord {
  readonly type: "preambleEnd";
}
/** Preamble Ack record (0x0B). */
export interface PreambleAckRecord {
  readonly type: "preambleAck";
}
/** End record (0x07). */
export interface EndRecord {
  readonly type: "end";
}
/** Fault record (0x08): a fault URI. */
export interface FaultRecord {
  readonly type: "fault";
  readonly fault: string;
}
/** Sized Envelope record (0x06). */
export interface SizedEnvelopeRecord {
  readonly type: "sizedEnvelope";
  readonly payload: Uint8Array;
}
/**
 * Unsized Envelope record (0x05) as a whole, for encoding: the payload is cut
 * into Data Chunks (§2.2.4.2) of at most `chunkSize` octets.
 */
export interface UnsizedEnvelopeRecord {
  readonly type: "unsizedEnvelope";
  readonly payload: Uint8Array;
  readonly chunkSize?: number;
}
/** Decoder output: the 0x05 octet that opens an Unsized Envelope record. */
export interface UnsizedEnvelopeStart {
  readonly type: "unsizedEnvelopeStart";
}
/** Decoder output: one Data Chunk of an Unsized Envelope record (§2.2.4.2). */
export interface DataChunk {
  readonly type: "dataChunk";
  readonly payload: Uint8Array;
}
/** Decoder output: the 0x00 Terminator that closes an Unsized Envelope record. */
export interface UnsizedEnvelopeEnd {
  readonly type: "unsizedEnvelopeEnd";
}
/** Decoder output in raw mode (Singleton Sized, §3.3.4.4.3): octets of the message. */
export interface RawOctets {
  readonly type: "octets";
  readonly payload: Uint8Array;
}

/** Every record that can be encoded. */
export type NmfRecord =
  | VersionRecord
  | ModeRecord
  | ViaRecord
  | KnownEncodingRecord
  | ExtensibleEncodingRecord
  | UpgradeRequestRecord
  | UpgradeResponseRecord
  | PreambleEndRecord
  | PreambleAckRecord
  | EndRecord
  | FaultRecord
  | SizedEnvelopeRecord
  | UnsizedEnvelopeRecord;

/** What the incremental decoder yields: whole records, with unsized envelopes in pieces. */
export type DecodedRecord =
  | Exclude<NmfRecord, UnsizedEnvelopeRecord>
  | UnsizedEnvelopeStart
  | DataChunk
  | UnsizedEnvelopeEnd
  | RawOctets;
