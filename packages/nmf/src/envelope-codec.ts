import {
  BinaryXmlReader,
  BinaryXmlWriter,
  binaryToText,
  NbfsError,
  type ReaderQuotas,
  SessionDictionary,
  TextXmlReader,
  textToBinary,
  type XmlReader,
} from "@prch/nbfs";
import { type EnvelopeEncoding, KnownEncoding } from "./encodings.js";
import { NmfError } from "./errors.js";

/** Options for {@link EnvelopeCodec}. */
export interface EnvelopeCodecOptions {
  /** Reader quotas for incoming envelopes (WCF defaults when omitted). */
  quotas?: Partial<ReaderQuotas>;
  /**
   * When encoding XML text to binary, look names and namespaces up in the
   * MC-NBFS dictionary and (with 0x08) define the rest as session strings.
   * Default true: it is what makes binary envelopes compact.
   */
  lookupStrings?: boolean;
}

type TextForm = "utf-8" | "utf-16le" | "utf-16be";

/**
 * Converts envelope payloads of one NMF session to and from XML, per the
 * session's envelope encoding (MC-NMF §2.2.3.4.1):
 *
 * - 0x00–0x05: SOAP text (UTF-8 or UTF-16);
 * - 0x07: MC-NBFS binary;
 * - 0x08: MC-NBFSE, where every envelope starts with a StringTable and each
 *   direction keeps its own session dictionary for the life of the NMF
 *   session, so use one codec per session and feed it every envelope in order.
 *
 * MTOM (0x06) and extensible encodings are not supported.
 */
export class EnvelopeCodec {
  readonly encoding: EnvelopeEncoding;
  /** Session strings defined by the peer (0x08 only). */
  readonly inbound: SessionDictionary | undefined;
  /** Session strings we defined (0x08 only). */
  readonly outbound: SessionDictionary | undefined;
  private readonly options: EnvelopeCodecOptions;

  constructor(encoding: EnvelopeEncoding, options: EnvelopeCodecOptions = {}) {
    if (typeof encoding !== "number" || encoding === KnownEncoding.Soap12Mtom || encoding > 8) {
      throw new NmfError(
        "content-type-invalid",
        `no envelope codec for encoding ${typeof encoding === "number" ? `0x${encoding.toString(16)}` : encoding.contentType}`,
      );
    }
    this.encoding = encoding;
    this.options = options;
    if (encoding === KnownEncoding.Soap12BinarySession) {
      this.inbound = new SessionDictionary();
      this.outbound = new SessionDictionary();
    }
  }

  /** True for 0x07 and 0x08. */
  get binary(): boolean {
    return (
      this.encoding === KnownEncoding.Soap12Binary ||
      this.encoding === KnownEncoding.Soap12BinarySession
    );
  }

  /**
   * A pull reader over an incoming envelope (call once per envelope, in
   * order). With 0x08 the StringTable is read here. The reader is
   * `@prch/nbfs`'s, so errors met while reading it are `NbfsError`s.
   */
  reader(payload: Uint8Array): XmlReader {
    return this.wrap(() => {
      if (this.binary) {
        return new BinaryXmlReader(payload, {
          ...(this.inbound ? { session: this.inbound } : {}),
          ...(this.options.quotas ? { quotas: this.options.quotas } : {}),
        });
      }
      return new TextXmlReader(this.decodeText(payload), {
        ...(this.options.quotas ? { quotas: this.options.quotas } : {}),
      });
    });
  }

  /**
   * A binary writer for an outgoing envelope (0x07/0x08 only); its
   * `toBytes()` is the payload, StringTable included for 0x08.
   */
  binaryWriter(): BinaryXmlWriter {
    if (!this.binary) throw new NmfError("invalid-state", "not a binary encoding");
    return new BinaryXmlWriter({
      ...(this.outbound ? { session: this.outbound } : {}),
      lookupStrings: this.options.lookupStrings ?? true,
    });
  }

  /** Decodes an incoming envelope to XML text (binary records rendered as .NET would). */
  decodeToText(payload: Uint8Array): string {
    return this.wrap(() => {
      if (!this.binary) return this.decodeText(payload);
      return binaryToText(payload, {
        ...(this.inbound ? { session: this.inbound } : {}),
        ...(this.options.quotas ? { quotas: this.options.quotas } : {}),
      });
    });
  }

  /** Encodes XML text as an outgoing envelope payload. */
  encodeFromText(xml: string): Uint8Array {
    return this.wrap(() => {
      if (!this.binary) return this.encodeText(xml);
      return textToBinary(xml, {
        ...(this.outbound ? { session: this.outbound } : {}),
        lookupStrings: this.options.lookupStrings ?? true,
      });
    });
  }

  private textForm(payload?: Uint8Array): TextForm {
    switch (this.encoding) {
      case KnownEncoding.Soap11Utf8:
      case KnownEncoding.Soap12Utf8:
        return "utf-8";
      default: {
        // A byte-order mark, when present, settles it. Otherwise follow .NET's
        // names: 0x01/0x04 are "utf-16" (Encoding.Unicode, little-endian) and
        // 0x02/0x05 "unicodeFFFE" (big-endian). MC-NMF §2.2.3.4.1 calls 0x02
        // "Unicode little-endian" and Mono swaps them; the BOM check keeps us
        // readable for all three.
        if (payload && payload.length >= 2) {
          if (payload[0] === 0xff && payload[1] === 0xfe) return "utf-16le";
          if (payload[0] === 0xfe && payload[1] === 0xff) return "utf-16be";
        }
        return this.encoding === KnownEncoding.Soap11Utf16 ||
          this.encoding === KnownEncoding.Soap12Utf16
          ? "utf-16le"
          : "utf-16be";
      }
    }
  }

  private decodeText(payload: Uint8Array): string {
    const form = this.textForm(payload);
    if (form === "utf-16be") {
      const swapped = new Uint8Array(payload.length & ~1);
      for (let i = 0; i + 1 < payload.length; i += 2) {
        swapped[i] = payload[i + 1]!;
        swapped[i + 1] = payload[i]!;
      }
      return new TextDecoder("utf-16le", { fatal: true }).decode(swapped);
    }
    return new TextDecoder(form, { fatal: true }).decode(payload);
  }

  private encodeText(xml: string): Uint8Array {
    const form = this.textForm();
    if (form === "utf-8") return new TextEncoder().encode(xml);
    const out = new Uint8Array(xml.length * 2);
    for (let i = 0; i < xml.length; i++) {
      const c = xml.charCodeAt(i);
      const [lo, hi] = [c & 0xff, c >>> 8];
      if (form === "utf-16le") {
        out[2 * i] = lo;
        out[2 * i + 1] = hi;
      } else {
        out[2 * i] = hi;
        out[2 * i + 1] = lo;
      }
    }
    return out;
  }

  private wrap<T>(fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      if (error instanceof NmfError) throw error;
      const offset = error instanceof NbfsError && error.offset >= 0 ? error.offset : undefined;
      throw new NmfError(
        "invalid-envelope",
        `cannot convert the envelope: ${
          error instanceof Error
            ? error.message.replace(/ \(at offset -?\d+\)$/, "")
            : String(error)
        }`,
        { ...(offset === undefined ? {} : { offset }), cause: error },
      );
    }
  }
}
