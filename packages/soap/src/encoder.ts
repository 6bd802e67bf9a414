import {
  BinaryXmlReader,
  BinaryXmlWriter,
  decodeMultiByteInt31,
  NBFS_DICTIONARY,
  type ReaderQuotas,
  resolveQuotas,
  SessionDictionary,
  type StringDictionary,
  TextXmlReader,
  TextXmlWriter,
} from "@prch/nbfs";
import { type ReadEnvelopeOptions, readEnvelope, writeEnvelope } from "./envelope.js";
import { SoapError, wrapNbfs } from "./errors.js";
import { type Message, type MessageVersion, MessageVersions } from "./message.js";
import { XmlOut } from "./xmlio.js";

/** Where a received message came from; kept so it can be relayed without re-encoding. */
export interface MessageSource {
  readonly kind: "text" | "binary";
  /** The document as received (for binary with a session, including its StringTable). */
  readonly bytes: Uint8Array;
  /** Offset of the first record after the StringTable (0 without a session). */
  readonly documentStart: number;
  /** The decoded text (text encoding only); header spans index into it. */
  readonly text?: string;
  /** The session dictionary the document's odd ids refer to (binary with a session). */
  readonly session?: SessionDictionary;
}

/**
 * A document that can be relayed with `encodeRelay`: its bytes as encoded
 * (`source`) and, when it has one, the span of its Hops header.
 */
export interface EncodedDocument {
  readonly source: MessageSource;
  readonly hopsSpan?: { readonly start: number; readonly end: number } | undefined;
}

/** Options common to both encoders. */
export interface EncoderOptions {
  /** Default Soap12WSAddressing10, the Peer Channel version. */
  readonly version?: MessageVersion;
  /** Reader quotas; `maxDocumentSize` is WCF's MaxReceivedMessageSize (default 65536). */
  readonly quotas?: Partial<ReaderQuotas>;
  /** Maximum number of headers in a received message (default 64). */
  readonly maxHeaders?: number;
  /** Require wsa:Action on received messages (default true). */
  readonly requireAction?: boolean;
  /** Maximum XML nodes buffered for the headers of one message (default 4096). */
  readonly maxHeaderNodes?: number;
}

/** The envelope-reading options an encoder passes on. */
function envelopeOptions(version: MessageVersion, o: EncoderOptions) {
  return {
    version,
    ...(o.maxHeaders !== undefined ? { maxHeaders: o.maxHeaders } : {}),
    ...(o.requireAction !== undefined ? { requireAction: o.requireAction } : {}),
    ...(o.maxHeaderNodes !== undefined ? { maxHeaderNodes: o.maxHeaderNodes } : {}),
  };
}

/**
 * Turns messages into bytes and back. Text (UTF-8 XML) and binary (MC-NBFS,
 * with MC-NBFSE session strings when a session is used) implement it.
 */
export interface MessageEncoder {
  readonly kind: "text" | "binary";
  readonly version: MessageVersion;
  /** The MIME type WCF announces for this encoding. */
  readonly contentType: string;
  encode(message: Message): Uint8Array;
  /**
   * Reads the envelope and headers; the body stays unread until the caller
   * asks for it. Every defect is a {@link SoapError}.
   */
  decode(bytes: Uint8Array): Message;
}

function maxSize(options: EncoderOptions): number {
  return options.quotas?.maxDocumentSize ?? 65536;
}

const utf8Decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** UTF-8 XML, as WCF's TextMessageEncodingBindingElement. */
export class TextMessageEncoder implements MessageEncoder {
  readonly kind = "text" as const;
  readonly version: MessageVersion;
  readonly contentType: string;
  private readonly options: EncoderOptions;

  constructor(options: EncoderOptions = {}) {
    this.options = options;
    this.version = options.version ?? MessageVersions.Soap12WSAddressing10;
    this.contentType =
      this.version.envelope === "soap12"
        ? "application/soap+xml; charset=utf-8"
        : "text/xml; charset=utf-8";
  }

  /** The envelope as a string. */
  encodeToString(message: Message): string {
    this.checkVersion(message);
    const w = new TextXmlWriter();
    try {
      writeEnvelope(new XmlOut(w), message);
      w.finish();
    } catch (e) {
      wrapNbfs(e);
    }
    return w.toString();
  }

