import type {
  Decimal,
  DictionaryString,
  TextXmlWriterApi,
  XmlArray,
  XmlDateTime,
  XmlName,
  XmlValue,
} from "./api.js";
import { NbfsError } from "./errors.js";
import {
  formatDateTime,
  formatDecimal,
  formatDouble,
  formatFloat,
  formatTimeSpan,
  guidFromBytes,
  isGuidString,
  toBase64,
  valueToString,
} from "./format.js";

enum State {
  Content = 0,
  StartElement = 1,
  Attribute = 2,
}

// Characters that must be escaped (MC-NBFX §2.2.3.13.1): markup, and what
// XML cannot hold literally. CR is escaped so that it survives line-end
// normalization; in attributes tab and LF too (attribute normalization).
/**
 * A character reference. MC-NBFX §2.2.3.13.1 writes them in decimal; .NET's
 * text writer (and Mono's) writes uppercase hex, "&#xD;", which we follow.
 */
function charRef(c: number): string {
  return `&#x${c.toString(16).toUpperCase()};`;
}

function needsEscape(s: string, attr: boolean): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20) {
      if (attr || (c !== 0x09 && c !== 0x0a)) return true;
    } else if (c === 0x26 || c === 0x3c || c === 0x3e || (c === 0x22 && attr) || c >= 0xfffe) {
      return true;
    }
  }
  return false;
}

/** Escapes text for element content or a double-quoted attribute. */
export function escapeXml(s: string, attr: boolean): string {
  if (!needsEscape(s, attr)) return s;
  const parts: string[] = [];
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let rep: string | undefined;
    if (c === 0x26) rep = "&amp;";
    else if (c === 0x3c) rep = "&lt;";
    else if (c === 0x3e) rep = "&gt;";
    else if (c === 0x22 && attr) rep = "&quot;";
    else if (c < 0x20) {
      if (c === 0x0d || ((c === 0x09 || c === 0x0a) && attr) || (c !== 0x09 && c !== 0x0a)) {
        rep = charRef(c);
      }
    } else if (c === 0xfffe || c === 0xffff) rep = charRef(c);
    if (rep !== undefined) {
      if (i > last) parts.push(s.slice(last, i));
      parts.push(rep);
      last = i + 1;
    }
  }
  if (last < s.length) parts.push(s.slice(last));
  return parts.join("");
}

/**
 * Writer of XML text with the same operations as the binary writer; typed
 * values are rendered as .NET renders them. Empty elements are written
 * `<a/>` and namespace declarations follow the element's other attributes,
 * as .NET's text writer does.
 */
export class TextXmlWriter implements TextXmlWriterApi {
  private parts: string[] = [];
  private state: State = State.Content;
  private readonly open: { name: string; nsMark: number }[] = [];
  private nsPrefix: string[] = [];
  private nsUri: string[] = [];
  private nsLen = 0;
  private pendingPrefix: string[] = [];
  private pendingNs: string[] = [];
  private attrParts: string[] = [];
  private attrIsXmlns = false;
  private attrXmlnsPrefix = "";
  private b64Trail: number[] = [];
  private elementPrefix = "";
  // Prefixes used in this start tag that must be bound before it closes.
  private readonly prefixChecks: string[] = [];
  private readonly defer: boolean;
  private readonly fullEnd: boolean;

  /**
   * @param options.deferNamespaceDeclarations True (default): xmlns
   *   attributes follow the element's other attributes, as .NET writes them;
   *   false: they appear where they are declared.
   * @param options.fullEndElements Write empty elements as `<a></a>` instead
   *   of `<a/>` (what .NET produces when it renders a binary document, whose
   *   reader never reports empty elements).
   */
  constructor(options: { deferNamespaceDeclarations?: boolean; fullEndElements?: boolean } = {}) {
    this.defer = options.deferNamespaceDeclarations ?? true;
    this.fullEnd = options.fullEndElements ?? false;
  }
  private finished = false;

