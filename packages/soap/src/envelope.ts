import type { XmlReader } from "@prch/nbfs";
import { addressingNamespace, readEndpointAddressContent } from "./addressing.js";
import { NS, WSA } from "./constants.js";
import { D, sessionString } from "./dictionary.js";
import { SoapError } from "./errors.js";
import { readElementNode } from "./infoset.js";
import {
  addressingNs,
  envelopeNamespace,
  Message,
  type MessageVersion,
  ReceivedHeader,
  writeEprHeader,
  writeHeaderAttributes,
  writeWsuId,
} from "./message.js";
import { valueToBool, valueToString } from "./values.js";
import { XmlIn, type XmlOut } from "./xmlio.js";

const UNIQUE_ID_RE =
  /^urn:uuid:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

function writeUniqueId(out: XmlOut, id: string): void {
  // UniqueIdText in binary when the id is a urn:uuid GUID, as WCF's UniqueId does.
  if (UNIQUE_ID_RE.test(id)) out.writer.writeUniqueId(id.toLowerCase());
  else out.writer.writeString(id);
}

/**
 * Writes a whole envelope as WCF's Message.WriteMessage does: `s` for the
 * envelope namespace and `a` for the addressing namespace, both declared on
 * Envelope; addressing headers in the order Action, MessageID, RelatesTo,
 * ReplyTo, From, FaultTo, To; then the other headers; then the body.
 */
export function writeEnvelope(out: XmlOut, msg: Message): void {
  const v = msg.version;
  const envNs = v.envelope === "soap12" ? D.soap12Ns : D.soap11Ns;
  out.startElement(D.Envelope, envNs, "s");
  const wsa = v.addressing !== "none";
  if (wsa) out.xmlns("a", addressingNs(v));
  if (wsa && msg.action === undefined) {
    throw new SoapError("invalid-argument", "a message with WS-Addressing needs an Action");
  }
  const hasHeaders =
    msg.headers.length > 0 ||
    (wsa &&
      (msg.action !== undefined ||
        msg.to !== undefined ||
        msg.messageId !== undefined ||
        msg.relatesTo !== undefined ||
        msg.replyTo !== undefined ||
        msg.from !== undefined ||
        msg.faultTo !== undefined));
  if (hasHeaders) {
    out.startElement(D.Header, envNs, "s");
    if (wsa) writeAddressingHeaders(out, msg);
    for (const h of msg.headers) h.writeTo(out, v);
    out.endElement();
  }
  out.startElement(D.Body, envNs, "s");
  if (msg.bodyId !== undefined) writeWsuId(out, msg.bodyId);
  msg.body?.(out);
  out.endElement();
  out.endElement();
}

function writeAddressingHeaders(out: XmlOut, msg: Message): void {
  const v = msg.version;
  const ns = addressingNs(v);
  const mu = { mustUnderstand: true, role: undefined, relay: false };
  if (msg.action !== undefined) {
    out.startElement(D.Action, ns);
    writeHeaderAttributes(out, v, mu);
    out.writer.writeDictionaryText(sessionString(msg.action));
    out.endElement();
  }
  if (msg.messageId !== undefined) {
    out.startElement(D.MessageID, ns);
    writeUniqueId(out, msg.messageId);
    out.endElement();
  }
  if (msg.relatesTo !== undefined) {
    out.startElement(D.RelatesTo, ns);
    const rt = msg.relatesTo.relationshipType;
    if (rt !== undefined && rt !== WSA.reply10) {
      out.attribute(D.RelationshipType, undefined, (w) => w.writeString(rt));
    }
    writeUniqueId(out, msg.relatesTo.id);
    out.endElement();
  }
  if (msg.replyTo !== undefined) writeEprHeader(out, v, D.ReplyTo, msg.replyTo);
  if (msg.from !== undefined) writeEprHeader(out, v, D.From, msg.from);
  if (msg.faultTo !== undefined) writeEprHeader(out, v, D.FaultTo, msg.faultTo);
  if (msg.to !== undefined) {
    out.startElement(D.To, ns);
    writeHeaderAttributes(out, v, mu);
    if (v.addressing === "wsa10" && msg.to === WSA.anonymous10)
      out.writer.writeDictionaryText(D.wsa10Anonymous);
    else out.writer.writeDictionaryText(sessionString(msg.to));
    out.endElement();
  }
}

