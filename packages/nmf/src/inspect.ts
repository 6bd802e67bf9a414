import { type DecoderLimits, RecordDecoder } from "./decoder.js";
import { MAX_QUOTAS } from "@prch/nbfs";
import { type EnvelopeEncoding, type KnownEncoding, knownEncodingName } from "./encodings.js";
import { EnvelopeCodec } from "./envelope-codec.js";
import { NmfError } from "./errors.js";
import { wellKnownFault } from "./faults.js";
import { type DecodedRecord, Mode, modeName } from "./records.js";

/**
 * Turns one envelope payload into text lines. Called in stream order, so a
 * renderer for encoding 0x08 can carry MC-NBFSE session strings from one
 * envelope to the next.
 */
export type EnvelopeRenderer = (
  payload: Uint8Array,
  encoding: EnvelopeEncoding | undefined,
) => string[];

/** Options for {@link inspectStream}. */
export interface InspectOptions extends DecoderLimits {
  /**
   * The encoding to assume until an encoding record says otherwise: the
   * responder's stream (receiver → initiator) carries none of its own.
   */
  encoding?: EnvelopeEncoding;
  /** Renders envelopes; default {@link createDefaultRenderer}. */
  renderEnvelope?: EnvelopeRenderer;
}

/** What {@link inspectStream} found: one line per record (plus envelope lines), and the error that stopped it, if any. */
export interface InspectResult {
  readonly lines: string[];
  readonly error: NmfError | undefined;
}

const hex2 = (n: number) => n.toString(16).padStart(2, "0");
/** The offset column of the listing. */
const at = (offset: number) => `@${offset}`.padEnd(8);

/** A hex dump, 16 octets per line, as a fallback rendering. */
export function hexDump(bytes: Uint8Array, max = 256): string[] {
  const lines: string[] = [];
  const n = Math.min(bytes.length, max);
  for (let at = 0; at < n; at += 16) {
    const row = bytes.subarray(at, Math.min(at + 16, n));
    const text = [...row]
      .map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : "."))
      .join("");
    lines.push(
      `${at.toString(16).padStart(6, "0")}  ${[...row].map(hex2).join(" ").padEnd(47)}  ${text}`,
    );
  }
  if (bytes.length > max) lines.push(`… ${bytes.length - max} more octets`);
  return lines;
}

/**
 * The default renderer: envelopes decoded to XML text with an
 * {@link EnvelopeCodec} (text, MC-NBFS 0x07, MC-NBFSE 0x08 with session
 * strings carried from envelope to envelope), hex for anything else or for
 * an envelope that does not decode. Stateful: make one per stream.
 */
export function createDefaultRenderer(): EnvelopeRenderer {
  let codec: EnvelopeCodec | undefined;
  let codecEncoding: EnvelopeEncoding | undefined;
  return (payload, encoding) => {
    if (encoding === undefined || typeof encoding !== "number" || encoding === 0x06) {
      return hexDump(payload);
    }
    if (codec === undefined || codecEncoding !== encoding) {
      codec = new EnvelopeCodec(encoding, { quotas: MAX_QUOTAS });
      codecEncoding = encoding;
    }
    try {
      return codec.decodeToText(payload).split(/\r?\n/);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      return [`(${why})`, ...hexDump(payload)];
    }
  };
}

