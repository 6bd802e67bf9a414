import {
  type BodyWriter,
  dataContractBody,
  dcString,
  Message,
  NS,
  parseFloodHeaders,
  SoapError,
  type XmlOut,
} from "@prch/soap";
import { PeerNodeError } from "./errors.js";

/**
 * What an application may send on a channel:
 * - a string, written as WCF's DataContractSerializer writes one
 *   (`<string xmlns="http://schemas.microsoft.com/2003/10/Serialization/">`),
 * - bytes, written as `<base64Binary>` in the same namespace,
 * - or a {@link BodyWriter} for full control of the body.
 */
export type MessageBody = string | Uint8Array | BodyWriter;

/** The serialization namespace of WCF's primitive roots. */
const SER = NS.serialization;

export function bodyWriterFor(body: MessageBody): BodyWriter {
  if (typeof body === "string") return dataContractBody(dcString, "string", SER, body);
  if (body instanceof Uint8Array) {
    return (out: XmlOut) => {
      out.startElement("base64Binary", SER);
      out.writer.writeBase64(body);
      out.endElement();
    };
  }
  if (typeof body === "function") return body;
  throw new PeerNodeError(
    "InvalidArgument",
    "a message body is a string, a Uint8Array or a BodyWriter",
  );
}

/** @internal What the node knows of a scanned flood it delivers (see {@link ReceivedMessage}). */
export interface ScannedDelivery {
  readonly via: string;
  readonly action: string;
  readonly messageId: string;
  readonly hops: bigint | undefined;
  /** The envelope decoded without its headers: the body is unread. */
  readonly body: () => Message;
  /**
   * The bytes of a `base64Binary` body, when the scan found the whole body in
   * that form (`scanBinaryBody`): `bytes()` then needs no decode.
   */
  readonly payload: (() => Uint8Array) | undefined;
  /** Decodes the whole message. */
  readonly decode: () => Message;
}

/**
 * A flood message delivered to a channel. The SOAP message is available for
 * full access; `text()` and `bytes()` read the bodies written by
 * `send(string)` and `send(Uint8Array)`. The body can be read once.
 */
/** What the body reads as once `bytes()` has taken it without a decode: read-once, like a decoded body. */
function bodyAlreadyRead(): Message {
  throw new SoapError("invalid-argument", "the body has already been read");
}

export class ReceivedMessage {
  /** The channel URI (PeerVia) the message was sent to. */
  readonly via: string;
  /** The application's wsa:Action. */
  readonly action: string | undefined;
  /** The flood MessageID, a lowercase GUID. */
  readonly messageId: string;
  /** The hop count left when it reached this node, if the sender set one. */
  readonly hops: bigint | undefined;
  /** Size of the message as received, in bytes. */
  readonly size: number;
  #message: Message | undefined;
  #decode: (() => Message) | undefined;
  /**
   * The message whose body text() and bytes() read: a function until it is
   * first needed (then its result), undefined to read `message` itself.
   */
  #body: Message | (() => Message) | undefined;
  /** The body's bytes without a decode (scanned floods with a binary body), until the body is read. */
  #payload: (() => Uint8Array) | undefined;

  /**
   * From a decoded message, or (inside the node) from a flood known by its
   * scanned headers, whose body-only decode reads the body and whose full
   * message is decoded when first asked for.
   */
  constructor(message: Message | ScannedDelivery, size: number) {
    this.size = size;
    if (message instanceof Message) {
      const h = parseFloodHeaders(message);
      this.via = h.peerVia;
      this.action = message.action;
      this.messageId = h.messageId;
      this.hops = typeof h.hops === "bigint" ? h.hops : undefined;
      this.#message = message;
    } else {
      this.via = message.via;
      this.action = message.action;
      this.messageId = message.messageId;
      this.hops = message.hops;
      this.#body = message.body;
      this.#payload = message.payload;
      this.#decode = message.decode;
    }
  }

  /** The underlying SOAP message (headers, body reader); decoded on first access if need be. */
  get message(): Message {
    if (this.#message === undefined) this.#message = this.#decode!();
    return this.#message;
  }

  #bodyMessage(): Message {
    this.#payload = undefined;
    if (typeof this.#body === "function") this.#body = this.#body();
    return this.#body ?? this.message;
  }

  /** Reads a body sent as a string. */
  text(): string {
    const v = this.#bodyMessage().readBody(dcString, "string", SER);
    if (v === null) throw new PeerNodeError("ProtocolError", "the message body is nil");
    return v;
  }

  /** Reads a body sent as bytes. */
  bytes(): Uint8Array {
    const payload = this.#payload;
    if (payload !== undefined) {
      this.#payload = undefined;
      this.#body = bodyAlreadyRead;
      return payload();
    }
    const body = this.#bodyMessage();
    const inp = body.getBodyReader();
    const r = inp.reader;
    if (r.nodeType !== "element" || r.localName !== "base64Binary" || r.namespaceUri !== SER) {
      throw new PeerNodeError("ProtocolError", "the message body is not a base64Binary element");
    }
    const chunks: Uint8Array[] = [];
    if (!r.isEmptyElement) {
      while (r.read()) {
        const t: string = r.nodeType;
        if (t === "endElement") break;
        if (t !== "text") continue;
        const v = r.value;
        if (v.type === "base64") chunks.push(v.value);
        else if (v.type === "string") chunks.push(Buffer.from(v.value, "base64"));
        else throw new PeerNodeError("ProtocolError", "base64Binary holds a non-binary value");
      }
    }
    r.read();
    body.endBody(inp);
    // One chunk (the usual case) is already a copy of its own.
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  }
}