/** Options for reading an envelope. */
export interface ReadEnvelopeOptions {
  /** Expected version; a different envelope namespace gives `version-mismatch`. */
  readonly version: MessageVersion;
  /** Maximum number of headers (default 64). */
  readonly maxHeaders?: number;
  /** Maximum XML nodes buffered for headers (default 4096). */
  readonly maxHeaderNodes?: number;
  /** Require an Action header when addressing is in use (default true). */
  readonly requireAction?: boolean;
  /**
   * Skip the Header element without reading it (default false): the message
   * then has no headers, no addressing properties and no Action check. For
   * reading the body of a message whose headers are already known.
   */
  readonly skipHeaders?: boolean;
}

function headerAttrs(r: XmlReader, version: MessageVersion, path: string) {
  const envNs = envelopeNamespace(version.envelope);
  let mustUnderstand = false;
  let role: string | undefined;
  let relay = false;
  try {
    const mu = r.getAttribute("mustUnderstand", envNs);
    if (mu !== undefined) mustUnderstand = valueToBool(mu.value);
    const ro = r.getAttribute(version.envelope === "soap12" ? "role" : "actor", envNs);
    if (ro !== undefined) role = valueToString(ro.value).trim();
    const re = version.envelope === "soap12" ? r.getAttribute("relay", envNs) : undefined;
    if (re !== undefined) relay = valueToBool(re.value);
  } catch (e) {
    if (e instanceof SoapError) throw new SoapError(e.code, e.message, { path, cause: e });
    throw e;
  }
  return { mustUnderstand, role, relay };
}

/**
 * Reads the envelope and headers from a fresh reader and returns the
 * message with its body reader positioned on the first body element.
 */
export function readEnvelope(reader: XmlReader, options: ReadEnvelopeOptions): Message {
  const inp = new XmlIn(reader);
  const version = options.version;
  const envNs = envelopeNamespace(version.envelope);
  reader.read();
  const t = inp.content();
  if (t !== "element" || reader.localName !== "Envelope") {
    throw new SoapError("malformed-envelope", "the document is not a SOAP Envelope", {
      path: "Envelope",
    });
  }
  if (reader.namespaceUri !== envNs) {
    const known = reader.namespaceUri === NS.soap11 || reader.namespaceUri === NS.soap12;
    throw new SoapError(
      known ? "version-mismatch" : "wrong-namespace",
      `Envelope namespace ${JSON.stringify(reader.namespaceUri)}, expected ${JSON.stringify(envNs)}`,
      { path: "Envelope" },
    );
  }
  const msg = new Message({ version });
  const scope = new Map<string, string>();
  const collect = () => {
    for (const a of reader.attributes) {
      if (a.isXmlns) scope.set(a.prefix === "" ? "" : a.localName, valueToString(a.value));
    }
  };
  collect();
  if (!inp.enter())
    throw new SoapError("missing-element", "Envelope without Body", { path: "Envelope/Body" });
  if (!inp.nextChild("Envelope"))
    throw new SoapError("missing-element", "Envelope without Body", { path: "Envelope/Body" });
  if (inp.isStart("Header", envNs)) {
    if (options.skipHeaders === true) inp.skip();
    else readHeaders(inp, msg, options);
    if (!inp.nextChild("Envelope")) {
      throw new SoapError("missing-element", "Envelope without Body", { path: "Envelope/Body" });
    }
  }
  inp.expectStart("Body", envNs, "Envelope");
  collect();
  const bodyAttributes = reader.attributes
    .filter((a) => !a.isXmlns)
    .map((a) => ({
      prefix: a.prefix,
      localName: a.localName,
      namespaceUri: a.namespaceUri,
      value: a.value,
    }));
  msg.bodyStart = { prefix: reader.prefix, attributes: bodyAttributes };
  const id = reader.getAttribute("Id", NS.wsu);
  if (id !== undefined) msg.bodyId = valueToString(id.value);
  msg.namespaceScope = scope;
  let empty = !inp.enter();
  if (!empty) {
    const c = inp.content();
    if (c === "endElement") {
      reader.read();
      empty = true;
    } else if (c !== "element") {
      throw new SoapError("malformed-envelope", `unexpected ${c} in Body`, {
        path: "Envelope/Body",
      });
    }
  }
  if (
    version.addressing !== "none" &&
    msg.action === undefined &&
    options.requireAction !== false &&
    options.skipHeaders !== true
  ) {
    throw new SoapError("missing-element", "the message has no Action header", {
      path: "Envelope/Header/Action",
    });
  }
  msg.attachBody(inp, empty);
  return msg;
}