  writeStartElement(prefix: string, localName: XmlName, ns?: XmlName): void {
    this.check();
    this.flushBase64();
    if (this.state !== State.Content) this.closeStart(false);
    const local = nameValue(localName);
    if (local === "") throw new NbfsError("invalid-name", "element local name is empty");
    const qname = prefix === "" ? local : `${prefix}:${local}`;
    this.open.push({ name: qname, nsMark: this.nsLen });
    this.elementPrefix = prefix;
    this.parts.push(`<${qname}`);
    this.state = State.StartElement;
    if (ns !== undefined) this.bindPrefix(prefix, nameValue(ns));
    if (!this.defer) this.flushDeclarations();
  }

  writeEndElement(): void {
    this.check();
    if (this.open.length === 0) throw new NbfsError("invalid-state", "no open element to end");
    this.flushBase64();
    if (this.state === State.Attribute) this.writeEndAttribute();
    const e = this.open.pop()!;
    if (this.state === State.StartElement && !this.fullEnd) {
      this.closeStart(true);
    } else {
      if (this.state === State.StartElement) this.closeStart(false);
      this.parts.push(`</${e.name}>`);
    }
    this.nsLen = e.nsMark;
  }

  writeXmlnsAttribute(prefix: string, ns: XmlName): void {
    this.check();
    if (this.state !== State.StartElement) {
      throw new NbfsError("invalid-state", "xmlns attribute outside a start element");
    }
    this.bindPrefix(prefix, nameValue(ns));
    if (!this.defer) this.flushDeclarations();
  }

  writeStartAttribute(prefix: string, localName: XmlName, ns?: XmlName): void {
    this.check();
    if (this.state === State.Attribute) this.writeEndAttribute();
    if (this.state !== State.StartElement) {
      throw new NbfsError("invalid-state", "attribute outside a start element");
    }
    const local = nameValue(localName);
    this.attrParts.length = 0;
    this.state = State.Attribute;
    if (prefix === "xmlns" || (prefix === "" && local === "xmlns")) {
      this.attrIsXmlns = true;
      this.attrXmlnsPrefix = prefix === "" ? "" : local;
      return;
    }
    if (local === "") throw new NbfsError("invalid-name", "attribute local name is empty");
    if (ns !== undefined && nameValue(ns) !== "") {
      if (prefix === "")
        throw new NbfsError("invalid-name", "an attribute in a namespace needs a prefix");
      if (prefix !== "xml") this.bindPrefix(prefix, nameValue(ns));
    } else if (prefix !== "" && prefix !== "xml" && this.lookupNamespace(prefix) === undefined) {
      // Its xmlns attribute may still follow in this start tag.
      this.prefixChecks.push(prefix);
    }
    this.attrIsXmlns = false;
    if (!this.defer) this.flushDeclarations();
    this.parts.push(prefix === "" ? ` ${local}="` : ` ${prefix}:${local}="`);
  }

  writeEndAttribute(): void {
    this.check();
    if (this.state !== State.Attribute) throw new NbfsError("invalid-state", "no open attribute");
    this.flushBase64();
    this.state = State.StartElement;
    const value = this.attrParts.join("");
    this.attrParts.length = 0;
    if (this.attrIsXmlns) {
      this.bindPrefix(this.attrXmlnsPrefix, value);
      if (!this.defer) this.flushDeclarations();
      return;
    }
    this.parts.push(escapeXml(value, true), '"');
  }

  writeAttributeString(
    prefix: string,
    localName: XmlName,
    ns: XmlName | undefined,
    value: string,
  ): void {
    this.writeStartAttribute(prefix, localName, ns);
    this.writeString(value);
    this.writeEndAttribute();
  }

