import type {
  BinaryReaderOptions,
  DateTimeKind,
  DictionaryString,
  StringDictionary,
  XmlAttribute,
  XmlNodeType,
  XmlReader,
  XmlValue,
} from "./api.js";
import { NBFS_DICTIONARY, StaticDictionary } from "./dictionary.js";
import { NbfsError, NbfsQuotaError } from "./errors.js";
import { guidFromBytes, MAX_DATETIME_TICKS, valueToString } from "./format.js";
import { readMultiByteInt31 } from "./multibyte.js";
import { type ReaderQuotas, resolveQuotas } from "./quotas.js";
import type { SessionDictionary } from "./session.js";
import { readStringTable } from "./stringtable.js";
import { asciiString, internSlot, markNCName, slotIsNCName, slotValue } from "./intern.js";
import { decodeUtf8, decodeUtf16, isNCName } from "./text-decode.js";

export const XMLNS_NAMESPACE = "http://www.w3.org/2000/xmlns/";
export const XML_NAMESPACE = "http://www.w3.org/XML/1998/namespace";

const LETTERS = "abcdefghijklmnopqrstuvwxyz";
const EMPTY_ATTRS: readonly XmlAttribute[] = Object.freeze([]);
const EMPTY_STRING: XmlValue = Object.freeze({ type: "string", value: "" });
const ZERO: XmlValue = Object.freeze({ type: "int32", value: 0 });
const ONE: XmlValue = Object.freeze({ type: "int32", value: 1 });
const FALSE: XmlValue = Object.freeze({ type: "bool", value: false });
const TRUE: XmlValue = Object.freeze({ type: "bool", value: true });
const KINDS: readonly DateTimeKind[] = ["unspecified", "utc", "local"];
const TWO_POW_62 = 1n << 62n;

/** Element width in bytes of each record type an Array may carry (MC-NBFX §2.3.3). */
const ARRAY_ITEM_SIZE: Record<number, number> = {
  181: 1,
  139: 2,
  141: 4,
  143: 8,
  145: 4,
  147: 8,
  149: 16,
  151: 8,
  175: 8,
  177: 16,
};

/** A parsed element start, kept so Array records can replay it per item. */
interface ElementStart {
  prefix: string;
  localName: string;
  localNameDictionary: DictionaryString | undefined;
  namespaceUri: string;
  attributes: readonly XmlAttribute[];
}

/**
 * Pull reader over a .NET Binary XML document (MC-NBFX, with the MC-NBFS
 * static dictionary and optional MC-NBFSE session strings). Every defect in
 * the input surfaces as {@link NbfsError} carrying the byte offset.
 *
 * The reader views `bytes` without copying and builds text values on first
 * access, so leave the bytes unchanged while reading. Base64 values are
 * copies.
 *
 * @example
 * ```ts
 * const r = new BinaryXmlReader(bytes);
 * while (r.read()) if (r.nodeType === "element") console.log(r.localName);
 * ```
 */
export class BinaryXmlReader implements XmlReader {
  nodeType: XmlNodeType = "none";
  depth = 0;
  prefix = "";
  localName = "";
  namespaceUri = "";
  localNameDictionary: DictionaryString | undefined = undefined;
  attributes: readonly XmlAttribute[] = EMPTY_ATTRS;
  isEmptyElement = false;
  // The current text value, or undefined while it is still only located
  // (lazyKind/lazyStart/lazyLen) and not yet built: most consumers look at
  // a fraction of the values, and building strings and BigInts dominates.
  private cached: XmlValue | undefined = EMPTY_STRING;
  private lazyKind = 0;
  private lazyStart = 0;
  private lazyLen = 0;
  offset = 0;
  /** True while the current node was expanded from an Array record (MC-NBFX §2.3.3). */
  fromArray = false;

  private readonly buf: Uint8Array;
  private readonly dv: DataView;
  private pos: number;
  private readonly end: number;
  private readonly dict: StringDictionary | null;
  private readonly staticDict: StaticDictionary | undefined;
  private readonly session: SessionDictionary | undefined;
  private readonly q: ReaderQuotas;

  // Open elements.
  private stack: ElementStart[] = [];
  private stackNs: number[] = [];
  // In-scope namespace declarations (parallel arrays, innermost last).
  private nsPrefix: string[] = [];
  private nsUri: string[] = [];
  private nsLen = 0;
  // Set after a *WithEndElement text record: the next read() reports the end.
  private pendingEnd = false;
  private rootSeen = false;
  private skipping = false;
  // Array record replay.
  private arrayLeft = 0;
  private arrayPhase = 0;
  private arrayType = 0;
  private arrayElement: ElementStart | undefined = undefined;

  constructor(bytes: Uint8Array, options: BinaryReaderOptions = {}) {
    this.q = resolveQuotas(options.quotas);
    if (bytes.length > this.q.maxDocumentSize) {
      throw new NbfsQuotaError("maxDocumentSize", this.q.maxDocumentSize, 0);
    }
    this.buf = bytes;
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.end = bytes.length;
    this.dict = options.dictionary === undefined ? NBFS_DICTIONARY : options.dictionary;
    this.staticDict = this.dict instanceof StaticDictionary ? this.dict : undefined;
    this.session = options.session;
    this.pos = 0;
    if (this.session !== undefined) {
      this.pos = readStringTable(bytes, 0, this.session, this.q);
    }
  }

