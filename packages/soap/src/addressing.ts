import { NS, WSA } from "./constants.js";
import type { DataContract } from "./datacontract.js";
import { D } from "./dictionary.js";
import { SoapError } from "./errors.js";
import {
  type BufferBudget,
  readElementNode,
  writeElementNode,
  type XmlElementNode,
} from "./infoset.js";
import { valueToString } from "./values.js";
import { childPath, type XmlIn, type XmlOut } from "./xmlio.js";

/** WS-Addressing flavours: 1.0 (2005/08), the August 2004 submission, or none. */
export type AddressingVersion = "wsa10" | "wsa2004" | "none";

/** Namespace of an addressing version ("" for none). */
export function addressingNamespace(v: AddressingVersion): string {
  return v === "wsa10" ? NS.wsa10 : v === "wsa2004" ? NS.wsa2004 : "";
}

/** The anonymous URI of an addressing version. */
export function anonymousUri(v: AddressingVersion): string {
  return v === "wsa2004" ? WSA.anonymous2004 : WSA.anonymous10;
}

/** A WS-Addressing endpoint reference. */
export interface EndpointAddress {
  /** The wsa:Address URI. */
  readonly uri: string;
  /** Children of wsa:ReferenceParameters, kept as buffered XML. */
  readonly referenceParameters?: readonly XmlElementNode[];
  /** Children of wsa:Metadata (WS-Addressing 1.0 only). */
  readonly metadata?: readonly XmlElementNode[];
  /** Any other extension elements (e.g. an Identity). */
  readonly extensions?: readonly XmlElementNode[];
}

/**
 * Writes the children of an endpoint reference (EndpointAddress10 /
 * EndpointAddressAugust2004 WriteXml): wsa:Address, then optional
 * ReferenceParameters, Metadata and extensions. The anonymous and none
 * URIs go out as static dictionary text, as WCF does.
 */
export function writeEndpointAddressContent(
  out: XmlOut,
  epr: EndpointAddress,
  version: AddressingVersion,
): void {
  if (version === "none")
    throw new SoapError("invalid-argument", "no addressing version to write an EPR in");
  const ns = version === "wsa10" ? D.wsa10Ns : D.wsa2004Ns;
  out.startElement(D.Address, ns);
  if (version === "wsa10" && epr.uri === WSA.anonymous10)
    out.writer.writeDictionaryText(D.wsa10Anonymous);
  else if (version === "wsa10" && epr.uri === WSA.none10)
    out.writer.writeDictionaryText(D.wsa10None);
  else if (version === "wsa2004" && epr.uri === WSA.anonymous2004)
    out.writer.writeDictionaryText(D.wsa2004Anonymous);
  else out.writer.writeString(epr.uri);
  out.endElement();
  if (epr.referenceParameters !== undefined && epr.referenceParameters.length > 0) {
    out.startElement(D.ReferenceParameters, ns);
    for (const p of epr.referenceParameters) writeElementNode(out, p);
    out.endElement();
  }
  if (version === "wsa10" && epr.metadata !== undefined && epr.metadata.length > 0) {
    out.startElement(D.Metadata, ns);
    for (const p of epr.metadata) writeElementNode(out, p);
    out.endElement();
  }
  for (const e of epr.extensions ?? []) writeElementNode(out, e);
}

function readChildren(inp: XmlIn, path: string, budget: BufferBudget): XmlElementNode[] {
  const list: XmlElementNode[] = [];
  if (!inp.enter()) return list;
  while (inp.nextChild(path)) list.push(readElementNode(inp, budget));
  return list;
}

/** Reads an endpoint reference; the reader is on the element holding it. */
export function readEndpointAddressContent(
  inp: XmlIn,
  path: string,
  version: AddressingVersion,
  budget: BufferBudget = { nodes: 256 },
): EndpointAddress {
  const ns = addressingNamespace(version);
  let uri: string | undefined;
  let referenceParameters: XmlElementNode[] | undefined;
  let metadata: XmlElementNode[] | undefined;
  const extensions: XmlElementNode[] = [];
  if (inp.enter()) {
    const r = inp.reader;
    while (inp.nextChild(path)) {
      if (r.namespaceUri === ns && r.localName === "Address" && uri === undefined) {
        uri = valueToString(inp.value()).trim();
      } else if (r.namespaceUri === ns && r.localName === "ReferenceParameters") {
        referenceParameters = readChildren(inp, childPath(path, "ReferenceParameters"), budget);
      } else if (r.namespaceUri === ns && r.localName === "Metadata") {
        metadata = readChildren(inp, childPath(path, "Metadata"), budget);
      } else {
        extensions.push(readElementNode(inp, budget));
      }
    }
  }
  if (uri === undefined) {
    throw new SoapError("missing-element", "endpoint reference without Address", {
      path: childPath(path, "Address"),
    });
  }
  return {
    uri,
    ...(referenceParameters !== undefined ? { referenceParameters } : {}),
    ...(metadata !== undefined ? { metadata } : {}),
    ...(extensions.length > 0 ? { extensions } : {}),
  };
}

/**
 * EndpointAddress10 as a DataContract member (IXmlSerializable: its content
 * is the EPR children, its schema type wsa10:EndpointReferenceType).
 */
export const dcEndpointAddress10: DataContract<EndpointAddress> = Object.freeze({
  kind: "xml" as const,
  name: "EndpointReferenceType",
  ns: NS.wsa10,
  nillable: true,
  writeContent: (out: XmlOut, v: EndpointAddress) => writeEndpointAddressContent(out, v, "wsa10"),
  readContent: (inp: XmlIn, path: string, ctx: { itemsLeft: number }) => {
    const budget = { nodes: Math.min(ctx.itemsLeft, 256) };
    const before = budget.nodes;
    const epr = readEndpointAddressContent(inp, path, "wsa10", budget);
    ctx.itemsLeft -= before - budget.nodes;
    return epr;
  },
});
