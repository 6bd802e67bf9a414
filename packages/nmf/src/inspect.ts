import { type DecoderLimits, RecordDecoder } from "./decoder.js";
import { MAX_QUOTAS } from "@prch/nbfs";
import { type EnvelopeEncoding, type KnownEncoding, knownEncodingName } from "./encodings.js";
import { EnvelopeCodec } from "./envelope-codec.js";
import { NmfError } from "./errors.js";
import { wellKnownFault } from "./faults.js";
import { type DecodedRecord, Mode, modeName, RecordType } from "./records.js";
import { NmfInitiator, NmfReceiver, type NmfSession } from "./session.js";

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

/** What the record walk saw, for the sequence check. */
interface WalkFacts {
  contentTypes: string[];
  upgrades: string[];
  unsized: boolean;
  /** Offset where the walk stopped at an upgrade (later bytes are not framing). */
  stoppedAt: number | undefined;
}

/**
 * Walks one direction of a captured net.tcp byte stream, like a protocol
 * analyser: one line per record, each envelope rendered below its record.
 * Stops at the first malformed record or at the first record the §3.1.1.2
 * grammar does not allow there (the error is returned with the lines before
 * it), or at an upgrade, after which the bytes are the upgraded protocol's
 * (e.g. TLS) and cannot be decoded here.
 */
export function inspectStream(bytes: Uint8Array, options: InspectOptions = {}): InspectResult {
  const lines: string[] = [];
  const offsets: number[] = [];
  const facts: WalkFacts = { contentTypes: [], upgrades: [], unsized: false, stoppedAt: undefined };
  const error = walk(bytes, options, lines, offsets, facts);
  const sequence = checkSequence(bytes, options, facts);
  if (
    sequence !== undefined &&
    (error === undefined || (sequence.offset ?? 0) < (error.offset ?? 0))
  ) {
    // Keep only what precedes the out-of-order record.
    const keep = offsets.findIndex((o) => o >= (sequence.offset ?? 0));
    return { lines: keep < 0 ? lines : lines.slice(0, keep), error: sequence };
  }
  return { lines, error };
}

function walk(
  bytes: Uint8Array,
  options: InspectOptions,
  lines: string[],
  offsets: number[],
  facts: WalkFacts,
): NmfError | undefined {
  const render = options.renderEnvelope ?? createDefaultRenderer();
  const decoder = new RecordDecoder(options);
  const push = (offset: number, ...text: string[]) => {
    for (const t of text) {
      lines.push(t);
      offsets.push(offset);
    }
  };
  const indent = (xs: string[]) => xs.map((l) => `        ${l}`);
  let encoding: EnvelopeEncoding | undefined = options.encoding;
  let mode: number | undefined;
  let chunks: Uint8Array[] = [];
  let raw: Uint8Array[] = [];
  let unsizedAt = 0;
  decoder.push(bytes);
  try {
    // Bounded: each iteration consumes at least one octet.
    for (;;) {
      const record = decoder.next();
      if (record === undefined) break;
      const where = decoder.lastRecordOffset;
      if (record.type !== "octets") push(where, `${at(where)}${describe(record, encoding)}`);
      switch (record.type) {
        case "mode":
          mode = record.mode;
          break;
        case "knownEncoding":
          encoding = record.encoding as KnownEncoding;
          break;
        case "extensibleEncoding":
          encoding = { contentType: record.contentType };
          facts.contentTypes.push(record.contentType);
          break;
        case "sizedEnvelope":
          push(where, ...indent(render(record.payload, encoding)));
          break;
        case "unsizedEnvelopeStart":
          chunks = [];
          unsizedAt = where;
          facts.unsized = true;
          break;
        case "dataChunk":
          chunks.push(record.payload);
          break;
        case "unsizedEnvelopeEnd":
          push(unsizedAt, ...indent(render(join(chunks), encoding)));
          chunks = [];
          break;
        case "octets":
          raw.push(record.payload);
          break;
      }
      if (record.type === "upgradeRequest" || record.type === "upgradeResponse") {
        if (record.type === "upgradeRequest") facts.upgrades.push(record.protocol);
        facts.stoppedAt = decoder.offset;
        const rest = decoder.buffered;
        if (rest > 0) {
          push(
            decoder.offset,
            `${at(decoder.offset)}(${rest} octets of the upgraded stream, not decoded)`,
          );
        }
        return undefined;
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
      const where = decoder.offset - message.length;
      push(
        where,
        `${at(where)}Message ${message.length} octets`,
        ...indent(render(message, encoding)),
      );
    }
    return undefined;
  } catch (error) {
    if (error instanceof NmfError) return error;
    return new NmfError("invalid-value", `cannot render: ${String(error)}`, {
      offset: decoder.offset,
      cause: error,
    });
  }
}

/** Session errors that reflect a receiver's policy, not a malformed stream. */
const POLICY = new Set<NmfError["code"]>(["upgrade-invalid", "endpoint-not-found"]);

/**
 * Replays the stream into a permissive session of the role that would read
 * it (a receiver for an initiating stream, which starts with a Version
 * record; an initiator otherwise) and returns the first grammar violation.
 * Pooled connections are followed from one session to the next.
 */
function checkSequence(
  bytes: Uint8Array,
  options: InspectOptions,
  facts: WalkFacts,
): NmfError | undefined {
  let rest = facts.stoppedAt === undefined ? bytes : bytes.subarray(0, facts.stoppedAt);
  let base = 0;
  // Bounded: each round consumes at least one session's worth of bytes.
  for (let round = 0; round < 1000 && rest.length > 0; round++) {
    const initiating = rest[0] === RecordType.Version;
    const session: NmfSession = initiating
      ? new NmfReceiver({
          ...options,
          contentTypes: facts.contentTypes,
          upgrades: facts.upgrades,
        })
      : startInitiator(options, rest, facts);
    const events = session.receive(rest);
    const endAt = events.findIndex((e) => e.type === "end");
    let restartAt: number | undefined;
    for (const [i, e] of events.entries()) {
      if (e.type !== "error" || POLICY.has(e.error.code)) continue;
      const offset = e.error.offset ?? 0;
      // One direction of a pooled connection: after End, the next session's
      // Version record may follow (ProtocolStream-a is 1*(…)).
      if (endAt >= 0 && endAt < i && initiating && rest[offset] === RecordType.Version) {
        restartAt = offset;
        break;
      }
      return new NmfError(e.error.code, e.error.message.replace(/ \(at offset \d+\)$/, ""), {
        offset: offset + base,
        ...(e.error.fault === undefined ? {} : { fault: e.error.fault }),
      });
    }
    let next: Uint8Array;
    if (restartAt !== undefined) {
      next = rest.subarray(restartAt);
    } else if (session.closed && events.some((e) => e.type === "closed" && e.clean)) {
      next = session.takeUnconsumed();
    } else {
      return undefined;
    }
    base += rest.length - next.length;
    rest = next;
  }
  return undefined;
}

function startInitiator(
  options: InspectOptions,
  bytes: Uint8Array,
  facts: WalkFacts,
): NmfInitiator {
  // The responding stream does not say its mode; an unsized envelope means
  // Singleton Unsized, anything else is read as Duplex. Leading Upgrade
  // Responses answer upgrades the initiator must have asked for.
  const upgrades = bytes[0] === RecordType.UpgradeResponse ? ["upgrade"] : [];
  const s = new NmfInitiator({
    ...options,
    mode: facts.unsized ? Mode.SingletonUnsized : Mode.Duplex,
    via: "net.tcp://capture/",
    encoding: 0x08,
    upgrades,
  });
  s.start();
  s.takeOutput();
  return s;
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
