import type { ReaderQuotas } from "./quotas.js";
import type { SessionDictionary } from "./session.js";

/**
 * Public shapes shared by the binary and text codecs. Everything a consumer
 * such as `@prch/soap` codes against lives here, so the binary reader/writer
 * and the text reader/writer stay interchangeable.
 */

/**
 * A string that can travel as a dictionary reference. Even ids refer to the
 * MC-NBFS static dictionary; odd ids to MC-NBFSE session strings. A
 * negative id marks a string that is *eligible* for a dictionary (the writer
 * adds it to its session dictionary if it has one) but has no static id.
 */
export interface DictionaryString {
  readonly id: number;
  readonly value: string;
}

/** A name or namespace: plain text, or a dictionary reference. */
export type XmlName = string | DictionaryString;

/** .NET `DateTimeKind`, carried in the two TZ bits of DateTimeText (MC-NBFX §2.2.3.12). */
export type DateTimeKind = "unspecified" | "utc" | "local";

/**
 * A .NET DateTime: 100-ns ticks since 0001-01-01T00:00:00 plus its kind.
 * The ticks are stored as given; no time-zone conversion is applied.
 */
export interface XmlDateTime {
  readonly ticks: bigint;
  readonly kind: DateTimeKind;
}

/**
 * A .NET `System.Decimal` (MS-OAUT DECIMAL): value = (-1)^negative ×
 * mantissa / 10^scale, with a 96-bit unsigned mantissa and scale 0–28.
 */
export interface Decimal {
  readonly mantissa: bigint;
  readonly scale: number;
  readonly negative: boolean;
}

/** The element types an Array record (MC-NBFX §2.3.3) may carry. */
export type ArrayValueType =
  | "bool"
  | "int16"
  | "int32"
  | "int64"
  | "float"
  | "double"
  | "decimal"
  | "datetime"
  | "timespan"
  | "guid";

/** The values of an Array record, one variant per {@link ArrayValueType}. */
export type XmlArray =
  | { readonly type: "bool"; readonly values: readonly boolean[] }
  | { readonly type: "int16"; readonly values: ArrayLike<number> }
  | { readonly type: "int32"; readonly values: ArrayLike<number> }
  | { readonly type: "int64"; readonly values: ArrayLike<bigint> }
  | { readonly type: "float"; readonly values: ArrayLike<number> }
  | { readonly type: "double"; readonly values: ArrayLike<number> }
  | { readonly type: "decimal"; readonly values: readonly Decimal[] }
  | { readonly type: "datetime"; readonly values: readonly XmlDateTime[] }
  | { readonly type: "timespan"; readonly values: ArrayLike<bigint> }
  | { readonly type: "guid"; readonly values: readonly string[] };

/**
 * A typed text value, as found in element content or an attribute. The
 * binary reader reports the record's own type; the text reader reports
 * `string`. `int32` covers ZeroText, OneText, Int8/16/32Text.
 */
export type XmlValue =
  | { readonly type: "string"; readonly value: string }
  | { readonly type: "dictionary"; readonly value: DictionaryString }
  | { readonly type: "int32"; readonly value: number }
  | { readonly type: "int64"; readonly value: bigint }
  | { readonly type: "uint64"; readonly value: bigint }
  | { readonly type: "bool"; readonly value: boolean }
  | { readonly type: "float"; readonly value: number }
  | { readonly type: "double"; readonly value: number }
  | { readonly type: "decimal"; readonly value: Decimal }
  | { readonly type: "datetime"; readonly value: XmlDateTime }
  /** TimeSpan ticks (100 ns). */
  | { readonly type: "timespan"; readonly value: bigint }
  /** Lowercase "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx". */
  | { readonly type: "guid"; readonly value: string }
  /** The GUID part of a `urn:uuid:` UniqueId, lowercase, without the prefix. */
  | { readonly type: "uniqueid"; readonly value: string }
  | { readonly type: "base64"; readonly value: Uint8Array }
  /** QNameDictionaryText: a single-letter prefix and a dictionary local name. */
  | { readonly type: "qname"; readonly prefix: string; readonly localName: DictionaryString }
  | { readonly type: "list"; readonly items: readonly XmlValue[] };

