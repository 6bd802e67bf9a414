import type { DictionaryString, XmlName, XmlReader, XmlValue, XmlWriter } from "@prch/nbfs";
import { NS } from "./constants.js";
import { sessionString } from "./dictionary.js";
import { SoapError } from "./errors.js";
import { valueToBool } from "./values.js";

/** The text of a name that may be a dictionary string. */
export function nameText(n: XmlName): string {
  return typeof n === "string" ? n : n.value;
}

const LETTERS = "abcdefghijklmnopqrstuvwxyz";
const NIL = sessionString("nil");
const XSI = sessionString(NS.xsi);

/**
 * A namespace-aware front end for an @prch/nbfs `XmlWriter`. It keeps
 * the in-scope prefix bindings so callers can write an element "in a
 * namespace" and get the prefix WCF's XmlDictionaryWriter would choose:
 * an in-scope prefix if there is one, otherwise the default namespace for
 * elements, and the first unbound letter a–z for namespace declarations
 * (which is why MC-PRCH §4.1.3 shows `xmlns:b` for System.Net and `xmlns:c`
 * for Serialization/Arrays under an envelope that binds `s` and `a`).
 */
export class XmlOut {
  readonly writer: XmlWriter;
  // In-scope bindings as parallel arrays, innermost last; `marks` holds the
  // binding count at the start of each open element (no per-element allocation).
  private readonly prefixes: string[] = ["xml"];
  private readonly uris: string[] = ["http://www.w3.org/XML/1998/namespace"];
  private readonly marks: number[] = [];

  constructor(writer: XmlWriter) {
    this.writer = writer;
  }

  /** The prefix currently bound to `ns`, if any (the default namespace counts as ""). */
  lookupPrefix(ns: string): string | undefined {
    const { prefixes, uris } = this;
    for (let i = uris.length - 1; i >= 0; i--) {
      if (uris[i] !== ns) continue;
      const p = prefixes[i]!;
      // Usable only if no inner binding shadows the prefix.
      let shadowed = false;
      for (let k = i + 1; k < prefixes.length; k++) {
        if (prefixes[k] === p) {
          shadowed = true;
          break;
        }
      }
      if (!shadowed) return p;
    }
    return undefined;
  }

  /** The namespace bound to `prefix`, if any. */
  lookupNamespace(prefix: string): string | undefined {
    const { prefixes, uris } = this;
    for (let i = prefixes.length - 1; i >= 0; i--) if (prefixes[i] === prefix) return uris[i];
    return prefix === "" ? "" : undefined;
  }

  private bind(prefix: string, ns: string): void {
    this.prefixes.push(prefix);
    this.uris.push(ns);
  }

  /**
   * Starts an element. Without `prefix`, an in-scope prefix for `ns` is
   * reused, else `ns` becomes the default namespace of the element.
   */
  startElement(localName: XmlName, ns: XmlName, prefix?: string): void {
    const nsText = nameText(ns);
    let p = prefix;
    if (p === undefined) p = this.lookupPrefix(nsText) ?? "";
    this.marks.push(this.prefixes.length);
    if (this.lookupNamespace(p) !== nsText) this.bind(p, nsText);
    this.writer.writeStartElement(p, localName, ns);
  }

  endElement(): void {
    const mark = this.marks.pop();
    if (mark === undefined) throw new SoapError("invalid-argument", "no open element to end");
    this.writer.writeEndElement();
    this.prefixes.length = mark;
    this.uris.length = mark;
  }

  /** `xmlns:prefix="ns"` on the element just started, unless that binding is in scope. */
  xmlns(prefix: string, ns: XmlName): void {
    const nsText = nameText(ns);
    if (this.lookupNamespace(prefix) === nsText) return;
    this.writer.writeXmlnsAttribute(prefix, ns);
    this.bind(prefix, nsText);
  }

  /**
   * Makes `ns` available with a prefix (DataContractSerializer's
   * WriteNamespaceDecl): nothing if it is already in scope, otherwise a
   * declaration with the first letter a–z that is not bound.
   */
  declareNamespace(ns: XmlName): string {
    const nsText = nameText(ns);
    const existing = this.lookupPrefix(nsText);
    if (existing !== undefined) return existing;
    let prefix: string | undefined;
    for (const c of LETTERS) {
      if (this.lookupNamespace(c) === undefined) {
        prefix = c;
        break;
      }
    }
    prefix ??= `d${this.marks.length}p1`;
    this.writer.writeXmlnsAttribute(prefix, ns);
    this.bind(prefix, nsText);
    return prefix;
  }