  /** Byte offset of the next unread record. */
  get position(): number {
    return this.pos;
  }

  read(): boolean {
    this.fromArray = false;
    if (this.pendingEnd) {
      this.pendingEnd = false;
      this.emitEnd();
      return true;
    }
    if (this.arrayLeft > 0) return this.readArrayItem();
    const buf = this.buf;
    if (this.nodeType === "endElement") this.depth = this.stack.length;
    if (this.pos >= this.end) {
      if (this.stack.length > 0) {
        throw new NbfsError("unbalanced", "document ends inside an element", this.pos);
      }
      this.setNode("eof");
      this.offset = this.pos;
      return false;
    }
    const start = this.pos;
    this.offset = start;
    const t = buf[this.pos++]!;
    if (t >= 0x40 && t <= 0x77) {
      this.startElement(t, start);
      return true;
    }
    if (t >= 0x80 && t <= 0xbd) {
      if (this.stack.length === 0) {
        throw new NbfsError("unexpected-record", "text outside the root element", start);
      }
      if (t === 0xa6 || t === 0xa5 || t === 0xa7) {
        throw new NbfsError("unexpected-record", "EndListText without StartListText", start);
      }
      this.setNode("text");
      this.depth = this.stack.length;
      this.scanText(t & 0xfe, start);
      if ((t & 1) === 1) this.pendingEnd = true;
      return true;
    }
    switch (t) {
      case 0x01:
        if (this.stack.length === 0) {
          throw new NbfsError("unbalanced", "EndElement without an open element", start);
        }
        this.emitEnd();
        return true;
      case 0x02: {
        const text = this.readString();
        this.setNode("comment");
        this.depth = this.stack.length;
        this.cached = { type: "string", value: text };
        return true;
      }
      case 0x03:
        this.startArray(start);
        this.readArrayItem();
        // The first item reports the Array record itself.
        this.offset = start;
        return true;
      default:
        if (t >= 0x04 && t <= 0x3f) {
          throw new NbfsError("unexpected-record", "attribute record after element content", start);
        }
        throw new NbfsError(
          "unknown-record",
          `unknown record type 0x${t.toString(16).padStart(2, "0")}`,
          start,
        );
    }
  }

  /** Typed value of the current text node (for a comment, its text). */
  get value(): XmlValue {
    return this.cached ?? this.materialize();
  }

  getAttribute(localName: string, namespaceUri = ""): XmlAttribute | undefined {
    for (const a of this.attributes) {
      if (!a.isXmlns && a.localName === localName && a.namespaceUri === namespaceUri) return a;
    }
    return undefined;
  }

  /** The namespace bound to `prefix` at the current position, or undefined. */
  lookupNamespace(prefix: string): string | undefined {
    for (let i = this.nsLen - 1; i >= 0; i--) {
      if (this.nsPrefix[i] === prefix) return this.nsUri[i];
    }
    if (prefix === "") return "";
    if (prefix === "xml") return XML_NAMESPACE;
    if (prefix === "xmlns") return XMLNS_NAMESPACE;
    return undefined;
  }

  skip(): void {
    if (this.nodeType !== "element") {
      this.read();
      return;
    }
    const target = this.stack.length;
    // Strings inside the skipped subtree are bounds-checked but not decoded.
    this.skipping = true;
    try {
      while (this.read()) {
        if (this.cur() === "endElement" && this.depth === target) break;
      }
    } finally {
      this.skipping = false;
    }
    this.read();
  }

  moveToContent(): XmlNodeType {
    if (this.nodeType === "none") this.read();
    for (;;) {
      if (this.nodeType === "comment") {
        this.read();
        continue;
      }
      if (this.nodeType === "text" && isWhitespaceValue(this.value)) {
        this.read();
        continue;
      }
      return this.nodeType;
    }
  }

  readElementContentAsString(): string {
    return valueToString(this.readElementContentAsValue());
  }

  readElementContentAsValue(): XmlValue {
    if (this.nodeType !== "element") {
      throw new NbfsError("invalid-state", "not positioned on an element", this.offset);
    }
    const target = this.stack.length;
    let first: XmlValue | undefined;
    let parts: string[] | undefined;
    while (this.read()) {
      const nt = this.cur();
      if (nt === "text") {
        if (first === undefined) first = this.value;
        else {
          parts ??= [valueToString(first)];
          parts.push(valueToString(this.value));
        }
      } else if (nt === "endElement" && this.depth === target) {
        this.read();
        if (parts !== undefined) return { type: "string", value: parts.join("") };
        return first ?? EMPTY_STRING;
      } else if (nt === "element") {
        throw new NbfsError("invalid-state", "element content is not simple text", this.offset);
      }
    }
    throw new NbfsError("unbalanced", "document ends inside an element", this.pos);
  }

  // A method call keeps TypeScript from narrowing nodeType across read().
  private cur(): XmlNodeType {
    return this.nodeType;
  }

  // ---- nodes -----------------------------------------------------------

  private setNode(type: XmlNodeType): void {
    this.nodeType = type;
    this.prefix = "";
    this.localName = "";
    this.namespaceUri = "";
    this.localNameDictionary = undefined;
    this.attributes = EMPTY_ATTRS;
    this.isEmptyElement = false;
    this.cached = EMPTY_STRING;
  }

