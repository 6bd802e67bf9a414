import { NmfError } from "./errors.js";
import { FaultName, faultUri } from "./faults.js";
import { type DecodedRecord, RecordType } from "./records.js";
import { SizeDecoder } from "./size.js";

/** Quotas for decoding. Every length read from the wire is checked against one of these before any byte of the payload is kept. */
export interface DecoderLimits {
  /** Largest envelope payload (sum of chunks for unsized envelopes; all octets in Singleton Sized mode). WCF default 65536. */
  maxMessageSize?: number;
  /** Largest Via in octets. Windows: 2048 (MC-NMF §6 <11>). */
  maxViaSize?: number;
  /** Largest Extensible Encoding content type in octets. Windows: 256 (§6 <14>). */
  maxContentTypeSize?: number;
  /** Largest upgrade protocol name in octets. Windows: 256 (§6 <17>). */
  maxUpgradeProtocolSize?: number;
  /** Largest fault string in octets (default 256; WCF's fault strings are far shorter). */
  maxFaultSize?: number;
}

/** The defaults of {@link DecoderLimits}. */
export const DEFAULT_LIMITS: Readonly<Required<DecoderLimits>> = {
  maxMessageSize: 65536,
  maxViaSize: 2048,
  maxContentTypeSize: 256,
  maxUpgradeProtocolSize: 256,
  maxFaultSize: 256,
};

function resolveLimits(limits: DecoderLimits): Required<DecoderLimits> {
  const out = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(DEFAULT_LIMITS) as (keyof DecoderLimits)[]) {
    const v = limits[key];
    if (v === undefined) continue;
    if (!Number.isInteger(v) || v < 1 || v > 0x7fffffff) {
      throw new NmfError(
        "invalid-argument",
        `${key} must be an integer in 1..0x7FFFFFFF, got ${v}`,
      );
    }
    out[key] = v;
  }
  return out;
}

type State =
  /** Expecting a record type octet. */
  | "type"
  /** Collecting the fixed data of Version (2 octets), Mode or Known Encoding (1 octet). */
  | "fixed"
  /** Decoding the encoded size of a variable-sized record or of a Data Chunk. */
  | "size"
  /** Collecting the payload of a variable-sized record or of a Data Chunk. */
  | "payload"
  /** Inside an Unsized Envelope: expecting a Data Chunk size or the 0x00 Terminator. */
  | "chunk"
  /** Singleton Sized mode after the preamble: every octet is message (§3.3.4.4.3). */
  | "raw";

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * A plain Uint8Array copy. Not `view.slice()`: on a Node Buffer that returns
 * a Buffer sharing the caller's memory.
 */
function copyOf(view: Uint8Array): Uint8Array {
  return new Uint8Array(view);
}

/** Marks a chunk size: the record type used while decoding a Data Chunk. */
const DATA_CHUNK = 0x100;

/**
 * Incremental MC-NMF record decoder. Push bytes in any chunking (a single
 * byte at a time works) and pull records with {@link RecordDecoder.next}.
 *
 * It knows the record syntax only; which record may come next is the
 * session's business (session.ts). It throws only {@link NmfError}, and once it
 * has thrown it keeps throwing the same error.
 *
 * `push` keeps references to the arrays it is given until their bytes are
 * consumed; do not modify them afterwards. Returned payloads are always
 * fresh copies.
 */
export class RecordDecoder {
  readonly limits: Readonly<Required<DecoderLimits>>;
  private readonly queue: Uint8Array[] = [];
  private head = 0;
  private queued = 0;
  private consumed = 0;
  private state: State = "type";
  private recordType = 0;
  private recordStart = 0;
  private readonly fixed: number[] = [];
  private fixedWanted = 0;
  private readonly sizeDecoder = new SizeDecoder();
  private parts: Uint8Array[] = [];
  private remaining = 0;
  private unsizedTotal = 0;
  private rawTotal = 0;
  private failure: NmfError | undefined;