/**
 * A two-way string table: the MC-NBFS static dictionary implements it, and
 * tests can supply their own (MC-NBFX §3 uses "strN" placeholders).
 */
export interface StringDictionary {
  get(id: number): string | undefined;
  idOf(value: string): number | undefined;
}

/** Kinds of node the pull readers stop on. */
export type XmlNodeType = "none" | "element" | "endElement" | "text" | "comment" | "eof";

/** One attribute of the current element. xmlns declarations are included with `isXmlns`. */
export interface XmlAttribute {
  readonly prefix: string;
  readonly localName: string;
  /** Resolved namespace; for xmlns declarations `http://www.w3.org/2000/xmlns/`. */
  readonly namespaceUri: string;
  /** Typed value; for xmlns declarations the declared namespace as a string or dictionary value. */
  readonly value: XmlValue;
  readonly isXmlns: boolean;
  /** The local name as it was on the wire, when it was a dictionary reference. */
  readonly localNameDictionary?: DictionaryString | undefined;
}

/**
 * A pull cursor over an XML infoset, implemented by the binary reader and
 * the text reader. Start with `read()`; each call advances one node.
 */
export interface XmlReader {
  /** Advances to the next node; false at end of document. */
  read(): boolean;
  readonly nodeType: XmlNodeType;
  /**
   * Nesting depth: an element and its end element are at the number of
   * elements open including itself (the root at 1); text and comments at the
   * number of elements around them (text in the root at 1; outside it, 0).
   */
  readonly depth: number;
  readonly prefix: string;
  readonly localName: string;
  readonly namespaceUri: string;
  /** The local name as it was on the wire, when it was a dictionary reference. */
  readonly localNameDictionary: DictionaryString | undefined;
  /** Attributes of the current element (empty for other nodes). */
  readonly attributes: readonly XmlAttribute[];
  /** True for an element start with no content (the reader still reports its endElement). */
  readonly isEmptyElement: boolean;
  /** Typed value of a text node; for a comment, a string value. */
  readonly value: XmlValue;
  /** Byte offset (binary) or character offset (text) of the current node, for error messages. */
  readonly offset: number;
  /**
   * The namespace bound to `prefix` at the current node ("" for an unbound
   * empty prefix), for resolving QName values such as fault codes and
   * xsi:type; undefined if the prefix is not bound.
   */
  lookupNamespace(prefix: string): string | undefined;
  /** Looks up an attribute of the current element by local name and namespace (default ""). */
  getAttribute(localName: string, namespaceUri?: string): XmlAttribute | undefined;
  /** From an element start: moves past its matching end element. Elsewhere: read(). */
  skip(): void;
  /** Skips whitespace text and comments; returns the node type reached. */
  moveToContent(): XmlNodeType;
  /** On an element start: reads its text content (no child elements allowed) and moves past its end. */
  readElementContentAsString(): string;
  /** Like readElementContentAsString but returns the typed value (string when the content was mixed or absent). */
  readElementContentAsValue(): XmlValue;
}

/**
 * A writer with the operations of .NET's XmlDictionaryWriter, implemented by
 * the binary writer and the text writer. Typed writers work in element
 * content and between writeStartAttribute/writeEndAttribute.
 */
