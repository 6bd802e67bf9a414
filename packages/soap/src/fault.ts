import { NS, WSA } from "./constants.js";
import { D } from "./dictionary.js";
import { guardNbfs, SoapError } from "./errors.js";
import {
  type BufferBudget,
  readElementNode,
  writeElementNode,
  type XmlElementNode,
} from "./infoset.js";
import { envelopeNamespace, Message, type MessageVersion, MessageVersions } from "./message.js";
import { valueToString } from "./values.js";
import { childPath, type XmlIn, type XmlOut } from "./xmlio.js";

/** A fault code: a qualified name with an optional (SOAP 1.2) subcode chain. */
export interface FaultCode {
  readonly name: string;
  readonly namespace: string;
  readonly subcode?: FaultCode;
}

/** Reason text in one language. */
export interface FaultReason {
  readonly text: string;
  readonly lang: string;
}

/** A SOAP fault of either version. */
export interface SoapFault {
  readonly code: FaultCode;
  readonly reasons: readonly FaultReason[];
  /** SOAP 1.2 Node. */
  readonly node?: string;
  /** SOAP 1.2 Role / SOAP 1.1 faultactor. */
  readonly role?: string;
  /** Children of Detail / detail. */
  readonly detail?: readonly XmlElementNode[];
}

/** A received fault as an error, for callers that want to throw on a fault reply ({@link tryReadFault} returns it instead). */
export class SoapFaultError extends SoapError {
  readonly fault: SoapFault;

  constructor(fault: SoapFault) {
    super("fault", `SOAP fault ${fault.code.name}: ${fault.reasons[0]?.text ?? ""}`);
    this.name = "SoapFaultError";
    this.fault = fault;
  }
}

/** The standard fault codes, named the SOAP 1.2 way (Sender/Receiver map to Client/Server in 1.1). */
export function faultCode(
  kind: "Sender" | "Receiver" | "MustUnderstand" | "VersionMismatch" | "DataEncodingUnknown",
  version: MessageVersion,
  subcode?: FaultCode,
): FaultCode {
  const ns = envelopeNamespace(version.envelope);
  let name: string = kind;
  if (version.envelope === "soap11") {
    if (kind === "Sender") name = "Client";
    else if (kind === "Receiver") name = "Server";
  }
  return { name, namespace: ns, ...(subcode !== undefined ? { subcode } : {}) };
}

const XML_NS = "http://www.w3.org/XML/1998/namespace";

function writeQNameValue(out: XmlOut, code: FaultCode): void {
  const prefix = code.namespace === "" ? "" : out.declareNamespace(code.namespace);
  out.writer.writeQName(prefix, code.name);
}

function writeCode12(out: XmlOut, code: FaultCode, envNs: typeof D.soap12Ns): void {
  out.startElement(D.Value, envNs);
  writeQNameValue(out, code);
  out.endElement();
  if (code.subcode !== undefined) {
    out.startElement(D.Subcode, envNs);
    writeCode12(out, code.subcode, envNs);
    out.endElement();
  }
}