  writeComment(text: string): void {
    this.check();
    if (this.state === State.Attribute)
      throw new NbfsError("invalid-state", "comment inside an attribute");
    this.flushBase64();
    if (this.state === State.StartElement) this.closeStart(false);
    if (text.includes("--") || text.endsWith("-")) {
      throw new NbfsError("invalid-value", 'a comment cannot contain "--" or end with "-"');
    }
    this.parts.push(`<!--${text}-->`);
  }

  finish(): void {
    if (this.finished) return;
    if (this.state === State.Attribute) this.writeEndAttribute();
    while (this.open.length > 0) this.writeEndElement();
    this.finished = true;
  }

  toString(): string {
    this.finish();
    const s = this.parts.join("");
    this.parts = [s];
    return s;
  }

  // ---- typed content ---------------------------------------------------

  private text(s: string, base64 = false): void {
    this.check();
    if (!base64 && s.length > 0) this.flushBase64();
    if (this.state === State.Attribute) {
      this.attrParts.push(s);
      return;
    }
    if (this.open.length === 0) {
      throw new NbfsError("invalid-state", "text outside the root element");
    }
    // Empty text writes nothing and leaves the start tag open, so the
    // element can still be written empty, as .NET's writer does.
    if (s.length === 0) return;
    if (this.state === State.StartElement) this.closeStart(false);
    this.parts.push(escapeXml(s, false));
  }

  writeString(value: string): void {
    this.text(value);
  }
  writeDictionaryText(value: DictionaryString): void {
    this.text(value.value);
  }
  writeInt32(value: number): void {
    this.text(String(value));
  }
  writeInt64(value: bigint): void {
    this.text(value.toString());
  }
  writeUInt64(value: bigint): void {
    this.text(value.toString());
  }
  writeBool(value: boolean): void {
    this.text(value ? "true" : "false");
  }
  writeFloat(value: number): void {
    this.text(formatFloat(value));
  }
  writeDouble(value: number): void {
    this.text(formatDouble(value));
  }
  writeDecimal(value: Decimal): void {
    this.text(formatDecimal(value));
  }
  writeDateTime(value: XmlDateTime): void {
    this.text(formatDateTime(value));
  }
  writeTimeSpan(ticks: bigint): void {
    this.text(formatTimeSpan(ticks));
  }
  writeGuid(value: string | Uint8Array): void {
    this.text(typeof value === "string" ? value.toLowerCase() : guidFromBytes(value));
  }
  writeUniqueId(value: string | Uint8Array): void {
    if (typeof value !== "string") {
      this.text(`urn:uuid:${guidFromBytes(value)}`);
      return;
    }
    const bare = value.startsWith("urn:uuid:") ? value.slice(9) : value;
    this.text(isGuidString(bare) ? `urn:uuid:${bare.toLowerCase()}` : value);
  }
  writeBase64(value: Uint8Array): void {
    // As XmlBaseWriter.WriteBase64: whole 3-byte groups now, the 0–2 bytes
    // left over with the next base64 or at the next node (then padded).
    let count = value.length;
    if (count === 0) return;
    let off = 0;
    const trail = this.b64Trail;
    while (trail.length > 0 && trail.length < 3 && count > 0) {
      trail.push(value[off++]!);
      count--;
    }
    const total = trail.length + count;
    const actual = total - (total % 3);
    if (actual >= 3) {
      const bytes = new Uint8Array(actual);
      bytes.set(trail, 0);
      bytes.set(value.subarray(off, off + actual - trail.length), trail.length);
      const rest = total - actual;
      this.b64Trail = Array.from(value.subarray(off + count - rest, off + count));
      this.text(toBase64(bytes), true);
    } else {
      for (let i = 0; i < count; i++) trail.push(value[off + i]!);
      this.check();
    }
  }