  private emitEnd(): void {
    const e = this.stack.pop()!;
    this.nsLen = this.stackNs.pop()!;
    this.nodeType = "endElement";
    this.depth = this.stack.length + 1;
    this.prefix = e.prefix;
    this.localName = e.localName;
    this.namespaceUri = e.namespaceUri;
    this.localNameDictionary = e.localNameDictionary;
    this.attributes = EMPTY_ATTRS;
    this.isEmptyElement = false;
    this.cached = EMPTY_STRING;
  }

  private emitStart(e: ElementStart, nsMark: number): void {
    if (this.stack.length >= this.q.maxDepth) {
      throw new NbfsQuotaError("maxDepth", this.q.maxDepth, this.offset);
    }
    this.stack.push(e);
    this.stackNs.push(nsMark);
    this.nodeType = "element";
    this.depth = this.stack.length;
    this.prefix = e.prefix;
    this.localName = e.localName;
    this.namespaceUri = e.namespaceUri;
    this.localNameDictionary = e.localNameDictionary;
    this.attributes = e.attributes;
    this.cached = EMPTY_STRING;
  }

  private startElement(t: number, start: number): void {
    if (this.stack.length === 0) {
      if (this.rootSeen) {
        throw new NbfsError("unexpected-record", "second root element", start);
      }
      this.rootSeen = true;
    }
    const nsMark = this.nsLen;
    const e = this.readElementStart(t, start);
    this.emitStart(e, nsMark);
    this.isEmptyElement = this.pos < this.end && this.buf[this.pos] === 0x01;
  }

  /** Scratch output of {@link readNameParts}, kept in fields so the hot path allocates nothing. */
  private namePrefix = "";
  private nameLocal = "";
  private nameDictionary: DictionaryString | undefined;

  /**
   * Reads the name part element and attribute records share. `form`: bit 0 =
   * a prefix string follows, bit 1 = the local name is a DictionaryString;
   * `letter` is the prefix the a–z record forms imply instead.
   */
  private readNameParts(form: number, letter: string | undefined): void {
    this.namePrefix = letter ?? ((form & 1) !== 0 ? this.readName() : "");
    if ((form & 2) !== 0) {
      const d = this.readDictionaryString();
      this.nameDictionary = d;
      this.nameLocal = d.value;
    } else {
      this.nameDictionary = undefined;
      this.nameLocal = this.readName();
    }
  }

  /** Parses an element record (type byte already consumed) and its attributes; declares its namespaces. */
  private readElementStart(t: number, start: number): ElementStart {
    // This element's xmlns declarations are appended from here on.
    const nsMark = this.nsLen;
    // MC-NBFX §2.2.1: 0x40–0x43 short/prefixed (dictionary) forms, 0x44–0x5D dictionary a–z, 0x5E–0x77 a–z.
    if (t <= 0x43) this.readNameParts(t - 0x40, undefined);
    else if (t <= 0x5d) this.readNameParts(2, LETTERS[t - 0x44]);
    else this.readNameParts(0, LETTERS[t - 0x5e]);
    const prefix = this.namePrefix;
    const localName = this.nameLocal;
    const localNameDictionary = this.nameDictionary;
    this.checkName(prefix, localName, localNameDictionary !== undefined, start);
    const attributes = this.readAttributes(start, nsMark);
    if (this.pos - start > this.q.maxBytesPerRead) {
      throw new NbfsQuotaError("maxBytesPerRead", this.q.maxBytesPerRead, start);
    }
    const namespaceUri = this.lookupNamespace(prefix);
    if (namespaceUri === undefined) {
      throw new NbfsError("undeclared-prefix", `undeclared prefix "${prefix}"`, start);
    }
    return { prefix, localName, localNameDictionary, namespaceUri, attributes };
  }

  /** Names read as strings were checked by readName; dictionary names are checked here. */
  private checkName(prefix: string, localName: string, fromDictionary: boolean, at: number): void {
    if (fromDictionary && !isNCName(localName)) {
      throw new NbfsError("invalid-name", `invalid name "${localName}"`, at);
    }
    if (prefix.length + localName.length > this.q.maxNameTableCharCount) {
      throw new NbfsQuotaError("maxNameTableCharCount", this.q.maxNameTableCharCount, at);
    }
  }

