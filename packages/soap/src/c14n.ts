import { valueToString } from "@prch/nbfs";
import type { XmlElementNode } from "./infoset.js";

/**
 * Exclusive XML Canonicalization 1.0 without comments and without an
 * InclusiveNamespaces PrefixList (http://www.w3.org/2001/10/xml-exc-c14n#),
 * the transform WS-Security signatures use, over a buffered element.
 *
 * Only visibly utilized namespaces are rendered (the element's own prefix
 * and the prefixes of its attributes), each at the outermost element that
 * uses it, sorted default-first then by prefix; attributes sort by
 * (namespace URI, local name); empty elements get an end tag; text and
 * attribute values are escaped as C14N prescribes. Typed binary values are
 * rendered in their XML text form, so a document canonicalizes to the same
 * bytes whether it arrived as text or as MC-NBFS.
 */
export function canonicalize(node: XmlElementNode): Uint8Array {
  const parts: string[] = [];
  render(node, new Map(), parts);
  return Buffer.from(parts.join(""), "utf8");
}

const XML_NS = "http://www.w3.org/XML/1998/namespace";

function escText(s: string): string {
  return s.replace(/[&<>\r]/g, (c) =>
    c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : "&#xD;",
  );
}

function escAttr(s: string): string {
  return s.replace(/[&<"\t\n\r]/g, (c) =>
    c === "&"
      ? "&amp;"
      : c === "<"
        ? "&lt;"
        : c === '"'
          ? "&quot;"
          : c === "\t"
            ? "&#x9;"
            : c === "\n"
              ? "&#xA;"
              : "&#xD;",
  );
}

function qname(prefix: string, local: string): string {
  return prefix === "" ? local : `${prefix}:${local}`;
}

function render(n: XmlElementNode, rendered: ReadonlyMap<string, string>, out: string[]): void {
  // Visibly utilized prefixes and their namespaces.
  const used = new Map<string, string>();
  used.set(n.prefix, n.namespaceUri);
  for (const a of n.attributes) {
    if (a.prefix !== "" && a.prefix !== "xml") used.set(a.prefix, a.namespaceUri);
  }
  const decls: [string, string][] = [];
  for (const [p, uri] of used) {
    const current = rendered.get(p) ?? "";
    if (current === uri) continue;
    if (p === "" && uri === "" && !rendered.has("")) continue;
    decls.push([p, uri]);
  }
  decls.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  const name = qname(n.prefix, n.localName);
  out.push(`<${name}`);
  for (const [p, uri] of decls)
    out.push(p === "" ? ` xmlns="${escAttr(uri)}"` : ` xmlns:${p}="${escAttr(uri)}"`);
  const attrs = n.attributes
    .map((a) => ({
      ns: a.prefix === "xml" ? XML_NS : a.namespaceUri,
      local: a.localName,
      text: ` ${qname(a.prefix, a.localName)}="${escAttr(valueToString(a.value))}"`,
    }))
    .sort((x, y) =>
      x.ns !== y.ns ? (x.ns < y.ns ? -1 : 1) : x.local < y.local ? -1 : x.local > y.local ? 1 : 0,
    );
  for (const a of attrs) out.push(a.text);
  out.push(">");
  let inner: Map<string, string> | undefined;
  for (const c of n.children) {
    if ("children" in c) {
      if (inner === undefined) {
        inner = new Map(rendered);
        for (const [p, uri] of decls) inner.set(p, uri);
      }
      render(c, inner, out);
    } else {
      out.push(escText(valueToString(c)));
    }
  }
  out.push(`</${name}>`);
}
