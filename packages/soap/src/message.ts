import type { XmlName } from "@prch/nbfs";
import {
  type AddressingVersion,
  type EndpointAddress,
  writeEndpointAddressContent,
} from "./addressing.js";
import { NS } from "./constants.js";
import { type DataContract, type DcReadOptions, readRoot, writeRoot } from "./datacontract.js";
import { D } from "./dictionary.js";
import type { MessageSource } from "./encoder.js";
import { guardNbfs, SoapError } from "./errors.js";
import {
  type BufferBudget,
  readElementNode,
  writeElementNode,
  type XmlAttributeNode,
  type XmlElementNode,
} from "./infoset.js";
import { valueToString as valueText } from "./values.js";
import { nameText, type XmlIn, type XmlOut } from "./xmlio.js";

/** SOAP envelope flavour. */
export type EnvelopeVersion = "soap12" | "soap11";

/** A SOAP version paired with a WS-Addressing version (WCF's MessageVersion). */
export interface MessageVersion {
  readonly envelope: EnvelopeVersion;
  readonly addressing: AddressingVersion;
}

/** The message versions WCF defines. Peer Channel uses Soap12WSAddressing10 (WINDOWS-NOTES §1.1). */
export const MessageVersions = Object.freeze({
  Soap12WSAddressing10: Object.freeze({
    envelope: "soap12",
    addressing: "wsa10",
  }) as MessageVersion,
  Soap11WSAddressing10: Object.freeze({
    envelope: "soap11",
    addressing: "wsa10",
  }) as MessageVersion,
  Soap12WSAddressingAugust2004: Object.freeze({
    envelope: "soap12",
    addressing: "wsa2004",
  }) as MessageVersion,
  Soap11WSAddressingAugust2004: Object.freeze({
    envelope: "soap11",
    addressing: "wsa2004",
  }) as MessageVersion,
  Soap12: Object.freeze({ envelope: "soap12", addressing: "none" }) as MessageVersion,
  Soap11: Object.freeze({ envelope: "soap11", addressing: "none" }) as MessageVersion,
});

/** Envelope namespace of a SOAP version. */
export function envelopeNamespace(v: EnvelopeVersion): string {
  return v === "soap12" ? NS.soap12 : NS.soap11;
}

/** SOAP 1.2 role URIs (SOAP 1.1 uses the `next` actor only). */
export const SOAP_ROLES = Object.freeze({
  next: "http://www.w3.org/2003/05/soap-envelope/role/next",
  none: "http://www.w3.org/2003/05/soap-envelope/role/none",
  ultimateReceiver: "http://www.w3.org/2003/05/soap-envelope/role/ultimateReceiver",
  next11: "http://schemas.xmlsoap.org/soap/actor/next",
});

/** Everything a SOAP header has besides its content. */
export interface Header {
  readonly name: string;
  readonly namespace: string;
  readonly mustUnderstand: boolean;
  /** SOAP 1.2 role / SOAP 1.1 actor; undefined means the ultimate receiver. */
  readonly role: string | undefined;
  /** SOAP 1.2 relay attribute. */
  readonly relay: boolean;
  /** Writes the whole header element. */
  writeTo(out: XmlOut, version: MessageVersion): void;
}

/** Options of {@link createHeader}. */
export interface HeaderInit {
  readonly name: XmlName;
  readonly namespace: XmlName;
  /** Text content (dictionary strings become dictionary text in binary), or a writer for the content. */
  readonly value:
    | string
    | { readonly id: number; readonly value: string }
    | ((out: XmlOut) => void);
  readonly mustUnderstand?: boolean;
  readonly role?: string;
  readonly relay?: boolean;
  /** Preferred prefix; default: an in-scope one, else the default namespace. */
  readonly prefix?: string;
  /** A `wsu:Id` attribute, for headers a WS-Security signature references. */
  readonly id?: string;
}

