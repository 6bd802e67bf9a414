import type { XmlValue } from "@prch/nbfs";
import { SoapError } from "./errors.js";
import type { XmlIn, XmlOut } from "./xmlio.js";

/** An attribute of a buffered element (namespace declarations are not kept). */
export interface XmlAttributeNode {
  readonly prefix: string;
  readonly localName: string;
  readonly namespaceUri: string;
  readonly value: XmlValue;
}

/**
 * A buffered XML element: how unknown headers, fault details and endpoint
 * reference parameters are kept so they can be inspected and written again.
 */
export interface XmlElementNode {
  readonly prefix: string;
  readonly localName: string;
  readonly namespaceUri: string;
  readonly attributes: readonly XmlAttributeNode[];
  readonly children: readonly (XmlElementNode | XmlValue)[];
}

/** Limits for buffering: every element and text node counts against `nodes`. */
export interface BufferBudget {
  nodes: number;
}

/** Reads the element the reader is on (and everything under it) into memory. */
export function readElementNode(inp: XmlIn, budget: BufferBudget): XmlElementNode {
  const r = inp.reader;
  if (--budget.nodes < 0) {
    throw new SoapError("quota-exceeded", "too many XML nodes to buffer");
  }
  const prefix = r.prefix;
  const localName = r.localName;
  const namespaceUri = r.namespaceUri;
  const attributes: XmlAttributeNode[] = [];
  for (const a of r.attributes) {
    if (a.isXmlns) continue;
    attributes.push({
      prefix: a.prefix,
      localName: a.localName,
      namespaceUri: a.namespaceUri,
      value: a.value,
    });
  }
  const children: (XmlElementNode | XmlValue)[] = [];
  const empty = r.isEmptyElement;
  r.read();
  if (!empty) {
    for (;;) {
      const t = r.nodeType;
      if (t === "endElement") break;
      if (t === "element") {
        children.push(readElementNode(inp, budget));
        continue;
      }
      if (t === "text") {
        if (--budget.nodes < 0)
          throw new SoapError("quota-exceeded", "too many XML nodes to buffer");
        children.push(r.value);
      } else if (t === "eof" || t === "none") {
        throw new SoapError("malformed-envelope", `unterminated element ${localName}`);
      }
      r.read();
    }
  }
  // On the end tag (nbfs reports one for empty elements too).
  if (r.nodeType === "endElement") r.read();
  return { prefix, localName, namespaceUri, attributes, children };
}

/** Writes a buffered element, keeping its prefixes where they are free. */
export function writeElementNode(out: XmlOut, node: XmlElementNode): void {
  const bound = out.lookupNamespace(node.prefix);
  out.startElement(
    node.localName,
    node.namespaceUri,
    bound === undefined || bound === node.namespaceUri ? node.prefix : undefined,
  );
  for (const a of node.attributes) {
    out.attribute(
      a.localName,
      a.namespaceUri === "" ? undefined : a.namespaceUri,
      (w) => w.writeValue(a.value),
      a.prefix === "" ? "p" : a.prefix,
    );
  }
  for (const c of node.children) {
    if ("children" in c) writeElementNode(out, c);
    else out.writer.writeValue(c);
  }
  out.endElement();
}

/** Convenience constructor for a buffered element with text content. */
export function textNode(
  localName: string,
  namespaceUri: string,
  text: string,
  prefix = "",
): XmlElementNode {
  return {
    prefix,
    localName,
    namespaceUri,
    attributes: [],
    children: [{ type: "string", value: text }],
  };
}