  /** Prefix to use for an attribute in `ns` ("" for no namespace); declares one if needed. */
  private attributePrefix(ns: XmlName | undefined, preferred: string): string {
    if (ns === undefined) return "";
    const nsText = nameText(ns);
    if (nsText === "") return "";
    const found = this.lookupPrefix(nsText);
    if (found !== undefined && found !== "") return found;
    if (this.lookupNamespace(preferred) === undefined) {
      this.writer.writeXmlnsAttribute(preferred, ns);
      this.bind(preferred, nsText);
      return preferred;
    }
    return this.declareNamespace(ns);
  }

  /** Writes an attribute whose value is written by `body` (typed writers). */
  attribute(
    localName: XmlName,
    ns: XmlName | undefined,
    body: (w: XmlWriter) => void,
    preferredPrefix = "p",
  ): void {
    const prefix = this.attributePrefix(ns, preferredPrefix);
    this.writer.writeStartAttribute(prefix, localName, prefix === "" ? undefined : ns);
    body(this.writer);
    this.writer.writeEndAttribute();
  }

  /**
   * `i:nil="true"`. DataContractSerializer writes the xsi prefix as "i" and
   * takes both names from its own dictionary, so they are session strings,
   * not the static 0x372/0x376 entries.
   */
  nil(): void {
    this.attribute(NIL, XSI, (w) => w.writeBool(true), "i");
  }

  /** Writes `<localName>text</localName>` in `ns`. */
  textElement(localName: XmlName, ns: XmlName, text: string | DictionaryString): void {
    this.startElement(localName, ns);
    if (typeof text === "string") this.writer.writeString(text);
    else this.writer.writeDictionaryText(text);
    this.endElement();
  }

  /** Number of open elements. */
  get depth(): number {
    return this.marks.length;
  }
}

/** A readable path for error messages while reading. */
export function childPath(path: string, localName: string): string {
  return path === "" ? localName : `${path}/${localName}`;
}

/**
 * Reader helpers over an @prch/nbfs `XmlReader`. All of them expect
 * the reader to be on a node, not before the first read().
 */
export class XmlIn {
  readonly reader: XmlReader;

  constructor(reader: XmlReader) {
    this.reader = reader;
  }

  /** Skips whitespace and comments; returns the node type reached. */
  content(): XmlReader["nodeType"] {
    return this.reader.moveToContent();
  }

  isStart(localName: string, ns: string): boolean {
    const r = this.reader;
    return r.nodeType === "element" && r.localName === localName && r.namespaceUri === ns;
  }

  /** Throws unless the reader is on the start of `localName` in `ns`. */
  expectStart(localName: string, ns: string, path: string): void {
    const r = this.reader;
    const t = this.content();
    if (t !== "element") {
      throw new SoapError("missing-element", `expected element ${localName}, found ${t}`, {
        path: childPath(path, localName),
      });
    }
    if (r.localName !== localName) {
      throw new SoapError(
        "unexpected-element",
        `expected element ${localName}, found ${r.localName}`,
        { path: childPath(path, r.localName) },
      );
    }
    if (r.namespaceUri !== ns) {
      throw new SoapError(
        "wrong-namespace",
        `element ${localName} is in namespace ${JSON.stringify(r.namespaceUri)}, expected ${JSON.stringify(ns)}`,
        { path: childPath(path, localName) },
      );
    }
  }

  /** True when the current element carries `i:nil="true"`. */
  isNil(): boolean {
    const a = this.reader.getAttribute("nil", NS.xsi);
    if (a === undefined) return false;
    return valueToBool(a.value);
  }

  /**
   * Steps into the current element. Returns false for an empty element
   * (whose end has then been consumed too), true when content follows.
   */
  enter(): boolean {
    const r = this.reader;
    const empty = r.isEmptyElement;
    r.read();
    if (empty) {
      // @prch/nbfs reports an endElement even for <x/>.
      if (r.nodeType === "endElement") r.read();
      return false;
    }
    return true;
  }

  /** Inside an element: true while there is another child element; consumes the end tag when done. */
  nextChild(path: string): boolean {
    const r = this.reader;
    for (;;) {
      const t = this.content();
      if (t === "element") return true;
      if (t === "endElement") {
        r.read();
        return false;
      }
      if (t === "text") {
        throw new SoapError("unexpected-element", "unexpected text content", { path });
      }
      throw new SoapError("malformed-envelope", `unexpected ${t}`, { path });
    }
  }

  /** On an element start: its typed value; moves past the end tag. */
  value(): XmlValue {
    return this.reader.readElementContentAsValue();
  }

  /** On an element start: its text; moves past the end tag. */
  text(): string {
    return this.reader.readElementContentAsString();
  }

  /** On an element start: skips it entirely. */
  skip(): void {
    this.reader.skip();
  }
}