  encode(message: Message): Uint8Array {
    return Buffer.from(this.encodeToString(message), "utf8");
  }

  decode(bytes: Uint8Array): Message {
    const limit = maxSize(this.options);
    if (bytes.length > limit) {
      throw new SoapError("quota-exceeded", `message of ${bytes.length} bytes exceeds ${limit}`);
    }
    let text: string;
    try {
      text = utf8Decoder.decode(bytes);
    } catch (e) {
      throw new SoapError("encoding", "message is not valid UTF-8", { cause: e });
    }
    return this.decodeString(text, bytes);
  }

  /** Decodes an envelope given as a string. */
  decodeString(text: string, bytes?: Uint8Array): Message {
    try {
      const reader = new TextXmlReader(text, {
        quotas: { ...this.options.quotas, maxDocumentSize: maxSize(this.options) },
      });
      const msg = readEnvelope(reader, envelopeOptions(this.version, this.options));
      msg.source = {
        kind: "text",
        bytes: bytes ?? Buffer.from(text, "utf8"),
        documentStart: 0,
        text,
      };
      return msg;
    } catch (e) {
      return wrapNbfs(e);
    }
  }

  private checkVersion(message: Message): void {
    if (
      message.version !== this.version &&
      (message.version.envelope !== this.version.envelope ||
        message.version.addressing !== this.version.addressing)
    ) {
      throw new SoapError("version-mismatch", "message version differs from the encoder's");
    }
  }
}

/**
 * The MC-NBFS static dictionary as WCF's binary writer uses it: a name goes
 * out as a static id only when the caller passed that very dictionary entry
 * (an XmlDictionaryString of XD), never because its text happens to match
 * one. DataContract names ("Address", "Reason", "nil", the XMLSchema-instance
 * namespace…) therefore travel inline or as session strings, byte for byte
 * as Mono's reference-source DataContractSerializer writes them
 * (tools/interop/soap), instead of being folded onto static entries.
 */
export const WCF_STATIC_DICTIONARY: StringDictionary = Object.freeze({
  get: (id: number) => NBFS_DICTIONARY.get(id),
  idOf: () => undefined,
});

/** Options of the binary encoder. */
export interface BinaryEncoderOptions extends EncoderOptions {
  /**
   * MC-NBFSE session dictionaries, one per direction, kept by the caller
   * for the life of the connection (NMF known encoding 0x08). Omit for
   * plain MC-NBFS (0x07). `true` creates fresh ones.
   */
  readonly session?:
    | { readonly outgoing: SessionDictionary; readonly incoming: SessionDictionary }
    | true;
}

/** .NET Binary (MC-NBFS), as WCF's BinaryMessageEncodingBindingElement. */
export class BinaryMessageEncoder implements MessageEncoder {
  readonly kind = "binary" as const;
  readonly version: MessageVersion;
  readonly contentType: string;
  /** Session strings we define (outgoing direction), if a session is used. */
  readonly outgoing: SessionDictionary | undefined;
  /** Session strings the peer defines (incoming direction), if a session is used. */
  readonly incoming: SessionDictionary | undefined;
  private readonly options: BinaryEncoderOptions;

  constructor(options: BinaryEncoderOptions = {}) {
    this.options = options;
    this.version = options.version ?? MessageVersions.Soap12WSAddressing10;
    const s =
      options.session === true
        ? { outgoing: new SessionDictionary(), incoming: new SessionDictionary() }
        : options.session;
    this.outgoing = s?.outgoing;
    this.incoming = s?.incoming;
    this.contentType =
      s !== undefined ? "application/soap+msbinsession1" : "application/soap+msbin1";
  }

  /**
   * Growth limits of the outgoing session (MC-NBFSE §4; WCF MaxSessionSize
   * 2048 bytes): past them strings are written inline, as .NET does.
   */
  get sessionLimits(): { readonly maxStrings: number; readonly maxBytes: number } {
    const q = resolveQuotas(this.options.quotas);
    return { maxStrings: q.maxSessionStrings, maxBytes: q.maxSessionSize };
  }