/** Writes an `s:Fault` element (either version). */
export function writeFault(out: XmlOut, fault: SoapFault, version: MessageVersion): void {
  if (fault.reasons.length === 0)
    throw new SoapError("invalid-argument", "a fault needs at least one reason");
  if (version.envelope === "soap12") {
    const ns = D.soap12Ns;
    out.startElement(D.Fault, ns);
    out.startElement(D.Code, ns);
    writeCode12(out, fault.code, ns);
    out.endElement();
    out.startElement(D.Reason, ns);
    for (const r of fault.reasons) {
      out.startElement(D.Text, ns);
      out.attribute("lang", XML_NS, (w) => w.writeString(r.lang), "xml");
      out.writer.writeString(r.text);
      out.endElement();
    }
    out.endElement();
    if (fault.node !== undefined) out.textElement(D.Node, ns, fault.node);
    if (fault.role !== undefined) out.textElement(D.Role, ns, fault.role);
    if (fault.detail !== undefined) {
      out.startElement(D.Detail, ns);
      for (const d of fault.detail) writeElementNode(out, d);
      out.endElement();
    }
    out.endElement();
    return;
  }
  const ns = D.soap11Ns;
  out.startElement(D.Fault, ns);
  // SOAP 1.1 fault children are unqualified.
  out.startElement(D.faultcode, "");
  writeQNameValue(out, fault.code);
  out.endElement();
  out.startElement(D.faultstring, "");
  out.attribute("lang", XML_NS, (w) => w.writeString(fault.reasons[0]!.lang), "xml");
  out.writer.writeString(fault.reasons[0]!.text);
  out.endElement();
  if (fault.role !== undefined) out.textElement(D.faultactor, "", fault.role);
  if (fault.detail !== undefined) {
    out.startElement(D.detail, "");
    for (const d of fault.detail) writeElementNode(out, d);
    out.endElement();
  }
  out.endElement();
}

/** A fault message (action: the WS-Addressing fault action of the version). */
export function createFaultMessage(
  fault: SoapFault,
  options: { version?: MessageVersion; action?: string; relatesTo?: string; to?: string } = {},
): Message {
  const version = options.version ?? MessageVersions.Soap12WSAddressing10;
  const action =
    options.action ??
    (version.addressing === "wsa10"
      ? WSA.fault10
      : version.addressing === "wsa2004"
        ? WSA.fault2004
        : undefined);
  return new Message({
    version,
    ...(action !== undefined ? { action } : {}),
    ...(options.to !== undefined ? { to: options.to } : {}),
    ...(options.relatesTo !== undefined ? { relatesTo: { id: options.relatesTo } } : {}),
    body: (out) => writeFault(out, fault, version),
  });
}

/** Prefix → namespace bindings seen on the way down, to resolve QName values. */
type Scope = Map<string, string>;

function collectXmlns(inp: XmlIn, scope: Scope): Scope {
  let copy: Scope | undefined;
  for (const a of inp.reader.attributes) {
    if (!a.isXmlns) continue;
    copy ??= new Map(scope);
    copy.set(a.prefix === "" ? "" : a.localName, valueToString(a.value));
  }
  return copy ?? scope;
}

function resolveQName(
  text: string,
  scope: Scope,
  path: string,
): { name: string; namespace: string } {
  const t = text.trim();
  const colon = t.indexOf(":");
  const prefix = colon < 0 ? "" : t.slice(0, colon);
  const name = colon < 0 ? t : t.slice(colon + 1);
  const namespace = scope.get(prefix);
  if (namespace === undefined) {
    throw new SoapError(
      "invalid-value",
      `undeclared prefix ${JSON.stringify(prefix)} in fault code`,
      { path },
    );
  }
  return { name, namespace };
}

function readQNameContent(inp: XmlIn, scope: Scope, path: string) {
  const s = collectXmlns(inp, scope);
  const v = inp.value();
  if (v.type === "qname") return resolveQName(`${v.prefix}:${v.localName.value}`, s, path);
  return resolveQName(valueToString(v), s, path);
}

function readCode12(inp: XmlIn, scope: Scope, path: string, depth: number): FaultCode {
  if (depth > 8)
    throw new SoapError("quota-exceeded", "fault subcodes nested too deeply", { path });
  const s = collectXmlns(inp, scope);
  let value: { name: string; namespace: string } | undefined;
  let subcode: FaultCode | undefined;
  if (inp.enter()) {
    const r = inp.reader;
    while (inp.nextChild(path)) {
      if (r.namespaceUri === NS.soap12 && r.localName === "Value" && value === undefined) {
        value = readQNameContent(inp, s, childPath(path, "Value"));
      } else if (
        r.namespaceUri === NS.soap12 &&
        r.localName === "Subcode" &&
        subcode === undefined
      ) {
        subcode = readCode12(inp, s, childPath(path, "Subcode"), depth + 1);
      } else inp.skip();
    }
  }
  if (value === undefined)
    throw new SoapError("missing-element", "fault code without Value", { path });
  return { ...value, ...(subcode !== undefined ? { subcode } : {}) };
}