export interface XmlWriter {
  /**
   * Starts an element. With `ns` given, the prefix is bound to it (an xmlns
   * declaration is emitted if the binding is not already in scope); without
   * it the prefix must be in scope by the end of the start tag (or be "").
   */
  writeStartElement(prefix: string, localName: XmlName, ns?: XmlName): void;
  writeEndElement(): void;
  /** Declares `xmlns:prefix="ns"` (or `xmlns="ns"` for prefix ""), unless already in scope. */
  writeXmlnsAttribute(prefix: string, ns: XmlName): void;
  writeStartAttribute(prefix: string, localName: XmlName, ns?: XmlName): void;
  writeEndAttribute(): void;
  /** Shorthand for start, writeString(value), end. */
  writeAttributeString(
    prefix: string,
    localName: XmlName,
    ns: XmlName | undefined,
    value: string,
  ): void;
  writeString(value: string): void;
  /** Writes a dictionary text (DictionaryText if it has an id the writer can use, chars otherwise). */
  writeDictionaryText(value: DictionaryString): void;
  writeInt32(value: number): void;
  writeInt64(value: bigint): void;
  writeUInt64(value: bigint): void;
  writeBool(value: boolean): void;
  writeFloat(value: number): void;
  writeDouble(value: number): void;
  writeDecimal(value: Decimal): void;
  writeDateTime(value: XmlDateTime): void;
  writeTimeSpan(ticks: bigint): void;
  /** A GUID as "xxxxxxxx-xxxx-…" text or 16 bytes in .NET `Guid.ToByteArray()` order. */
  writeGuid(value: string | Uint8Array): void;
  /** A `urn:uuid:` UniqueId (pass the GUID, with or without the prefix, or 16 bytes). */
  writeUniqueId(value: string | Uint8Array): void;
  writeBase64(value: Uint8Array): void;
  /** Writes "prefix:localName" (QNameDictionaryText when the binary writer can). */
  writeQName(prefix: string, localName: XmlName): void;
  /** Writes a whitespace-separated list of values (StartListText…EndListText in binary). */
  writeList(values: readonly XmlValue[]): void;
  /** Writes any typed value. */
  writeValue(value: XmlValue): void;
  /**
   * Writes `<prefix:localName xmlns…>v</…>` once per item (an Array record
   * in binary, MC-NBFX §2.3.3).
   */
  writeArray(prefix: string, localName: XmlName, ns: XmlName | undefined, array: XmlArray): void;
  writeComment(text: string): void;
  /** Closes any open elements. */
  finish(): void;
}

/** An XmlWriter producing bytes. */
export interface BinaryXmlWriterApi extends XmlWriter {
  /** Finishes and returns the document (preceded by the StringTable when a session is used). */
  toBytes(): Uint8Array;
}

/** An XmlWriter producing text. */
export interface TextXmlWriterApi extends XmlWriter {
  toString(): string;
}

/** Options of the binary reader. */
export interface BinaryReaderOptions {
  /** Static dictionary for even ids; default the MC-NBFS dictionary, `null` for plain MC-NBFX. */
  readonly dictionary?: StringDictionary | null;
  /**
   * MC-NBFSE session strings of the incoming direction. When given, the
   * document must start with a StringTable, whose strings are added to it.
   */
  readonly session?: SessionDictionary;
  /** Limits; unspecified ones take WCF's defaults. */
  readonly quotas?: Partial<ReaderQuotas>;
}

/** Options of the binary writer. */
export interface BinaryWriterOptions {
  /** Static dictionary for even ids; default the MC-NBFS dictionary, `null` for plain MC-NBFX. */
  readonly dictionary?: StringDictionary | null;
  /**
   * MC-NBFSE session strings of the outgoing direction. When given, the
   * writer adds dictionary-eligible strings it has no static id for, and
   * `toBytes()` starts with the StringTable of the strings new in this document.
   */
  readonly session?: SessionDictionary;
  /**
   * When true, plain-string names and namespaces are
   * looked up in the static dictionary (and added to the session if there is
   * one), as `prch-nbfs encode` does. .NET only does this for
   * XmlDictionaryString arguments, so the default is false.
   */
  readonly lookupStrings?: boolean;
  /** Session growth limits (maxSessionStrings, maxSessionSize); past them strings are written inline, as .NET does. */
  readonly quotas?: Partial<ReaderQuotas>;
  /**
   * True (default): xmlns records follow the element's other attributes, as
   * .NET's XmlBaseWriter writes them. False: they are written where they are
   * declared, which preserves a source document's order when transcoding.
   */
  readonly deferNamespaceDeclarations?: boolean;
  /** Initial buffer size in bytes. */
  readonly initialCapacity?: number;
}