function readHeaders(inp: XmlIn, msg: Message, options: ReadEnvelopeOptions): void {
  const r = inp.reader;
  const version = options.version;
  const wsaNs = addressingNamespace(version.addressing);
  const budget = { nodes: options.maxHeaderNodes ?? 4096 };
  const maxHeaders = options.maxHeaders ?? 64;
  let count = 0;
  if (!inp.enter()) return;
  while (inp.nextChild("Envelope/Header")) {
    if (++count > maxHeaders) {
      throw new SoapError("quota-exceeded", `more than ${maxHeaders} headers`, {
        path: "Envelope/Header",
      });
    }
    const name = r.localName;
    const path = `Envelope/Header/${name}`;
    const start = r.offset;
    const attrs = headerAttrs(r, version, path);
    if (
      wsaNs !== "" &&
      r.namespaceUri === wsaNs &&
      readAddressingHeader(inp, msg, name, path, budget)
    )
      continue;
    const element = readElementNode(inp, budget);
    msg.headers.push(new ReceivedHeader(element, attrs, { start, end: r.offset }));
  }
}

function once(present: boolean, name: string): void {
  if (present) {
    throw new SoapError("duplicate-header", `more than one ${name} header`, {
      path: `Envelope/Header/${name}`,
    });
  }
}

/** Returns false when the element is not an addressing header we model. */
function readAddressingHeader(
  inp: XmlIn,
  msg: Message,
  name: string,
  path: string,
  budget: { nodes: number },
): boolean {
  const v = msg.version.addressing;
  const text = () => valueToString(inp.value()).trim();
  switch (name) {
    case "Action":
      once(msg.action !== undefined, name);
      msg.action = text();
      return true;
    case "To":
      once(msg.to !== undefined, name);
      msg.to = text();
      return true;
    case "MessageID":
      once(msg.messageId !== undefined, name);
      msg.messageId = text();
      return true;
    case "RelatesTo": {
      once(msg.relatesTo !== undefined, name);
      const rt = inp.reader.getAttribute("RelationshipType", "");
      const relationshipType = rt === undefined ? undefined : valueToString(rt.value).trim();
      msg.relatesTo = {
        id: text(),
        ...(relationshipType !== undefined ? { relationshipType } : {}),
      };
      return true;
    }
    case "ReplyTo":
      once(msg.replyTo !== undefined, name);
      msg.replyTo = readEndpointAddressContent(inp, path, v, budget);
      return true;
    case "From":
      once(msg.from !== undefined, name);
      msg.from = readEndpointAddressContent(inp, path, v, budget);
      return true;
    case "FaultTo":
      once(msg.faultTo !== undefined, name);
      msg.faultTo = readEndpointAddressContent(inp, path, v, budget);
      return true;
    default:
      return false;
  }
}
