import { TextXmlReader } from "@prch/nbfs";
import { canonicalize } from "./c14n.js";
import { NS } from "./constants.js";
import { D } from "./dictionary.js";
import { TextMessageEncoder } from "./encoder.js";
import { guardNbfs, SoapError } from "./errors.js";
import { readElementNode, writeElementNode, type XmlElementNode } from "./infoset.js";
import { type Header, type Message, ReceivedHeader, writeHeaderAttributes } from "./message.js";
import { valueToString } from "./values.js";
import { XmlIn, type XmlOut } from "./xmlio.js";

/**
 * The WS-Security pieces flood signing needs (MC-PRCH §3.2.4.1.1): exclusive
 * canonical bytes of the signed parts, and the `wsse:Security` header that
 * carries the signature. The signature itself is computed and checked by
 * `@prch/security`; the XML shapes follow its README (unconfirmed by a
 * Windows capture).
 */

const DSIG = "http://www.w3.org/2000/09/xmldsig#";
const WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";

/** One signed element: its `wsu:Id` and its exclusive canonicalization. */
export interface SignedPart {
  readonly id: string;
  readonly canonical: Uint8Array;
}

/** The parts Windows signs on a flood: the four peer headers and the body. */
export interface FloodSignedParts {
  readonly PeerVia: SignedPart;
  readonly FloodMessage: SignedPart;
  readonly PeerTo: SignedPart;
  readonly MessageID: SignedPart;
  readonly Body: SignedPart;
}

function wsuId(n: XmlElementNode): string | undefined {
  const a = n.attributes.find((x) => x.localName === "Id" && x.namespaceUri === NS.wsu);
  return a === undefined ? undefined : valueToString(a.value);
}

function headerPart(msg: Message, name: string): SignedPart {
  const h = msg.headers.find((x) => x.name === name && x.namespace === NS.peer);
  if (!(h instanceof ReceivedHeader)) {
    throw new SoapError("missing-element", `no received ${name} header to canonicalize`, {
      path: `Envelope/Header/${name}`,
    });
  }
  const id = wsuId(h.element);
  if (id === undefined) {
    throw new SoapError("missing-element", `${name} header has no wsu:Id`, {
      path: `Envelope/Header/${name}`,
    });
  }
  return { id, canonical: canonicalize(h.element) };
}

/**
 * Exclusive-C14N bytes and ids of a received flood's signed parts. Buffers
 * the body (so read the body afterwards from `bufferedBody`, or before, with
 * `bufferBody()` yourself).
 */
export function floodSignedParts(msg: Message): FloodSignedParts {
  return guardNbfs(() => {
    if (msg.bufferedBody === undefined) msg.bufferBody();
    const start = msg.bodyStart;
    const body = msg.bufferedBody;
    if (start === undefined || body === undefined) {
      throw new SoapError(
        "invalid-argument",
        "the message was not received; encode and decode it first",
      );
    }
    if (msg.bodyId === undefined)
      throw new SoapError("missing-element", "Body has no wsu:Id", { path: "Envelope/Body" });
    const bodyNode: XmlElementNode = {
      prefix: start.prefix,
      localName: "Body",
      namespaceUri: msg.version.envelope === "soap12" ? NS.soap12 : NS.soap11,
      attributes: start.attributes,
      children: body,
    };
    return {
      PeerVia: headerPart(msg, "PeerVia"),
      FloodMessage: headerPart(msg, "FloodMessage"),
      PeerTo: headerPart(msg, "PeerTo"),
      MessageID: headerPart(msg, "MessageID"),
      Body: { id: msg.bodyId, canonical: canonicalize(bodyNode) },
    };
  });
}

/**
 * The signed parts of an outgoing flood (built with `createFloodHeaders({ ids })`
 * and a `bodyId`), as a receiver will canonicalize them: the message is
 * written and read back once as text.
 */
export function outgoingFloodSignedParts(msg: Message): FloodSignedParts {
  const text = new TextMessageEncoder({
    version: msg.version,
    quotas: { maxDocumentSize: 0x7fffffff },
  });
  return floodSignedParts(text.decodeString(text.encodeToString(msg)));
}

function parseFragment(xml: string): XmlElementNode {
  return guardNbfs(() => {
    const r = new TextXmlReader(xml, { quotas: { maxDocumentSize: 1 << 22 } });
    r.read();
    const inp = new XmlIn(r);
    if (inp.content() !== "element") throw new SoapError("invalid-argument", "not an XML element");
    return readElementNode(inp, { nodes: 65536 });
  });
}

/**
 * A `wsse:Security` header (mustUnderstand) holding the given XML fragments
 * in order, e.g. `binarySecurityTokenXml(…)` and `signatureXml(…)` from
 * `@prch/security`. The fragments are parsed once here and re-emitted in
 * the message's encoding; canonical forms are unaffected by prefixes or
 * redundant declarations.
 */