function describe(record: DecodedRecord, encoding: EnvelopeEncoding | undefined): string {
  switch (record.type) {
    case "version":
      return `Version ${record.major}.${record.minor}`;
    case "mode":
      return `Mode ${modeName(record.mode)} (0x${hex2(record.mode)})`;
    case "via":
      return `Via ${record.via}`;
    case "knownEncoding":
      return `KnownEncoding 0x${hex2(record.encoding)} ${knownEncodingName(record.encoding)}`;
    case "extensibleEncoding":
      return `ExtensibleEncoding ${record.contentType}`;
    case "upgradeRequest":
      return `UpgradeRequest ${record.protocol}`;
    case "upgradeResponse":
      return "UpgradeResponse";
    case "preambleEnd":
      return "PreambleEnd";
    case "preambleAck":
      return "PreambleAck";
    case "end":
      return "End";
    case "fault": {
      const name = wellKnownFault(record.fault);
      return `Fault ${record.fault}${name === undefined ? "" : ` (${name})`}`;
    }
    case "sizedEnvelope":
      return `SizedEnvelope ${record.payload.length} octets`;
    case "unsizedEnvelopeStart":
      return "UnsizedEnvelope";
    case "dataChunk":
      return `  DataChunk ${record.payload.length} octets`;
    case "unsizedEnvelopeEnd":
      return "  Terminator";
    case "octets":
      return `Octets ${record.payload.length} (${encoding === undefined ? "?" : "message"})`;
  }
}

/**
 * Walks one direction of a captured net.tcp byte stream, like a protocol
 * analyser: one line per record, each envelope rendered below its record.
 * Stops at the first malformed record (the error is returned, the lines so
 * far are kept) or at an upgrade, after which the bytes are the upgraded
 * protocol's (e.g. TLS) and cannot be decoded here.
 */
export function inspectStream(bytes: Uint8Array, options: InspectOptions = {}): InspectResult {
  const render = options.renderEnvelope ?? createDefaultRenderer();
  const decoder = new RecordDecoder(options);
  const lines: string[] = [];
  const indent = (xs: string[]) => xs.map((l) => `        ${l}`);
  let encoding: EnvelopeEncoding | undefined = options.encoding;
  let mode: number | undefined;
  let chunks: Uint8Array[] = [];
  let raw: Uint8Array[] = [];
  decoder.push(bytes);
  try {
    // Bounded: each iteration consumes at least one octet.
    for (;;) {
      const record = decoder.next();
      if (record === undefined) break;
      if (record.type !== "octets") {
        lines.push(`${at(decoder.lastRecordOffset)}${describe(record, encoding)}`);
      }
      switch (record.type) {
        case "mode":
          mode = record.mode;
          break;
        case "knownEncoding":
          encoding = record.encoding as KnownEncoding;
          break;
        case "extensibleEncoding":
          encoding = { contentType: record.contentType };
          break;
        case "sizedEnvelope":
          lines.push(...indent(render(record.payload, encoding)));
          break;
        case "unsizedEnvelopeStart":
          chunks = [];
          break;
        case "dataChunk":
          chunks.push(record.payload);
          break;
        case "unsizedEnvelopeEnd":
          lines.push(...indent(render(join(chunks), encoding)));
          chunks = [];
          break;
        case "octets":
          raw.push(record.payload);
          break;
      }
      if (record.type === "upgradeRequest" || record.type === "upgradeResponse") {
        const rest = decoder.buffered;
        if (rest > 0) {
          lines.push(`${at(decoder.offset)}(${rest} octets of the upgraded stream, not decoded)`);
        }
        return { lines, error: undefined };
      }
      if (
        mode === Mode.SingletonSized &&
        (record.type === "knownEncoding" || record.type === "extensibleEncoding")
      ) {
        // §3.1.1.2 SingletonSizedStream-a: the rest of the stream is the message.
        decoder.enterRawMode();
      }
    }
    decoder.finish();
    if (raw.length > 0) {
      const message = join(raw);
      raw = [];
      lines.push(`${at(decoder.offset - message.length)}Message ${message.length} octets`);
      lines.push(...indent(render(message, encoding)));
    }
    return { lines, error: undefined };
  } catch (error) {
    if (error instanceof NmfError) return { lines, error };
    return {
      lines,
      error: new NmfError("invalid-value", `cannot render: ${String(error)}`, {
        offset: decoder.offset,
        cause: error,
      }),
    };
  }
}

function join(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