  private readAttributes(elementStart: number, nsMark: number): readonly XmlAttribute[] {
    const buf = this.buf;
    if (this.pos >= this.end) return EMPTY_ATTRS;
    let t = buf[this.pos]!;
    if (t < 0x04 || t > 0x3f) return EMPTY_ATTRS;
    const attrs: XmlAttribute[] = [];
    // Attributes with a prefix are resolved once all xmlns records of the
    // element are known: a declaration may follow its use.
    let unresolved = false;
    while (t >= 0x04 && t <= 0x3f) {
      const at = this.pos++;
      if (attrs.length >= this.q.maxAttributes) {
        throw new NbfsQuotaError("maxAttributes", this.q.maxAttributes, at);
      }
      let a: XmlAttribute;
      if (t >= 0x08 && t <= 0x0b) {
        const prefix = t === 0x08 || t === 0x0a ? "" : this.readName();
        let value: XmlValue;
        let ns: string;
        if (t <= 0x09) {
          ns = this.readString();
          value = { type: "string", value: ns };
        } else {
          const d = this.readDictionaryString();
          ns = d.value;
          value = { type: "dictionary", value: d };
        }
        if (prefix !== "" && ns === "") {
          throw new NbfsError("invalid-value", `prefix "${prefix}" bound to empty namespace`, at);
        }
        if (prefix === "xmlns" || (prefix === "xml" && ns !== XML_NAMESPACE)) {
          throw new NbfsError("invalid-value", `prefix "${prefix}" cannot be declared`, at);
        }
        for (let i = nsMark; i < this.nsLen; i++) {
          if (this.nsPrefix[i] === prefix) {
            throw new NbfsError("duplicate-attribute", `prefix "${prefix}" declared twice`, at);
          }
        }
        this.nsPrefix[this.nsLen] = prefix;
        this.nsUri[this.nsLen] = ns;
        this.nsLen++;
        a =
          prefix === ""
            ? {
                prefix: "",
                localName: "xmlns",
                namespaceUri: XMLNS_NAMESPACE,
                value,
                isXmlns: true,
              }
            : {
                prefix: "xmlns",
                localName: prefix,
                namespaceUri: XMLNS_NAMESPACE,
                value,
                isXmlns: true,
              };
      } else {
        // MC-NBFX §2.2.2: the same four forms at 0x04–0x07, dictionary a–z 0x0C–0x25, a–z 0x26–0x3F.
        if (t <= 0x07) this.readNameParts(t - 0x04, undefined);
        else if (t <= 0x25) this.readNameParts(2, LETTERS[t - 0x0c]);
        else this.readNameParts(0, LETTERS[t - 0x26]);
        const prefix = this.namePrefix;
        const localName = this.nameLocal;
        const localNameDictionary = this.nameDictionary;
        this.checkName(prefix, localName, localNameDictionary !== undefined, at);
        const value = this.readAttributeValue();
        if (prefix !== "") unresolved = true;
        a = { prefix, localName, namespaceUri: "", value, isXmlns: false, localNameDictionary };
      }
      attrs.push(a);
      if (this.pos >= this.end) break;
      t = buf[this.pos]!;
    }
    if (unresolved) {
      for (let i = 0; i < attrs.length; i++) {
        const a = attrs[i]!;
        if (a.isXmlns || a.prefix === "") continue;
        const ns = this.lookupNamespace(a.prefix);
        if (ns === undefined) {
          throw new NbfsError("undeclared-prefix", `undeclared prefix "${a.prefix}"`, elementStart);
        }
        attrs[i] = { ...a, namespaceUri: ns };
      }
    }
    // Duplicate detection: (namespace, local name) must be unique.
    for (let i = 1; i < attrs.length; i++) {
      const a = attrs[i]!;
      if (a.isXmlns) continue;
      for (let j = 0; j < i; j++) {
        const b = attrs[j]!;
        if (!b.isXmlns && b.localName === a.localName && b.namespaceUri === a.namespaceUri) {
          throw new NbfsError(
            "duplicate-attribute",
            `duplicate attribute "${a.localName}"`,
            elementStart,
          );
        }
      }
    }
    return attrs;
  }

  private readAttributeValue(): XmlValue {
    if (this.pos >= this.end) {
      throw new NbfsError("truncated", "attribute value missing", this.pos);
    }
    const at = this.pos;
    const t = this.buf[this.pos++]!;
    if (t < 0x80 || t > 0xbd) {
      throw new NbfsError("unexpected-record", "attribute value must be a text record", at);
    }
    if ((t & 1) === 1) {
      throw new NbfsError("unexpected-record", "*WithEndElement record inside an attribute", at);
    }
    if (t === 0xa6) {
      throw new NbfsError("unexpected-record", "EndListText without StartListText", at);
    }
    return this.readValue(t, at);
  }

  // ---- arrays ----------------------------------------------------------

  private startArray(start: number): void {
    if (this.stack.length === 0) {
      if (this.rootSeen) throw new NbfsError("unexpected-record", "second root element", start);
      this.rootSeen = true;
    }
    if (this.pos >= this.end)
      throw new NbfsError("truncated", "Array record is truncated", this.pos);
    const et = this.buf[this.pos]!;
    if (et < 0x40 || et > 0x77) {
      throw new NbfsError("unexpected-record", "Array must start with an element record", this.pos);
    }
    this.pos++;
    // The element's own xmlns declarations scope over each item only; we
    // resolve names now and drop the declarations right after.
    const nsMark = this.nsLen;
    const e = this.readElementStart(et, start);
    this.nsLen = nsMark;
    if (this.pos >= this.end)
      throw new NbfsError("truncated", "Array record is truncated", this.pos);
    if (this.buf[this.pos] !== 0x01) {
      throw new NbfsError(
        "unexpected-record",
        "Array element must be followed by EndElement",
        this.pos,
      );
    }
    this.pos++;
    if (this.pos >= this.end)
      throw new NbfsError("truncated", "Array record is truncated", this.pos);
    const rt = this.buf[this.pos]!;
    const size = ARRAY_ITEM_SIZE[rt];
    if (size === undefined) {
      throw new NbfsError(
        "unexpected-record",
        `record type 0x${rt.toString(16)} is not allowed in an Array`,
        this.pos,
      );
    }
    this.pos++;
    const countAt = this.pos;
    const count = readMultiByteInt31(this.buf, this.pos, this.end);
    this.pos += mbLen(count);
    if (count === 0) throw new NbfsError("invalid-value", "Array length must not be zero", countAt);
    if (count > this.q.maxArrayLength) {
      throw new NbfsQuotaError("maxArrayLength", this.q.maxArrayLength, countAt);
    }
    if (count * size > this.end - this.pos) {
      throw new NbfsError("truncated", "Array data is truncated", this.pos);
    }
    this.arrayElement = e;
    this.arrayLeft = count;
    this.arrayType = rt & 0xfe;
    this.arrayPhase = 0;
  }