/**
 * Reads a Fault element (the reader on it). `scope` holds the namespace
 * bindings in force at the Fault (at least the envelope's).
 */
export function readFault(
  inp: XmlIn,
  version: MessageVersion,
  scope: ReadonlyMap<string, string> = defaultScope(version),
  budget: BufferBudget = { nodes: 1024 },
): SoapFault {
  const envNs = envelopeNamespace(version.envelope);
  const path = "Envelope/Body/Fault";
  inp.expectStart("Fault", envNs, "Envelope/Body");
  const s = collectXmlns(inp, new Map(scope));
  let code: FaultCode | undefined;
  const reasons: FaultReason[] = [];
  let node: string | undefined;
  let role: string | undefined;
  let detail: XmlElementNode[] | undefined;
  const soap12 = version.envelope === "soap12";
  if (inp.enter()) {
    const r = inp.reader;
    while (inp.nextChild(path)) {
      const name = r.localName;
      const ns = r.namespaceUri;
      const p = childPath(path, name);
      if (soap12 ? ns !== envNs : ns !== "") {
        inp.skip();
        continue;
      }
      if (soap12 && name === "Code") code = readCode12(inp, s, p, 0);
      else if (!soap12 && name === "faultcode") code = readQNameContent(inp, s, p);
      else if (soap12 && name === "Reason") {
        if (inp.enter()) {
          while (inp.nextChild(p)) {
            if (reasons.length >= 32)
              throw new SoapError("quota-exceeded", "too many fault reasons", { path: p });
            const lang = r.getAttribute("lang", "http://www.w3.org/XML/1998/namespace");
            reasons.push({
              lang: lang === undefined ? "" : valueToString(lang.value),
              text: valueToString(inp.value()),
            });
          }
        }
      } else if (!soap12 && name === "faultstring") {
        const lang = r.getAttribute("lang", "http://www.w3.org/XML/1998/namespace");
        reasons.push({
          lang: lang === undefined ? "" : valueToString(lang.value),
          text: valueToString(inp.value()),
        });
      } else if (soap12 && name === "Node") node = valueToString(inp.value()).trim();
      else if ((soap12 && name === "Role") || (!soap12 && name === "faultactor")) {
        role = valueToString(inp.value()).trim();
      } else if ((soap12 && name === "Detail") || (!soap12 && name === "detail")) {
        detail = [];
        if (inp.enter()) while (inp.nextChild(p)) detail.push(readElementNode(inp, budget));
      } else inp.skip();
    }
  }
  if (code === undefined) throw new SoapError("missing-element", "fault without a code", { path });
  return {
    code,
    reasons,
    ...(node !== undefined ? { node } : {}),
    ...(role !== undefined ? { role } : {}),
    ...(detail !== undefined ? { detail } : {}),
  };
}

function defaultScope(version: MessageVersion): Map<string, string> {
  const m = new Map<string, string>([["s", envelopeNamespace(version.envelope)]]);
  if (version.addressing === "wsa10") m.set("a", NS.wsa10);
  if (version.addressing === "wsa2004") m.set("a", NS.wsa2004);
  return m;
}

/**
 * If the received message's body is a Fault, reads it and returns it;
 * otherwise returns undefined and leaves the body unread.
 */
export function tryReadFault(msg: Message): SoapFault | undefined {
  if (msg.isEmpty || !msg.isIncoming) return undefined;
  const inp = msg.peekBodyReader();
  if (!inp.isStart("Fault", envelopeNamespace(msg.version.envelope))) return undefined;
  return guardNbfs(() => {
    const body = msg.getBodyReader();
    const f = readFault(body, msg.version, msg.namespaceScope);
    msg.endBody(body);
    return f;
  });
}
