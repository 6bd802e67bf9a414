// @prch/nmf: .NET Message Framing (MC-NMF), sans-IO.
export { type DecoderLimits, DEFAULT_LIMITS, RecordDecoder } from "./decoder.js";
export {
  type EnvelopeEncoding,
  isKnownEncoding,
  KnownEncoding,
  knownEncodingContentType,
  knownEncodingName,
} from "./encodings.js";
export {
  concatBytes,
  DEFAULT_CHUNK_SIZE,
  encodePreamble,
  encodeRecord,
  encodeRecords,
} from "./encoder.js";
export { NmfError, type NmfErrorCode, type NmfErrorOptions } from "./errors.js";
export { FAULT_NAMESPACE, FaultName, faultUri, isFault, wellKnownFault } from "./faults.js";
export {
  type DataChunk,
  type DecodedRecord,
  type EndRecord,
  type ExtensibleEncodingRecord,
  type FaultRecord,
  isMode,
  type KnownEncodingRecord,
  Mode,
  type ModeRecord,
  modeName,
  NMF_MAJOR_VERSION,
  NMF_MINOR_VERSION,
  type NmfRecord,
  type PreambleAckRecord,
  type PreambleEndRecord,
  type RawOctets,
  RecordType,
  type SizedEnvelopeRecord,
  type UnsizedEnvelopeEnd,
  type UnsizedEnvelopeRecord,
  type UnsizedEnvelopeStart,
  UpgradeProtocol,
  type UpgradeRequestRecord,
  type UpgradeResponseRecord,
  type VersionRecord,
  type ViaRecord,
} from "./records.js";
export {
  type InitiatorOptions,
  NmfInitiator,
  type NmfEvent,
  NmfReceiver,
  NmfSession,
  type ReceiverOptions,
  type SessionOptions,
} from "./session.js";
export {
  decodeSize,
  encodedSizeLength,
  encodeSize,
  MAX_RECORD_SIZE,
  SizeDecoder,
  writeEncodedSize,
} from "./size.js";
export { formatNetTcpVia, NET_TCP_DEFAULT_PORT, type NetTcpVia, parseNetTcpVia } from "./via.js";
export { EnvelopeCodec, type EnvelopeCodecOptions } from "./envelope-codec.js";
export {
  createDefaultRenderer,
  type EnvelopeRenderer,
  hexDump,
  type InspectOptions,
  type InspectResult,
  inspectStream,
} from "./inspect.js";
export { type CliIo, runCli } from "./cli-run.js";