  private readArrayItem(): boolean {
    const e = this.arrayElement!;
    this.fromArray = true;
    if (this.arrayPhase === 0) {
      if (this.nodeType === "endElement") this.depth = this.stack.length;
      this.offset = this.pos;
      this.emitStart(e, this.nsLen);
      this.isEmptyElement = false;
      this.arrayPhase = 1;
    } else if (this.arrayPhase === 1) {
      this.offset = this.pos;
      this.setNode("text");
      this.depth = this.stack.length;
      this.scanText(this.arrayType, this.pos);
      this.arrayPhase = 2;
    } else {
      this.offset = this.pos;
      this.emitEnd();
      this.arrayPhase = 0;
      this.arrayLeft--;
      if (this.arrayLeft === 0) this.arrayElement = undefined;
    }
    return true;
  }

  // ---- primitive fields ------------------------------------------------

  private need(n: number): void {
    if (this.end - this.pos < n) {
      throw new NbfsError("truncated", `record needs ${n} more bytes`, this.pos);
    }
  }

  private readString(): string {
    const at = this.pos;
    const len = readMultiByteInt31(this.buf, at, this.end);
    this.pos += mbLen(len);
    if (len > this.end - this.pos) {
      throw new NbfsError("truncated", `string of ${len} bytes is truncated`, at);
    }
    const slot = internSlot(this.buf, this.pos, this.pos + len);
    if (slot >= 0) {
      this.pos += len;
      return slotValue(slot);
    }
    return this.readUtf8(len, at);
  }

  /**
   * A String structure that must be a non-empty NCName (element and
   * attribute names, prefixes); validity is cached with the interned string.
   */
  private readName(): string {
    const at = this.pos;
    let len: number;
    const b0 = at < this.end ? this.buf[at]! : 0x80;
    if (b0 < 0x80) {
      len = b0;
      this.pos = at + 1;
    } else {
      len = readMultiByteInt31(this.buf, at, this.end);
      this.pos += mbLen(len);
    }
    if (len > this.end - this.pos) {
      throw new NbfsError("truncated", `string of ${len} bytes is truncated`, at);
    }
    if (len > this.q.maxNameTableCharCount) {
      throw new NbfsQuotaError("maxNameTableCharCount", this.q.maxNameTableCharCount, at);
    }
    const slot = internSlot(this.buf, this.pos, this.pos + len);
    let s: string;
    if (slot >= 0) {
      this.pos += len;
      s = slotValue(slot);
      if (slotIsNCName(slot)) return s;
      if (!isNCName(s)) throw new NbfsError("invalid-name", `invalid name "${s}"`, at);
      markNCName(slot);
      return s;
    }
    s = this.readUtf8(len, at);
    if (!isNCName(s)) throw new NbfsError("invalid-name", `invalid name "${s}"`, at);
    return s;
  }

  /** Chars*Text payload: not decoded while skipping a subtree. */
  private readTextUtf8(len: number, at: number): string {
    if (len > this.end - this.pos) {
      throw new NbfsError("truncated", `string of ${len} bytes is truncated`, at);
    }
    if (this.skipping) {
      this.pos += len;
      return "";
    }
    if (len <= 64 && len <= this.q.maxStringContentLength) {
      const buf = this.buf;
      const start = this.pos;
      const end = start + len;
      let i = start;
      while (i < end && buf[i]! < 0x80) i++;
      if (i === end) {
        this.pos = end;
        return asciiString(buf, start, end);
      }
    }
    return this.readUtf8(len, at);
  }

  private readUtf8(len: number, at: number): string {
    if (len > this.end - this.pos) {
      throw new NbfsError("truncated", `string of ${len} bytes is truncated`, at);
    }
    const start = this.pos;
    this.pos += len;
    const s = decodeUtf8(this.buf, start, start + len);
    if (len > this.q.maxStringContentLength && s.length > this.q.maxStringContentLength) {
      throw new NbfsQuotaError("maxStringContentLength", this.q.maxStringContentLength, at);
    }
    return s;
  }

  private readUtf16(len: number, at: number): string {
    if (len > this.end - this.pos) {
      throw new NbfsError("truncated", `string of ${len} bytes is truncated`, at);
    }
    const start = this.pos;
    this.pos += len;
    if (len / 2 > this.q.maxStringContentLength) {
      throw new NbfsQuotaError("maxStringContentLength", this.q.maxStringContentLength, at);
    }
    return decodeUtf16(this.buf, start, start + len);
  }