export function createSecurityHeader(fragments: readonly string[]): Header {
  const nodes = fragments.map(parseFragment);
  const h: Header = {
    name: "Security",
    namespace: WSSE,
    mustUnderstand: true,
    role: undefined,
    relay: false,
    writeTo(out: XmlOut, version) {
      out.startElement(D.Security, D.wsseNs, "o");
      writeHeaderAttributes(out, version, h);
      for (const n of nodes) writeElementNode(out, n);
      out.endElement();
    },
  };
  return Object.freeze(h);
}

/** A signature as read from a received `wsse:Security` header (the shape `@prch/security` verifies). */
export interface ReceivedSignature {
  /** Exclusive canonicalization of the received ds:SignedInfo. */
  readonly signedInfo: Uint8Array;
  readonly signatureMethod: string;
  readonly references: readonly {
    readonly uri: string;
    readonly transforms: readonly string[];
    readonly digestMethod: string;
    readonly digestValue: string;
  }[];
  /** ds:SignatureValue text (base64). */
  readonly signatureValue: string;
  /** DER of the certificate in the BinarySecurityToken the KeyInfo references. */
  readonly certificate: Uint8Array;
}

function child(n: XmlElementNode, local: string, ns: string): XmlElementNode | undefined {
  for (const c of n.children)
    if ("children" in c && c.localName === local && c.namespaceUri === ns) return c;
  return undefined;
}

function children(n: XmlElementNode, local: string, ns: string): XmlElementNode[] {
  const out: XmlElementNode[] = [];
  for (const c of n.children)
    if ("children" in c && c.localName === local && c.namespaceUri === ns) out.push(c);
  return out;
}

function text(n: XmlElementNode): string {
  let s = "";
  for (const c of n.children) if (!("children" in c)) s += valueToString(c);
  return s.trim();
}

function attr(n: XmlElementNode, local: string): string | undefined {
  const a = n.attributes.find((x) => x.localName === local && x.namespaceUri === "");
  return a === undefined ? undefined : valueToString(a.value);
}

function need<T>(v: T | undefined, what: string): T {
  if (v === undefined)
    throw new SoapError("missing-element", `Security header: no ${what}`, {
      path: "Envelope/Header/Security",
    });
  return v;
}

/**
 * Reads the signature of a received message's `wsse:Security` header, or
 * undefined when there is none. Marks the header understood. Limits: at
 * most 16 references (as `@prch/security`'s quota).
 */
export function readSecuritySignature(msg: Message): ReceivedSignature | undefined {
  const h = msg.headers.find((x) => x.name === "Security" && x.namespace === WSSE);
  if (h === undefined) return undefined;
  if (!(h instanceof ReceivedHeader))
    throw new SoapError("invalid-argument", "the message was not received");
  h.understood = true;
  const sec = h.element;
  const sig = need(child(sec, "Signature", DSIG), "ds:Signature");
  const si = need(child(sig, "SignedInfo", DSIG), "ds:SignedInfo");
  const sm = need(child(si, "SignatureMethod", DSIG), "ds:SignatureMethod");
  const refs = children(si, "Reference", DSIG);
  if (refs.length > 16) throw new SoapError("quota-exceeded", "more than 16 signature references");
  const references = refs.map((r) => {
    const transforms = child(r, "Transforms", DSIG);
    return {
      uri: need(attr(r, "URI"), "Reference URI"),
      transforms:
        transforms === undefined
          ? []
          : children(transforms, "Transform", DSIG).map((t) =>
              need(attr(t, "Algorithm"), "Transform Algorithm"),
            ),
      digestMethod: need(
        attr(need(child(r, "DigestMethod", DSIG), "ds:DigestMethod"), "Algorithm"),
        "DigestMethod Algorithm",
      ),
      digestValue: text(need(child(r, "DigestValue", DSIG), "ds:DigestValue")),
    };
  });
  const keyInfo = need(child(sig, "KeyInfo", DSIG), "ds:KeyInfo");
  const str = need(child(keyInfo, "SecurityTokenReference", WSSE), "wsse:SecurityTokenReference");
  const ref = need(child(str, "Reference", WSSE), "wsse:Reference");
  const uri = need(attr(ref, "URI"), "wsse:Reference URI");
  if (!uri.startsWith("#"))
    throw new SoapError("invalid-value", "only local token references are supported");
  const token = children(sec, "BinarySecurityToken", WSSE).find((t) => wsuId(t) === uri.slice(1));
  const der = Buffer.from(
    text(need(token, `BinarySecurityToken ${uri}`)).replace(/\s+/g, ""),
    "base64",
  );
  return {
    signedInfo: canonicalize(si),
    signatureMethod: need(attr(sm, "Algorithm"), "SignatureMethod Algorithm"),
    references,
    signatureValue: text(need(child(sig, "SignatureValue", DSIG), "ds:SignatureValue")),
    certificate: new Uint8Array(der),
  };
}