  /**
   * With `shareBuffers`, an envelope payload that lies within one pushed
   * chunk is handed out as a view of it instead of a copy: only for callers
   * that never reuse or change the bytes they push (Node's socket chunks).
   */
  constructor(
    limits: DecoderLimits = {},
    private readonly shareBuffers = false,
  ) {
    this.limits = resolveLimits(limits);
  }

  /** Queues received bytes. */
  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.queue.push(bytes);
    this.queued += bytes.length;
  }

  /** Stream offset of the next octet to be decoded (octets consumed so far). */
  get offset(): number {
    return this.consumed;
  }

  /** Octets pushed but not yet decoded. */
  get buffered(): number {
    return this.queued;
  }

  /** Stream offset where the most recent record (or Data Chunk) started. */
  get lastRecordOffset(): number {
    return this.recordStart;
  }

  /** True between records (not inside one, not inside an Unsized Envelope). */
  get atRecordBoundary(): boolean {
    return this.state === "type" || (this.state === "raw" && this.rawTotal === 0);
  }

  /** True once the decoder has entered Singleton Sized raw mode. */
  get raw(): boolean {
    return this.state === "raw";
  }

  /**
   * After the last preamble record of Singleton Sized mode, the rest of the
   * stream is the message itself (§3.1.1.2 `SingletonSizedStream-a`).
   */
  enterRawMode(): void {
    if (this.state !== "type") {
      throw new NmfError("invalid-state", "raw mode can only start between records");
    }
    this.state = "raw";
  }

  /**
   * Removes and returns all octets pushed but not decoded. Used at an
   * upgrade: after an Upgrade Request/Response the bytes belong to the
   * upgrade protocol (e.g. TLS), not to framing.
   */
  takeBuffered(): Uint8Array {
    const parts: Uint8Array[] = [];
    for (let i = 0; i < this.queue.length; i++) {
      const chunk = this.queue[i]!;
      parts.push(i === 0 ? chunk.subarray(this.head) : chunk);
    }
    this.queue.length = 0;
    this.head = 0;
    this.consumed += this.queued;
    this.queued = 0;
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  /**
   * Signals the end of the stream. Throws `unexpected-eof` when it cuts a
   * record (or an Unsized Envelope) short.
   */
  finish(): void {
    if (this.failure) throw this.failure;
    if (this.state === "raw" || (this.state === "type" && this.queued === 0)) return;
    this.fail(
      new NmfError("unexpected-eof", "stream ended inside a record", {
        offset: this.consumed + this.queued,
      }),
    );
  }

  /** The next complete record, or `undefined` when more bytes are needed. */
  next(): DecodedRecord | undefined {
    if (this.failure) throw this.failure;
    try {
      return this.step();
    } catch (error) {
      if (error instanceof NmfError) this.fail(error);
      // Anything else is a bug in this module; wrap it so callers only see NmfError.
      this.fail(new NmfError("invalid-value", `internal decoder error: ${String(error)}`));
    }
  }

  private fail(error: NmfError): never {
    this.failure = error;
    throw error;
  }

  private readByte(): number {
    while (this.queue.length > 0) {
      const chunk = this.queue[0]!;
      if (this.head < chunk.length) {
        this.queued--;
        this.consumed++;
        return chunk[this.head++]!;
      }
      this.queue.shift();
      this.head = 0;
    }
    return -1;
  }

  /** Takes up to `max` octets as a view of the queued input. */
  private readSome(max: number): Uint8Array | undefined {
    while (this.queue.length > 0) {
      const chunk = this.queue[0]!;
      if (this.head < chunk.length) {
        const n = Math.min(max, chunk.length - this.head);
        const view = chunk.subarray(this.head, this.head + n);
        this.head += n;
        this.queued -= n;
        this.consumed += n;
        return view;
      }
      this.queue.shift();
      this.head = 0;
    }
    return undefined;
  }

  private step(): DecodedRecord | undefined {
    for (;;) {
      switch (this.state) {
        case "raw": {
          const view = this.readSome(Number.MAX_SAFE_INTEGER);
          if (!view) return undefined;
          this.rawTotal += view.length;
          if (this.rawTotal > this.limits.maxMessageSize) {
            throw new NmfError(
              "message-too-large",
              `message is larger than the maximum of ${this.limits.maxMessageSize} octets`,
              { offset: this.consumed - view.length },
            );
          }
          return { type: "octets", payload: copyOf(view) };
        }
        case "type": {
          const start = this.consumed;
          const b = this.readByte();
          if (b < 0) return undefined;
          this.recordStart = start;
          this.recordType = b;
          const done = this.beginRecord(b);
          if (done) return done;
          break;
        }
        case "fixed": {
          const b = this.readByte();
          if (b < 0) return undefined;
          this.fixed.push(b);
          if (this.fixed.length === this.fixedWanted) {
            this.state = "type";
            return this.finishFixed();
          }
          break;
        }
        case "size": {
          const at = this.consumed;
          const b = this.readByte();
          if (b < 0) return undefined;
          const size = this.sizeDecoder.push(b, at);
          if (size >= 0) this.beginPayload(size);
          break;
        }
        case "payload": {
          const view = this.readSome(this.remaining);
          if (!view) return undefined;
          this.remaining -= view.length;
          // Usually the whole payload is in one chunk: no list of parts then.
          if (this.remaining === 0 && this.parts.length === 0) return this.finishPayload(view);
          this.parts.push(view);
          if (this.remaining === 0) return this.finishPayload(undefined);
          break;
        }
        case "chunk": {
          const at = this.consumed;
          const b = this.readByte();
          if (b < 0) return undefined;
          if (b === 0x00) {
            // The Terminator (§2.2.4.3) sits where the next chunk size would.
            this.recordStart = at;
            this.state = "type";
            this.unsizedTotal = 0;
            return { type: "unsizedEnvelopeEnd" };
          }
          this.recordType = DATA_CHUNK;
          this.recordStart = at;
          this.state = "size";
          this.sizeDecoder.reset();
          const size = this.sizeDecoder.push(b, at);
          if (size >= 0) this.beginPayload(size);
          break;
        }
      }
    }
  }

  private beginRecord(type: number): DecodedRecord | undefined {
    switch (type) {
      case RecordType.Version:
        this.startFixed(2);
        return undefined;
      case RecordType.Mode:
      case RecordType.KnownEncoding:
        this.startFixed(1);
        return undefined;
      case RecordType.Via:
      case RecordType.ExtensibleEncoding:
      case RecordType.UpgradeRequest:
      case RecordType.Fault:
      case RecordType.SizedEnvelope:
        this.state = "size";
        this.sizeDecoder.reset();
        return undefined;
      case RecordType.UnsizedEnvelope:
        this.state = "chunk";
        this.unsizedTotal = 0;
        return { type: "unsizedEnvelopeStart" };
      case RecordType.End:
        return { type: "end" };
      case RecordType.UpgradeResponse:
        return { type: "upgradeResponse" };
      case RecordType.PreambleAck:
        return { type: "preambleAck" };
      case RecordType.PreambleEnd:
        return { type: "preambleEnd" };
      default:
        // §2.2.1: 0x0D–0xFF are reserved; §3.1.4.2 treats them as unexpected.
        throw new NmfError(
          "unknown-record-type",
          `unknown record type 0x${type.toString(16).padStart(2, "0")}`,
          { offset: this.recordStart, fault: faultUri(FaultName.InvalidRecordSequence) },
        );
    }
  }

  private startFixed(n: number): void {
    this.fixed.length = 0;
    this.fixedWanted = n;
    this.state = "fixed";
  }

  private finishFixed(): DecodedRecord {
    const [a = 0, b = 0] = this.fixed;
    switch (this.recordType) {
      case RecordType.Version:
        return { type: "version", major: a, minor: b };
      case RecordType.Mode:
        return { type: "mode", mode: a };
      default:
        return { type: "knownEncoding", encoding: a };
    }
  }

  private tooLong(
    code: NmfError["code"],
    what: string,
    size: number,
    max: number,
    fault?: string,
  ): NmfError {
    return new NmfError(code, `${what} of ${size} octets is over the maximum of ${max}`, {
      offset: this.recordStart,
      ...(fault === undefined ? {} : { fault }),
    });
  }

  private beginPayload(size: number): void {
    const limits = this.limits;
    // Quotas are checked here, before a single payload octet is kept (§5.1).
    // Windows sends no fault for over-long Via, content type or upgrade
    // name (§6 <12>, <15>, <18>) but does for an over-large message (<21>).
    switch (this.recordType) {
      case RecordType.Via:
        if (size > limits.maxViaSize) {
          throw this.tooLong("via-too-long", "Via", size, limits.maxViaSize);
        }
        break;
      case RecordType.ExtensibleEncoding:
        if (size > limits.maxContentTypeSize) {
          throw this.tooLong(
            "content-type-too-long",
            "content type",
            size,
            limits.maxContentTypeSize,
          );
        }
        break;
      case RecordType.UpgradeRequest:
        if (size > limits.maxUpgradeProtocolSize) {
          throw this.tooLong(
            "upgrade-name-too-long",
            "upgrade name",
            size,
            limits.maxUpgradeProtocolSize,
          );
        }
        break;
      case RecordType.Fault:
        if (size > limits.maxFaultSize)
          throw this.tooLong("fault-too-long", "fault", size, limits.maxFaultSize);
        break;
      case RecordType.SizedEnvelope:
        if (size > limits.maxMessageSize) {
          throw this.tooLong(
            "message-too-large",
            "envelope",
            size,
            limits.maxMessageSize,
            faultUri(FaultName.MaxMessageSizeExceededFault),
          );
        }
        break;
      case DATA_CHUNK:
        if (size > limits.maxMessageSize - this.unsizedTotal) {
          throw new NmfError(
            "message-too-large",
            `unsized envelope grows over the maximum of ${limits.maxMessageSize} octets`,
            { offset: this.recordStart, fault: faultUri(FaultName.MaxMessageSizeExceededFault) },
          );
        }
        this.unsizedTotal += size;
        break;
    }
    this.parts.length = 0;
    this.remaining = size;
    this.state = "payload";
  }

  /**
   * `single`: the whole payload as one view; otherwise it is in `parts`
   * (two or more: a payload in one chunk always comes as `single`).
   */
  private finishPayload(single: Uint8Array | undefined): DecodedRecord {
    const parts = this.parts;
    let payload: Uint8Array;
    if (single !== undefined) {
      payload = this.shareBuffers ? single : copyOf(single);
    } else {
      let total = 0;
      for (const p of parts) total += p.length;
      payload = new Uint8Array(total);
      let at = 0;
      for (const p of parts) {
        payload.set(p, at);
        at += p.length;
      }
    }
    // Emptied, not replaced: one array serves every record.
    parts.length = 0;
    const type = this.recordType;
    this.state = type === DATA_CHUNK ? "chunk" : "type";
    switch (type) {
      case RecordType.Via:
        return { type: "via", via: this.text(payload, "Via") };
      case RecordType.ExtensibleEncoding:
        return { type: "extensibleEncoding", contentType: this.text(payload, "content type") };
      case RecordType.UpgradeRequest:
        return { type: "upgradeRequest", protocol: this.text(payload, "upgrade name") };
      case RecordType.Fault:
        return { type: "fault", fault: this.text(payload, "fault") };
      case RecordType.SizedEnvelope:
        return { type: "sizedEnvelope", payload };
      default:
        return { type: "dataChunk", payload };
    }
  }

  private text(bytes: Uint8Array, what: string): string {
    try {
      return utf8.decode(bytes);
    } catch (cause) {
      // §3.1.1.2 Utf8Octets: these strings must be well-formed UTF-8.
      throw new NmfError("invalid-utf8", `${what} is not valid UTF-8`, {
        offset: this.recordStart,
        cause,
      });
    }
  }
}