  private readDictionaryString(): DictionaryString {
    const at = this.pos;
    const id = readMultiByteInt31(this.buf, at, this.end);
    this.pos += mbLen(id);
    if ((id & 1) === 1 && this.session !== undefined) {
      // MC-NBFSE §2.2: odd ids name session strings.
      const e = this.session.entry(id);
      if (e !== undefined) return e;
    } else if (this.staticDict !== undefined) {
      const e = this.staticDict.entry(id);
      if (e !== undefined) return e;
    } else if (this.dict !== null) {
      const s = this.dict.get(id);
      if (s !== undefined) return { id, value: s };
    }
    throw new NbfsError("unknown-dictionary-string", `dictionary string ${id} is not defined`, at);
  }

  /**
   * Reads the 1-, 2- or 4-byte length prefix of a Chars/Bytes text record
   * (the 4-byte form is signed, so negative is refused) and moves past it.
   */
  private textLength(size: 1 | 2 | 4, record: string): number {
    this.need(size);
    const len =
      size === 1
        ? this.buf[this.pos]!
        : size === 2
          ? this.dv.getUint16(this.pos, true)
          : this.dv.getInt32(this.pos, true);
    if (len < 0) throw new NbfsError("invalid-value", `negative ${record} length`, this.pos);
    this.pos += size;
    return len;
  }

  private readBytes(len: number, at: number): Uint8Array {
    if (len > this.q.maxArrayLength) {
      throw new NbfsQuotaError("maxArrayLength", this.q.maxArrayLength, at);
    }
    if (len > this.end - this.pos) {
      throw new NbfsError("truncated", `${len} bytes of data are truncated`, at);
    }
    const out = new Uint8Array(len);
    out.set(this.buf.subarray(this.pos, this.pos + len));
    this.pos += len;
    return out;
  }

  /** Reads the payload of text record `t` (even form; its type byte is consumed). */
  private readValue(t: number, at: number): XmlValue {
    const dv = this.dv;
    switch (t) {
      case 0x80:
        return ZERO;
      case 0x82:
        return ONE;
      case 0x84:
        return FALSE;
      case 0x86:
        return TRUE;
      case 0x88: {
        this.need(1);
        return { type: "int32", value: dv.getInt8(this.pos++) };
      }
      case 0x8a: {
        this.need(2);
        const v = dv.getInt16(this.pos, true);
        this.pos += 2;
        return { type: "int32", value: v };
      }
      case 0x8c: {
        this.need(4);
        const v = dv.getInt32(this.pos, true);
        this.pos += 4;
        return { type: "int32", value: v };
      }
      case 0x8e: {
        this.need(8);
        const v = dv.getBigInt64(this.pos, true);
        this.pos += 8;
        return { type: "int64", value: v };
      }
      case 0x90: {
        this.need(4);
        const v = dv.getFloat32(this.pos, true);
        this.pos += 4;
        return { type: "float", value: v };
      }
      case 0x92: {
        this.need(8);
        const v = dv.getFloat64(this.pos, true);
        this.pos += 8;
        return { type: "double", value: v };
      }
      case 0x94:
        return this.readDecimal();
      case 0x96: {
        this.need(8);
        const raw = dv.getBigUint64(this.pos, true);
        const kind = Number(raw >> 62n);
        const ticks = raw & (TWO_POW_62 - 1n);
        // MC-NBFX §2.2.3.12: TZ is 0, 1 or 2. A local value holds UTC ticks
        // (DateTime.ToBinary), which may have wrapped below zero.
        if (kind > 2 || (kind !== 2 && ticks > MAX_DATETIME_TICKS)) {
          throw new NbfsError("invalid-value", "DateTime out of range", this.pos);
        }
        this.pos += 8;
        return { type: "datetime", value: { ticks, kind: KINDS[kind]! } };
      }
      case 0x98: {
        this.need(1);
        const len = this.buf[this.pos++]!;
        return { type: "string", value: this.readTextUtf8(len, at) };
      }
      case 0x9a: {
        this.need(2);
        const len = dv.getUint16(this.pos, true);
        this.pos += 2;
        return { type: "string", value: this.readTextUtf8(len, at) };
      }
      case 0x9c: {
        this.need(4);
        const len = dv.getInt32(this.pos, true);
        if (len < 0) throw new NbfsError("invalid-value", "negative Chars32Text length", this.pos);
        this.pos += 4;
        return { type: "string", value: this.readTextUtf8(len, at) };
      }
      case 0x9e: {
        this.need(1);
        const len = this.buf[this.pos++]!;
        return { type: "base64", value: this.readBytes(len, at) };
      }
      case 0xa0: {
        this.need(2);
        const len = dv.getUint16(this.pos, true);
        this.pos += 2;
        return { type: "base64", value: this.readBytes(len, at) };
      }
      case 0xa2: {
        this.need(4);
        const len = dv.getInt32(this.pos, true);
        if (len < 0) throw new NbfsError("invalid-value", "negative Bytes32Text length", this.pos);
        this.pos += 4;
        return { type: "base64", value: this.readBytes(len, at) };
      }
      case 0xa4:
        return this.readList(at);
      case 0xa8:
        return EMPTY_STRING;
      case 0xaa:
        return { type: "dictionary", value: this.readDictionaryString() };
      case 0xac: {
        this.need(16);
        const g = guidFromBytes(this.buf, this.pos);
        this.pos += 16;
        return { type: "uniqueid", value: g };
      }
      case 0xae: {
        this.need(8);
        const v = dv.getBigInt64(this.pos, true);
        this.pos += 8;
        return { type: "timespan", value: v };
      }
      case 0xb0: {
        this.need(16);
        const g = guidFromBytes(this.buf, this.pos);
        this.pos += 16;
        return { type: "guid", value: g };
      }
      case 0xb2: {
        this.need(8);
        const v = dv.getBigUint64(this.pos, true);
        this.pos += 8;
        return { type: "uint64", value: v };
      }
      case 0xb4: {
        this.need(1);
        const b = this.buf[this.pos]!;
        if (b > 1) throw new NbfsError("invalid-value", "BoolText value must be 0 or 1", this.pos);
        this.pos++;
        return b === 1 ? TRUE : FALSE;
      }
      case 0xb6: {
        this.need(1);
        const len = this.buf[this.pos++]!;
        return { type: "string", value: this.readUtf16(len, at) };
      }
      case 0xb8: {
        this.need(2);
        const len = dv.getUint16(this.pos, true);
        this.pos += 2;
        return { type: "string", value: this.readUtf16(len, at) };
      }
      case 0xba: {
        // MC-NBFX §2.2.3.29 says MultiByteInt31, but §3 and .NET use a
        // 4-byte Int32 like Chars32Text; we follow .NET.
        this.need(4);
        const len = dv.getInt32(this.pos, true);
        if (len < 0)
          throw new NbfsError("invalid-value", "negative UnicodeChars32Text length", this.pos);
        this.pos += 4;
        return { type: "string", value: this.readUtf16(len, at) };
      }
      case 0xbc: {
        this.need(1);
        const p = this.buf[this.pos]!;
        if (p > 25) throw new NbfsError("invalid-value", "QName prefix must be 0–25", this.pos);
        this.pos++;
        return { type: "qname", prefix: LETTERS[p]!, localName: this.readDictionaryString() };
      }
      default:
        throw new NbfsError("unknown-record", `unknown text record 0x${t.toString(16)}`, at);
    }
  }