/** Writes the mustUnderstand / role / relay attributes of a header element. */
export function writeHeaderAttributes(
  out: XmlOut,
  version: MessageVersion,
  h: { mustUnderstand: boolean; role: string | undefined; relay: boolean },
): void {
  const envNs = version.envelope === "soap12" ? D.soap12Ns : D.soap11Ns;
  if (h.mustUnderstand) out.attribute(D.mustUnderstand, envNs, (w) => w.writeInt32(1), "s");
  if (h.role !== undefined) {
    out.attribute(
      version.envelope === "soap12" ? D.role : D.actor,
      envNs,
      (w) => w.writeString(h.role!),
      "s",
    );
  }
  // relay exists only in SOAP 1.2 (§5.2.4).
  if (h.relay && version.envelope === "soap12")
    out.attribute(D.relay, envNs, (w) => w.writeBool(true), "s");
}

/** Writes `u:Id="…"` (WS-Security utility namespace) on the element just started. */
export function writeWsuId(out: XmlOut, id: string): void {
  out.attribute(D.Id, D.wsuNs, (w) => w.writeString(id), "u");
}

/** An outgoing header with text or custom content. */
export function createHeader(init: HeaderInit): Header {
  const name = nameText(init.name);
  const namespace = nameText(init.namespace);
  const h = {
    name,
    namespace,
    mustUnderstand: init.mustUnderstand ?? false,
    role: init.role,
    relay: init.relay ?? false,
    writeTo(out: XmlOut, version: MessageVersion) {
      out.startElement(init.name, init.namespace, init.prefix);
      writeHeaderAttributes(out, version, h);
      if (init.id !== undefined) writeWsuId(out, init.id);
      const v = init.value;
      if (typeof v === "string") out.writer.writeString(v);
      else if (typeof v === "function") v(out);
      else out.writer.writeDictionaryText(v);
      out.endElement();
    },
  };
  return Object.freeze(h);
}

/** A header as received: attributes decoded, element buffered, and its position in the source. */
export class ReceivedHeader implements Header {
  readonly name: string;
  readonly namespace: string;
  readonly mustUnderstand: boolean;
  readonly role: string | undefined;
  readonly relay: boolean;
  /** The whole header element. */
  readonly element: XmlElementNode;
  /**
   * Where the element sits in the received document, as the reader reported
   * it: for binary, the byte offsets of its first record and of the record
   * after it (exact record boundaries); for text, offsets into the decoded
   * string (the text reader reports the end of the start tag as `start`).
   */
  readonly span: { readonly start: number; readonly end: number } | undefined;
  /** Set by consumers (or {@link Message.understand}) once they process the header. */
  understood = false;

  constructor(
    element: XmlElementNode,
    attrs: { mustUnderstand: boolean; role: string | undefined; relay: boolean },
    span?: { start: number; end: number },
  ) {
    this.element = element;
    this.name = element.localName;
    this.namespace = element.namespaceUri;
    this.mustUnderstand = attrs.mustUnderstand;
    this.role = attrs.role;
    this.relay = attrs.relay;
    this.span = span;
  }

  writeTo(out: XmlOut): void {
    writeElementNode(out, this.element);
  }

  /** Text content of the header (concatenated text children). */
  get text(): string {
    let s = "";
    for (const c of this.element.children) {
      if (!("children" in c)) s += c.type === "string" ? c.value : valueText(c);
    }
    return s;
  }
}

/** wsa:RelatesTo. */
export interface RelatesTo {
  readonly id: string;
  /** Omitted means the reply relationship. */
  readonly relationshipType?: string;
}

/** Writes the content of a message body. */
export type BodyWriter = (out: XmlOut) => void;

/** Fields of a new message. */
export interface MessageInit {
  readonly version?: MessageVersion;
  readonly action?: string;
  readonly to?: string;
  readonly messageId?: string;
  readonly relatesTo?: RelatesTo;
  readonly replyTo?: EndpointAddress;
  readonly from?: EndpointAddress;
  readonly faultTo?: EndpointAddress;
  readonly headers?: readonly Header[];
  readonly body?: BodyWriter;
  /** A `wsu:Id` on the Body element, for a WS-Security signature reference. */
  readonly bodyId?: string;
}