  private quotasCache: Partial<ReaderQuotas> | undefined;

  /** The reader quotas with the document limit, built once (every decode passes them). */
  private readerQuotas(limit: number): Partial<ReaderQuotas> {
    if (this.quotasCache === undefined) {
      this.quotasCache = resolveQuotas({ ...this.options.quotas, maxDocumentSize: limit });
    }
    return this.quotasCache;
  }

  /** True when MC-NBFSE session strings are in use. */
  get hasSession(): boolean {
    return this.outgoing !== undefined;
  }

  /** A binary writer for one document in this encoder's outgoing session. */
  createWriter(): BinaryXmlWriter {
    return new BinaryXmlWriter({
      dictionary: WCF_STATIC_DICTIONARY,
      ...(this.outgoing !== undefined ? { session: this.outgoing } : {}),
      ...(this.options.quotas !== undefined ? { quotas: this.options.quotas } : {}),
    });
  }

  encode(message: Message): Uint8Array {
    if (
      message.version.envelope !== this.version.envelope ||
      message.version.addressing !== this.version.addressing
    ) {
      throw new SoapError("version-mismatch", "message version differs from the encoder's");
    }
    const w = this.createWriter();
    try {
      writeEnvelope(new XmlOut(w), message);
      return w.toBytes();
    } catch (e) {
      return wrapNbfs(e);
    }
  }

  /**
   * Encodes like {@link encode} and also describes the result as a relay
   * source: the same message can then go to other binary links through
   * `encodeRelay` (a copy with session ids renumbered) instead of being
   * serialised once per link. The message must not carry a Hops header
   * that is to change (no span is recorded).
   */
  encodeForRelay(message: Message): {
    readonly bytes: Uint8Array;
    readonly document: EncodedDocument;
  } {
    const bytes = this.encode(message);
    const documentStart =
      this.outgoing === undefined
        ? 0
        : (() => {
            const t = decodeMultiByteInt31(bytes, 0);
            return t.length + t.value;
          })();
    return {
      bytes,
      document: {
        source: {
          kind: "binary",
          bytes,
          documentStart,
          ...(this.outgoing !== undefined ? { session: this.outgoing } : {}),
        },
      },
    };
  }

  decode(bytes: Uint8Array): Message {
    return this.decodeWith(bytes, envelopeOptions(this.version, this.options));
  }

  /**
   * Decodes the envelope up to its body without reading the headers: the
   * result has no headers. For reading the body of a message whose headers
   * were read another way (`scanFlood`); cheaper than {@link decode}. With
   * `headers` (the byte span of the Header element, `ScannedFlood.headersSpan`)
   * the element is cut out before reading instead of being stepped over.
   */
  decodeBody(
    bytes: Uint8Array,
    headers?: { readonly start: number; readonly end: number },
  ): Message {
    let doc = bytes;
    if (headers !== undefined) {
      if (headers.start < 0 || headers.end < headers.start || headers.end > bytes.length) {
        throw new SoapError("invalid-argument", "the Header span lies outside the document");
      }
      doc = Buffer.allocUnsafe(bytes.length - (headers.end - headers.start));
      doc.set(bytes.subarray(0, headers.start), 0);
      doc.set(bytes.subarray(headers.end), headers.start);
    }
    return this.decodeWith(doc, {
      ...envelopeOptions(this.version, this.options),
      skipHeaders: true,
    });
  }

  private decodeWith(bytes: Uint8Array, envelope: ReadEnvelopeOptions): Message {
    const limit = maxSize(this.options);
    if (bytes.length > limit) {
      throw new SoapError("quota-exceeded", `message of ${bytes.length} bytes exceeds ${limit}`);
    }
    try {
      const reader = new BinaryXmlReader(bytes, {
        ...(this.incoming !== undefined ? { session: this.incoming } : {}),
        quotas: this.readerQuotas(limit),
      });
      const documentStart = reader.position;
      const msg = readEnvelope(reader, envelope);
      msg.source = {
        kind: "binary",
        bytes,
        documentStart,
        ...(this.incoming !== undefined ? { session: this.incoming } : {}),
      };
      return msg;
    } catch (e) {
      return wrapNbfs(e);
    }
  }
}