  /**
   * Validates the text record `t` (even form, type byte consumed) and moves
   * past it, building its value only when that is cheap or needed for
   * validation; otherwise `value` builds it on first access.
   */
  private scanText(t: number, at: number): void {
    const buf = this.buf;
    let size: number;
    switch (t) {
      case 0x80:
        this.cached = ZERO;
        return;
      case 0x82:
        this.cached = ONE;
        return;
      case 0x84:
        this.cached = FALSE;
        return;
      case 0x86:
        this.cached = TRUE;
        return;
      case 0xa8:
        this.cached = EMPTY_STRING;
        return;
      case 0x88:
        size = 1;
        break;
      case 0x8a:
        size = 2;
        break;
      case 0x8c:
      case 0x90:
        size = 4;
        break;
      case 0x8e:
      case 0x92:
      case 0xae:
      case 0xb2:
        size = 8;
        break;
      case 0xac:
      case 0xb0:
        size = 16;
        break;
      case 0x94: {
        this.need(16);
        const p = this.pos;
        if (
          buf[p] !== 0 ||
          buf[p + 1] !== 0 ||
          buf[p + 2]! > 28 ||
          (buf[p + 3] !== 0 && buf[p + 3] !== 0x80)
        ) {
          throw new NbfsError("invalid-value", "invalid DECIMAL", p);
        }
        size = 16;
        break;
      }
      case 0x96: {
        this.need(8);
        const hi = this.dv.getUint32(this.pos + 4, true);
        const kind = hi >>> 30;
        const tHi = hi & 0x3fffffff;
        const lo = this.dv.getUint32(this.pos, true);
        // MC-NBFX §2.2.3.12: TZ is 0, 1 or 2; a local value holds UTC ticks
        // (DateTime.ToBinary), which may have wrapped, so only 0 and 1 are range-checked.
        if (
          kind > 2 ||
          (kind !== 2 && (tHi > MAX_TICKS_HI || (tHi === MAX_TICKS_HI && lo > MAX_TICKS_LO)))
        ) {
          throw new NbfsError("invalid-value", "DateTime out of range", this.pos);
        }
        size = 8;
        break;
      }
      case 0x98:
      case 0x9a:
      case 0x9c: {
        const len = this.textLength(t === 0x98 ? 1 : t === 0x9a ? 2 : 4, "Chars32Text");
        if (len > this.end - this.pos) {
          throw new NbfsError("truncated", `string of ${len} bytes is truncated`, at);
        }
        const start = this.pos;
        const end = start + len;
        if (this.skipping) {
          this.pos = end;
          this.cached = EMPTY_STRING;
          return;
        }
        let i = start;
        while (i < end && buf[i]! < 0x80) i++;
        if (i === end) {
          if (len > this.q.maxStringContentLength) {
            throw new NbfsQuotaError("maxStringContentLength", this.q.maxStringContentLength, at);
          }
          this.pos = end;
          this.lazy(0x98, start, len);
          return;
        }
        // Non-ASCII: decode now, which also validates the UTF-8.
        this.cached = { type: "string", value: this.readUtf8(len, at) };
        return;
      }
      case 0x9e:
      case 0xa0:
      case 0xa2: {
        const len = this.textLength(t === 0x9e ? 1 : t === 0xa0 ? 2 : 4, "Bytes32Text");
        if (len > this.q.maxArrayLength) {
          throw new NbfsQuotaError("maxArrayLength", this.q.maxArrayLength, at);
        }
        if (len > this.end - this.pos) {
          throw new NbfsError("truncated", `${len} bytes of data are truncated`, at);
        }
        this.lazy(0x9e, this.pos, len);
        this.pos += len;
        return;
      }
      case 0xb4: {
        this.need(1);
        const b = buf[this.pos]!;
        if (b > 1) throw new NbfsError("invalid-value", "BoolText value must be 0 or 1", this.pos);
        this.pos++;
        this.cached = b === 1 ? TRUE : FALSE;
        return;
      }
      default:
        // Lists, dictionary strings, UTF-16 text and QNames: built now.
        this.cached = this.readValue(t, at);
        return;
    }
    this.need(size);
    this.lazy(t, this.pos, size);
    this.pos += size;
  }