  private flushBase64(): void {
    if (this.b64Trail.length === 0) return;
    const bytes = Uint8Array.from(this.b64Trail);
    this.b64Trail = [];
    this.text(toBase64(bytes), true);
  }
  writeQName(prefix: string, localName: XmlName): void {
    const local = nameValue(localName);
    this.text(prefix === "" ? local : `${prefix}:${local}`);
  }
  writeList(values: readonly XmlValue[]): void {
    this.text(valueToString({ type: "list", items: values }));
  }
  writeValue(value: XmlValue): void {
    this.text(valueToString(value));
  }

  writeArray(prefix: string, localName: XmlName, ns: XmlName | undefined, array: XmlArray): void {
    const n = array.values.length;
    for (let i = 0; i < n; i++) {
      this.writeStartElement(prefix, localName, ns);
      this.writeValue(arrayItem(array, i));
      this.writeEndElement();
    }
  }

  // ---- internals -------------------------------------------------------

  private check(): void {
    if (this.finished) throw new NbfsError("invalid-state", "document already finished");
  }

  private closeStart(empty: boolean): void {
    if (this.state === State.Attribute) this.writeEndAttribute();
    if (this.elementPrefix !== "") this.prefixChecks.push(this.elementPrefix);
    for (const p of this.prefixChecks) {
      if (this.lookupNamespace(p) === undefined) {
        this.prefixChecks.length = 0;
        throw new NbfsError("undeclared-prefix", `prefix "${p}" is not declared`);
      }
    }
    this.prefixChecks.length = 0;
    this.flushDeclarations();
    this.parts.push(empty ? "/>" : ">");
    this.state = State.Content;
  }

  private flushDeclarations(): void {
    for (let i = 0; i < this.pendingPrefix.length; i++) {
      const p = this.pendingPrefix[i]!;
      this.parts.push(
        p === "" ? ' xmlns="' : ` xmlns:${p}="`,
        escapeXml(this.pendingNs[i]!, true),
        '"',
      );
    }
    this.pendingPrefix.length = 0;
    this.pendingNs.length = 0;
  }

  private lookupNamespace(prefix: string): string | undefined {
    for (let i = this.nsLen - 1; i >= 0; i--) if (this.nsPrefix[i] === prefix) return this.nsUri[i];
    if (prefix === "") return "";
    if (prefix === "xml") return "http://www.w3.org/XML/1998/namespace";
    return undefined;
  }

  private bindPrefix(prefix: string, uri: string): void {
    if (this.lookupNamespace(prefix) === uri) return;
    const mark = this.open[this.open.length - 1]?.nsMark ?? 0;
    for (let i = mark; i < this.nsLen; i++) {
      if (this.nsPrefix[i] === prefix) {
        throw new NbfsError(
          "duplicate-attribute",
          `prefix "${prefix}" is already bound in this element`,
        );
      }
    }
    if (prefix !== "" && uri === "")
      throw new NbfsError("invalid-value", `prefix "${prefix}" bound to ""`);
    this.nsPrefix[this.nsLen] = prefix;
    this.nsUri[this.nsLen] = uri;
    this.nsLen++;
    this.pendingPrefix.push(prefix);
    this.pendingNs.push(uri);
  }
}

function nameValue(n: XmlName): string {
  return typeof n === "string" ? n : n.value;
}

/** Item i of an array as a typed value. */
export function arrayItem(array: XmlArray, i: number): XmlValue {
  switch (array.type) {
    case "bool":
      return { type: "bool", value: array.values[i]! };
    case "int16":
    case "int32":
      return { type: "int32", value: array.values[i]! };
    case "int64":
      return { type: "int64", value: array.values[i]! };
    case "float":
      return { type: "float", value: array.values[i]! };
    case "double":
      return { type: "double", value: array.values[i]! };
    case "decimal":
      return { type: "decimal", value: array.values[i]! };
    case "datetime":
      return { type: "datetime", value: array.values[i]! };
    case "timespan":
      return { type: "timespan", value: array.values[i]! };
    case "guid":
      return { type: "guid", value: array.values[i]! };
  }
}