/** State of an incoming body. */
interface IncomingBody {
  readonly reader: XmlIn;
  consumed: boolean;
  readonly empty: boolean;
}

/**
 * A SOAP message: addressing properties, other headers, and a body that is
 * either a writer (outgoing) or a reader positioned on the body content
 * (incoming, read once).
 */
export class Message {
  readonly version: MessageVersion;
  action: string | undefined;
  to: string | undefined;
  messageId: string | undefined;
  relatesTo: RelatesTo | undefined;
  replyTo: EndpointAddress | undefined;
  from: EndpointAddress | undefined;
  faultTo: EndpointAddress | undefined;
  /** Headers other than the WS-Addressing ones above, in order. */
  readonly headers: Header[];
  /** Outgoing body content; undefined for an empty body (or an incoming message). */
  body: BodyWriter | undefined;
  /** `wsu:Id` of the Body element (written on send; read on receipt). */
  bodyId: string | undefined;
  /** Prefix and attributes of the received Body element (for canonicalization). */
  bodyStart:
    | { readonly prefix: string; readonly attributes: readonly XmlAttributeNode[] }
    | undefined;
  /** The body elements after {@link Message.bufferBody}. */
  bufferedBody: readonly XmlElementNode[] | undefined;
  private incoming: IncomingBody | undefined;

  constructor(init: MessageInit = {}) {
    this.version = init.version ?? MessageVersions.Soap12WSAddressing10;
    this.action = init.action;
    this.to = init.to;
    this.messageId = init.messageId;
    this.relatesTo = init.relatesTo;
    this.replyTo = init.replyTo;
    this.from = init.from;
    this.faultTo = init.faultTo;
    this.headers = [...(init.headers ?? [])];
    this.body = init.body;
    this.bodyId = init.bodyId;
  }

  /** Set by the decoders: the received bytes, for relaying without re-encoding. */
  source: MessageSource | undefined;

  /** Prefix bindings declared on the received Envelope and Body (for QName values such as fault codes). */
  namespaceScope: ReadonlyMap<string, string> = new Map();

  /** @internal Used by the decoder to attach the body reader. */
  attachBody(reader: XmlIn, empty: boolean): void {
    this.incoming = { reader, consumed: false, empty };
  }

  /** The body reader without consuming it (to look at the first body element). */
  peekBodyReader(): XmlIn {
    const b = this.incoming;
    if (b === undefined || b.consumed) {
      throw new SoapError("invalid-argument", "no unread body to peek at");
    }
    return b.reader;
  }

  /** Local name and namespace of the first body element of a received message (undefined when empty). */
  get bodyElement(): { readonly localName: string; readonly namespaceUri: string } | undefined {
    const b = this.incoming;
    if (b === undefined || b.empty || b.consumed) return undefined;
    return { localName: b.reader.reader.localName, namespaceUri: b.reader.reader.namespaceUri };
  }

  /** True when the body has no element (Ping, GetServiceSettings, the Unregister reply). */
  get isEmpty(): boolean {
    if (this.incoming !== undefined) return this.incoming.empty;
    return this.body === undefined;
  }

  /** True for a received message. */
  get isIncoming(): boolean {
    return this.incoming !== undefined;
  }

  /**
   * The reader, positioned on the first element of the body. It can be
   * taken once; after that the body is consumed.
   */
  getBodyReader(): XmlIn {
    const b = this.incoming;
    if (b === undefined)
      throw new SoapError(
        "invalid-argument",
        "the message was not received; it has no body reader",
      );
    if (b.consumed) throw new SoapError("invalid-argument", "the body has already been read");
    b.consumed = true;
    return b.reader;
  }