  private lazy(kind: number, start: number, len: number): void {
    this.cached = undefined;
    this.lazyKind = kind;
    this.lazyStart = start;
    this.lazyLen = len;
  }

  /** Builds the value located by scanText. */
  private materialize(): XmlValue {
    const p = this.lazyStart;
    const dv = this.dv;
    let v: XmlValue;
    switch (this.lazyKind) {
      case 0x88:
        v = { type: "int32", value: dv.getInt8(p) };
        break;
      case 0x8a:
        v = { type: "int32", value: dv.getInt16(p, true) };
        break;
      case 0x8c:
        v = { type: "int32", value: dv.getInt32(p, true) };
        break;
      case 0x8e:
        v = { type: "int64", value: dv.getBigInt64(p, true) };
        break;
      case 0x90:
        v = { type: "float", value: dv.getFloat32(p, true) };
        break;
      case 0x92:
        v = { type: "double", value: dv.getFloat64(p, true) };
        break;
      case 0x94:
        v = decimalAt(dv, this.buf, p);
        break;
      case 0x96: {
        const raw = dv.getBigUint64(p, true);
        v = {
          type: "datetime",
          value: { ticks: raw & (TWO_POW_62 - 1n), kind: KINDS[Number(raw >> 62n)]! },
        };
        break;
      }
      case 0x98:
        v = { type: "string", value: asciiString(this.buf, p, p + this.lazyLen) };
        break;
      case 0x9e: {
        const out = new Uint8Array(this.lazyLen);
        out.set(this.buf.subarray(p, p + this.lazyLen));
        v = { type: "base64", value: out };
        break;
      }
      case 0xac:
        v = { type: "uniqueid", value: guidFromBytes(this.buf, p) };
        break;
      case 0xae:
        v = { type: "timespan", value: dv.getBigInt64(p, true) };
        break;
      case 0xb0:
        v = { type: "guid", value: guidFromBytes(this.buf, p) };
        break;
      default:
        v = { type: "uint64", value: dv.getBigUint64(p, true) };
        break;
    }
    this.cached = v;
    return v;
  }

  private readDecimal(): XmlValue {
    this.need(16);
    const p = this.pos;
    const dv = this.dv;
    // MS-OAUT §2.2.26 DECIMAL: wReserved, scale, sign, Hi32, Lo64.
    const reserved = dv.getUint16(p, true);
    const scale = this.buf[p + 2]!;
    const sign = this.buf[p + 3]!;
    if (reserved !== 0 || scale > 28 || (sign !== 0 && sign !== 0x80)) {
      throw new NbfsError("invalid-value", "invalid DECIMAL", p);
    }
    this.pos += 16;
    return decimalAt(dv, this.buf, p);
  }

  private readList(at: number): XmlValue {
    const items: XmlValue[] = [];
    for (;;) {
      if (this.pos >= this.end)
        throw new NbfsError("truncated", "list is not terminated", this.pos);
      const itemAt = this.pos;
      const t = this.buf[this.pos++]!;
      if (t === 0xa6) break;
      if (t < 0x80 || t > 0xbd || (t & 1) === 1 || t === 0xa4) {
        throw new NbfsError("unexpected-record", "list items must be plain text records", itemAt);
      }
      if (items.length >= this.q.maxListItems) {
        throw new NbfsQuotaError("maxListItems", this.q.maxListItems, at);
      }
      items.push(this.readValue(t, itemAt));
    }
    return { type: "list", items };
  }
}

const MAX_TICKS_HI = Number(MAX_DATETIME_TICKS >> 32n);
const MAX_TICKS_LO = Number(MAX_DATETIME_TICKS & 0xffffffffn);

/** A validated MS-OAUT DECIMAL at p as a value; below 2^53 without BigInt arithmetic. */
function decimalAt(dv: DataView, buf: Uint8Array, p: number): XmlValue {
  const hi = dv.getUint32(p + 4, true);
  const low = dv.getUint32(p + 8, true);
  const mid = dv.getUint32(p + 12, true);
  const mantissa =
    hi === 0 && mid < 0x200000
      ? BigInt(mid * 0x1_0000_0000 + low)
      : (BigInt(hi) << 64n) | dv.getBigUint64(p + 8, true);
  return {
    type: "decimal",
    value: { mantissa, scale: buf[p + 2]!, negative: buf[p + 3] === 0x80 },
  };
}

function mbLen(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

function isWhitespaceValue(v: XmlValue): boolean {
  if (v.type !== "string") return false;
  const s = v.value;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return false;
  }
  return true;
}