  /** Reads the body as a DataContract root element `name` in `ns`. */
  readBody<T>(type: DataContract<T>, name: string, ns: string, options?: DcReadOptions): T | null {
    if (this.isEmpty) {
      throw new SoapError("missing-element", `the body is empty, expected ${name}`, {
        path: "Envelope/Body",
      });
    }
    const inp = this.getBodyReader();
    const v = readRoot(inp, type, name, ns, { ...options, path: "Envelope/Body" });
    this.endBody(inp);
    return v;
  }

  /**
   * After the body element has been read: checks that only the ends of
   * Body and Envelope follow, so a truncated or padded document is not
   * accepted just because its body parsed.
   */
  endBody(inp: XmlIn): void {
    guardNbfs(() => {
      const r = inp.reader;
      for (const what of ["Body", "Envelope"]) {
        const t = inp.content();
        if (t !== "endElement") {
          throw new SoapError("malformed-envelope", `expected the end of ${what}, found ${t}`, {
            path: what === "Body" ? "Envelope/Body" : "Envelope",
          });
        }
        r.read();
      }
      const t = inp.content();
      if (t !== "eof" && t !== "none") {
        throw new SoapError("malformed-envelope", `unexpected ${t} after the Envelope`, {
          path: "Envelope",
        });
      }
    });
  }

  /**
   * Buffers the incoming body so the message can be written again (e.g. a
   * relayed message on a different encoder).
   */
  bufferBody(budget: BufferBudget = { nodes: 65536 }): void {
    if (this.incoming === undefined) return;
    if (this.incoming.empty) {
      this.incoming.consumed = true;
      this.body = undefined;
      this.bufferedBody = [];
      return;
    }
    const inp = this.getBodyReader();
    const nodes: XmlElementNode[] = [];
    guardNbfs(() => {
      while (inp.nextChild("Envelope/Body")) nodes.push(readElementNode(inp, budget));
    });
    this.bufferedBody = nodes;
    this.body = (out) => {
      for (const n of nodes) writeElementNode(out, n);
    };
    this.incoming = undefined;
  }

  /** The first header with this name and namespace. */
  findHeader(name: string, namespace: string): Header | undefined {
    return this.headers.find((h) => h.name === name && h.namespace === namespace);
  }

  /** Marks received headers as understood (for the mustUnderstand check). */
  understand(name: string, namespace: string): void {
    for (const h of this.headers) {
      if (h instanceof ReceivedHeader && h.name === name && h.namespace === namespace)
        h.understood = true;
    }
  }

  /**
   * Throws `must-understand` for a received header with mustUnderstand set,
   * aimed at us (no role, next or ultimateReceiver), that nobody understood
   * (SOAP 1.2 §5.2.3; WCF performs this check after dispatch).
   */
  checkMustUnderstand(): void {
    for (const h of this.headers) {
      if (!(h instanceof ReceivedHeader) || !h.mustUnderstand || h.understood) continue;
      const r = h.role;
      if (
        r === undefined ||
        r === SOAP_ROLES.next ||
        r === SOAP_ROLES.ultimateReceiver ||
        r === SOAP_ROLES.next11
      ) {
        throw new SoapError(
          "must-understand",
          `header ${h.name} in ${h.namespace} was not understood`,
          {
            path: `Envelope/Header/${h.name}`,
          },
        );
      }
    }
  }
}

/** Builds a message whose body is one DataContract root element. */
export function dataContractBody<T>(
  type: DataContract<T>,
  name: XmlName,
  ns: XmlName,
  value: T | null,
): BodyWriter {
  return (out) => writeRoot(out, type, name, ns, value);
}

/** Header name and namespace for addressing headers of `version`. */
export function addressingNs(version: MessageVersion): XmlName {
  return version.addressing === "wsa10" ? D.wsa10Ns : D.wsa2004Ns;
}

/** @internal Writes an EPR header (ReplyTo, From, FaultTo). */
export function writeEprHeader(
  out: XmlOut,
  version: MessageVersion,
  name: XmlName,
  epr: EndpointAddress,
): void {
  out.startElement(name, addressingNs(version));
  writeEndpointAddressContent(out, epr, version.addressing);
  out.endElement();
}
