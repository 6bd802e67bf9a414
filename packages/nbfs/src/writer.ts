import type {
  BinaryWriterOptions,
  BinaryXmlWriterApi,
  Decimal,
  DictionaryString,
  StringDictionary,
  XmlArray,
  XmlDateTime,
  XmlName,
  XmlValue,
} from "./api.js";
import { NBFS_DICTIONARY } from "./dictionary.js";
import { NbfsError } from "./errors.js";
import {
  guidFromBytes,
  guidToBytes,
  isGuidString,
  MAX_DATETIME_TICKS,
  valueToString,
} from "./format.js";
import { multiByteInt31Length, writeMultiByteInt31 } from "./multibyte.js";
import { type ReaderQuotas, resolveQuotas } from "./quotas.js";
import type { SessionDictionary } from "./session.js";
import { encodeStringTable } from "./stringtable.js";
import { loneSurrogate, utf8LengthStrict } from "./utf8-encode.js";

enum State {
  Content = 0,
  StartElement = 1,
  Attribute = 2,
}

const KIND_BITS = { unspecified: 0n, utc: 1n, local: 2n } as const;
const INT64_MIN = -(2n ** 63n);
const EMPTY_BYTES = new Uint8Array(0);
// XmlStreamNodeWriter's buffer size and its UTF-8 / UTF-16 chunk sizes.
const NET_BUFFER = 512;
const NET_UTF8_CHUNK = 170;
const NET_UTF16_CHUNK = 256;
// Texts up to this many characters go through one GetBuffer (255 / 3).
const NET_SMALL_TEXT = 85;
const TWO_POW_63 = 2 ** 63;
const FLT_MAX = 3.4028234663852886e38;
const TWO_POW_96 = 1n << 96n;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Writer of .NET Binary XML. It picks records the way .NET's
 * XmlBinaryWriter does (MC-NBFX): dictionary strings where it has an id,
 * ZeroText/OneText, Int8/16/32/64 by magnitude, whole floats as integers,
 * *WithEndElement fusion, single-letter prefix records, Chars8/16/32 by
 * length and UnicodeChars when UTF-8 would be more than twice as long.
 * Namespace declarations are written after the element's other attributes,
 * as .NET's XmlBaseWriter does.
 *
 * @example
 * ```ts
 * const w = new BinaryXmlWriter();
 * w.writeStartElement("s", dictionaryString("Envelope"), dictionaryString("http://www.w3.org/2003/05/soap-envelope"));
 * w.writeEndElement();
 * const bytes = w.toBytes();
 * ```
 */
export class BinaryXmlWriter implements BinaryXmlWriterApi {
  private buf: Buffer;
  private pos = 0;
  private readonly dict: StringDictionary | null;
  private readonly session: SessionDictionary | undefined;
  private readonly lookupStrings: boolean;
  private readonly defer: boolean;
  private readonly q: ReaderQuotas;

  private state: State = State.Content;
  // Offset of the last text record's type byte while it may still be fused
  // with a following EndElement (MC-NBFX §2.2.3.31); -1 otherwise.
  private textNodeOffset = -1;
  // For each open element, the namespace-binding count to restore at its end.
  private readonly open: number[] = [];
  // Namespace bindings in scope (innermost last).
  private nsPrefix: string[] = [];
  private nsUri: string[] = [];
  private nsLen = 0;
  // xmlns declarations of the current start element, written when it closes.
  private readonly pendingPrefix: string[] = [];
  private readonly pendingNs: XmlName[] = [];
  private pendingCount = 0;
  // Attribute being written: its value parts are collected so that several
  // writes make one text record, as .NET does.
  private attrParts: XmlValue[] = [];
  private attrIsXmlns = false;
  private elementPrefix = "";
  // Prefixes used in this start tag that must be bound before it closes.
  private readonly prefixChecks: string[] = [];
  private prefixCheckCount = 0;
  private attrXmlnsPrefix = "";
  // Session strings first used in this document: staged, committed by toBytes().
  private staged: string[] = [];
  private stagedIds: Map<string, number> | undefined;
  private stagedBytes = 0;
  private stagedFull = false;
  private result: Uint8Array | undefined;
  private finished = false;
  // Base64 bytes held back until a whole 3-byte group or the next node.
  private b64Trail: Uint8Array = EMPTY_BYTES;
  private b64TrailLen = 0;
  // Emulation of .NET's XmlStreamNodeWriter 512-byte buffer: `vo` is where
  // .NET's buffer offset would be. When one of its GetBuffer requests does
  // not fit, .NET flushes, and a flush after a text record's type byte
  // cancels the *WithEndElement fusion (XmlBinaryNodeWriter resets its
  // text-node offset on flush). Long texts and large base64 therefore end
  // with a plain EndElement on the wire, as Mono's writer confirms.
  private vo = 0;

  constructor(options: BinaryWriterOptions = {}) {
    this.buf = Buffer.allocUnsafe(Math.max(64, options.initialCapacity ?? 2048));
    this.dict = options.dictionary === undefined ? NBFS_DICTIONARY : options.dictionary;
    this.session = options.session;
    this.lookupStrings = options.lookupStrings ?? false;
    this.defer = options.deferNamespaceDeclarations ?? true;
    this.q = resolveQuotas(options.quotas);
  }

  /**
   * Clears the document so the writer can be reused. Bytes returned by
   * toBytes() view the writer's buffer, so by default a fresh buffer is
   * taken; pass `reuseBuffer: true` once those bytes have been consumed
   * (sent or copied) to write the next document into the same memory.
   */
  reset(reuseBuffer = false): void {
    this.pos = 0;
    this.state = State.Content;
    this.textNodeOffset = -1;
    this.open.length = 0;
    this.pendingCount = 0;
    this.prefixCheckCount = 0;
    this.nsLen = 0;
    this.attrParts.length = 0;
    this.b64TrailLen = 0;
    this.vo = 0;
    this.staged = [];
    this.stagedIds = undefined;
    // Bytes handed out by toBytes() view the old buffer: never overwrite them.
    if (this.result !== undefined && !reuseBuffer) this.buf = Buffer.allocUnsafe(this.buf.length);
    this.stagedBytes = 0;
    this.stagedFull = false;
    this.result = undefined;
    this.finished = false;
  }

  /** Bytes written so far (the document without its StringTable). */
  get length(): number {
    return this.pos;
  }

  // ---- structure -------------------------------------------------------

  writeStartElement(prefix: string, localName: XmlName, ns?: XmlName): void {
    this.checkWritable();
    if (this.state !== State.Content) this.closeStart();
    if (this.b64TrailLen > 0) this.flushBase64();
    const local = nameValue(localName);
    if (local === "") throw new NbfsError("invalid-name", "element local name is empty");
    this.open.push(this.nsLen);
    // Without a namespace the prefix must be bound by the time the start
    // tag closes (its xmlns attribute may still follow).
    this.elementPrefix = prefix;
    const id = this.nameId(localName);
    this.ensure(12 + prefix.length * 3 + local.length * 3);
    const single = singleLetter(prefix);
    if (id >= 0) {
      if (prefix === "") this.putType(0x42);
      else if (single >= 0) this.putType(0x44 + single);
      else {
        this.putType(0x43);
        this.putString(prefix);
      }
      this.putInt31(id);
    } else {
      if (prefix === "") this.putType(0x40);
      else if (single >= 0) this.putType(0x5e + single);
      else {
        this.putType(0x41);
        this.putString(prefix);
      }
      this.putString(local);
    }
    this.state = State.StartElement;
    this.textNodeOffset = -1;
    if (ns !== undefined) this.bindPrefix(prefix, ns);
    if (!this.defer) this.flushDeclarations();
  }

  writeEndElement(): void {
    this.checkWritable();
    if (this.open.length === 0) throw new NbfsError("invalid-state", "no open element to end");
    if (this.state === State.Attribute) this.writeEndAttribute();
    if (this.state === State.StartElement) this.closeStart();
    if (this.b64TrailLen > 0) this.flushBase64();
    this.nsLen = this.open.pop()!;
    this.ensure(1);
    if (this.textNodeOffset >= 0) {
      this.buf[this.textNodeOffset]! |= 1;
    } else {
      this.putType(0x01);
    }
    this.textNodeOffset = -1;
  }

  writeXmlnsAttribute(prefix: string, ns: XmlName): void {
    this.checkWritable();
    if (this.state !== State.StartElement) {
      throw new NbfsError("invalid-state", "xmlns attribute outside a start element");
    }
    this.bindPrefix(prefix, ns);
    if (!this.defer) this.flushDeclarations();
  }

  writeStartAttribute(prefix: string, localName: XmlName, ns?: XmlName): void {
    this.checkWritable();
    if (this.state === State.Attribute) this.writeEndAttribute();
    if (this.state !== State.StartElement) {
      throw new NbfsError("invalid-state", "attribute outside a start element");
    }
    const local = nameValue(localName);
    if (prefix === "xmlns" || (prefix === "" && local === "xmlns")) {
      this.attrIsXmlns = true;
      this.attrXmlnsPrefix = prefix === "" ? "" : local;
      this.attrParts.length = 0;
      this.state = State.Attribute;
      return;
    }
    if (local === "") throw new NbfsError("invalid-name", "attribute local name is empty");
    if (ns !== undefined && nameValue(ns) !== "") {
      if (prefix === "") {
        throw new NbfsError("invalid-name", "an attribute in a namespace needs a prefix");
      }
      if (prefix !== "xml") this.bindPrefix(prefix, ns);
    } else if (prefix !== "" && prefix !== "xml" && this.lookupNamespace(prefix) === undefined) {
      // Its xmlns attribute may still follow in this start tag.
      this.prefixChecks[this.prefixCheckCount++] = prefix;
    }
    if (!this.defer) this.flushDeclarations();
    const id = this.nameId(localName);
    this.ensure(12 + prefix.length * 3 + local.length * 3);
    const single = singleLetter(prefix);
    if (id >= 0) {
      if (prefix === "") this.putType(0x06);
      else if (single >= 0) this.putType(0x0c + single);
      else {
        this.putType(0x07);
        this.putString(prefix);
      }
      this.putInt31(id);
    } else {
      if (prefix === "") this.putType(0x04);
      else if (single >= 0) this.putType(0x26 + single);
      else {
        this.putType(0x05);
        this.putString(prefix);
      }
      this.putString(local);
    }
    this.attrIsXmlns = false;
    this.attrParts.length = 0;
    this.state = State.Attribute;
  }

  writeEndAttribute(): void {
    this.checkWritable();
    if (this.state !== State.Attribute) throw new NbfsError("invalid-state", "no open attribute");
    this.state = State.StartElement;
    const parts = this.attrParts;
    if (this.attrIsXmlns) {
      let ns: XmlName = "";
      if (parts.length === 1 && parts[0]!.type === "dictionary") ns = parts[0]!.value;
      else ns = parts.map(partString).join("");
      this.bindPrefix(this.attrXmlnsPrefix, ns);
      parts.length = 0;
      if (!this.defer) this.flushDeclarations();
      return;
    }
    if (parts.length === 0) this.putType(0xa8);
    else if (parts.length === 1) this.putValue(parts[0]!);
    else this.putText(parts.map(partString).join(""));
    parts.length = 0;
    this.textNodeOffset = -1;
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
    this.checkWritable();
    if (this.state === State.Attribute)
      throw new NbfsError("invalid-state", "comment inside an attribute");
    if (this.state === State.StartElement) this.closeStart();
    if (this.b64TrailLen > 0) this.flushBase64();
    this.putType(0x02);
    this.putString(text);
    this.textNodeOffset = -1;
  }

  finish(): void {
    if (this.finished) return;
    if (this.state === State.Attribute) this.writeEndAttribute();
    while (this.open.length > 0) this.writeEndElement();
    if (this.b64TrailLen > 0) this.flushBase64();
    this.finished = true;
  }

  toBytes(): Uint8Array {
    if (this.result !== undefined) return this.result;
    this.finish();
    let out: Uint8Array;
    if (this.session !== undefined) {
      // MC-NBFSE §2: every document is preceded by a StringTable, empty or not.
      const table = encodeStringTable(this.staged);
      out = new Uint8Array(table.length + this.pos);
      out.set(table, 0);
      out.set(this.buf.subarray(0, this.pos), table.length);
      for (const s of this.staged) this.session.add(s);
      if (this.stagedFull) this.session.markFull();
    } else {
      // A view, not a copy: the writer never writes into it again (reset()
      // moves to a fresh buffer).
      out = new Uint8Array(this.buf.buffer, this.buf.byteOffset, this.pos);
    }
    this.result = out;
    return out;
  }

  // ---- typed content ---------------------------------------------------

  writeString(value: string): void {
    if (this.state === State.Attribute) {
      this.capture({ type: "string", value });
      return;
    }
    if (value.length === 0) {
      // XmlBaseWriter ignores empty text: no record, and pending base64
      // bytes keep waiting for more.
      this.checkWritable();
      if (this.open.length === 0) {
        throw new NbfsError("invalid-state", "text outside the root element");
      }
      return;
    }
    this.beginContent(false);
    this.putText(value);
  }

  writeDictionaryText(value: DictionaryString): void {
    if (this.state === State.Attribute) {
      this.capture({ type: "dictionary", value });
      return;
    }
    this.beginContent(false);
    this.putDictionaryText(value);
  }

  writeInt32(value: number): void {
    if (!Number.isInteger(value) || value < -2147483648 || value > 2147483647) {
      throw new NbfsError("invalid-value", `not an Int32: ${value}`);
    }
    if (this.state === State.Attribute) {
      this.capture({ type: "int32", value });
      return;
    }
    this.beginContent(false);
    this.putInt32Text(value);
  }

  writeInt64(value: bigint): void {
    if (value < INT64_MIN || value > INT64_MAX)
      throw new NbfsError("invalid-value", `not an Int64: ${value}`);
    if (this.state === State.Attribute) {
      this.capture({ type: "int64", value });
      return;
    }
    this.beginContent(false);
    this.putInt64Text(value);
  }

  writeUInt64(value: bigint): void {
    if (value < 0n || value >= 2n ** 64n)
      throw new NbfsError("invalid-value", `not a UInt64: ${value}`);
    if (this.state === State.Attribute) {
      this.capture({ type: "uint64", value });
      return;
    }
    this.beginContent(false);
    this.putUInt64Text(value);
  }

  writeBool(value: boolean): void {
    if (this.state === State.Attribute) {
      this.capture({ type: "bool", value });
      return;
    }
    this.beginContent(false);
    this.putTextType(value ? 0x86 : 0x84, 0);
  }

  writeFloat(value: number): void {
    if (this.state === State.Attribute) {
      this.capture({ type: "float", value });
      return;
    }
    this.beginContent(false);
    this.putFloatText(value);
  }

  writeDouble(value: number): void {
    if (this.state === State.Attribute) {
      this.capture({ type: "double", value });
      return;
    }
    this.beginContent(false);
    this.putDoubleText(value);
  }

  writeDecimal(value: Decimal): void {
    checkDecimal(value);
    if (this.state === State.Attribute) {
      this.capture({ type: "decimal", value });
      return;
    }
    this.beginContent(false);
    this.putDecimalText(value);
  }

  writeDateTime(value: XmlDateTime): void {
    // Local values hold UTC ticks that may wrap (DateTime.ToBinary); the
    // others must be a valid DateTime (MC-NBFX §2.2.3.12).
    const limit = value.kind === "local" ? (1n << 62n) - 1n : MAX_DATETIME_TICKS;
    if (value.ticks < 0n || value.ticks > limit || KIND_BITS[value.kind] === undefined) {
      throw new NbfsError("invalid-value", "DateTime out of range");
    }
    if (this.state === State.Attribute) {
      this.capture({ type: "datetime", value });
      return;
    }
    this.beginContent(false);
    this.putDateTimeText(value);
  }

  writeTimeSpan(ticks: bigint): void {
    if (ticks < INT64_MIN || ticks > INT64_MAX)
      throw new NbfsError("invalid-value", "TimeSpan out of range");
    if (this.state === State.Attribute) {
      this.capture({ type: "timespan", value: ticks });
      return;
    }
    this.beginContent(false);
    this.putTextType(0xae, 8);
    this.buf.writeBigInt64LE(ticks, this.pos);
    this.pos += 8;
  }

  writeGuid(value: string | Uint8Array): void {
    if (this.state === State.Attribute) {
      const s = typeof value === "string" ? value.toLowerCase() : guidString(value);
      this.capture({ type: "guid", value: s });
      return;
    }
    this.beginContent(false);
    if (typeof value === "string") this.putGuidText(0xb0, value);
    else {
      if (value.length !== 16) throw new NbfsError("invalid-value", "a GUID has 16 bytes");
      this.putTextType(0xb0, 16);
      this.buf.set(value, this.pos);
      this.pos += 16;
    }
  }

  writeUniqueId(value: string | Uint8Array): void {
    let s = typeof value === "string" ? value : guidString(value);
    if (s.startsWith("urn:uuid:")) s = s.slice(9);
    if (!isGuidString(s)) {
      // Not a GUID-shaped id: .NET writes such a UniqueId as plain text.
      this.writeString(typeof value === "string" ? value : s);
      return;
    }
    s = s.toLowerCase();
    if (s === "00000000-0000-0000-0000-000000000000") {
      // .NET's UniqueId.IsGuid is false for the all-zero GUID (it marks a
      // string id internally), so XmlBinaryNodeWriter writes it as text, not
      // UniqueIdText (checked against Mono in the interop suite).
      this.writeString(`urn:uuid:${s}`);
      return;
    }
    if (this.state === State.Attribute) {
      this.capture({ type: "uniqueid", value: s });
      return;
    }
    this.beginContent(false);
    this.putGuidText(0xac, s);
  }

  writeBase64(value: Uint8Array): void {
    if (this.state === State.Attribute) {
      this.capture({ type: "base64", value });
      return;
    }
    this.beginContent(true);
    // Like XmlBaseWriter.WriteBase64: held-back bytes are first topped up to
    // a whole group from the new data, whole 3-byte groups go out at once,
    // and the 0–2 bytes left over wait for more base64 or for the next node,
    // so one call can yield two Bytes records. (The exact split matters: it
    // decides where .NET's 512-byte buffer flushes, and so the fusion.)
    let count = value.length;
    if (count === 0) return;
    if (this.b64Trail.length === 0) this.b64Trail = new Uint8Array(3);
    let off = 0;
    const trail = this.b64Trail;
    if (this.b64TrailLen > 0) {
      while (this.b64TrailLen < 3 && count > 0) {
        trail[this.b64TrailLen++] = value[off++]!;
        count--;
      }
    }
    const trailLen = this.b64TrailLen;
    const total = trailLen + count;
    const actual = total - (total % 3);
    if (actual >= 3) {
      this.putBytesHeader(actual);
      if (trailLen > 0) {
        this.vreq(trailLen);
        this.vo += trailLen;
        this.buf.set(trail.subarray(0, trailLen), this.pos);
        this.pos += trailLen;
      }
      const fromValue = actual - trailLen;
      if (fromValue > 0) this.vbytes(fromValue);
      this.buf.set(value.subarray(off, off + fromValue), this.pos);
      this.pos += fromValue;
      const rest = total - actual;
      trail.set(value.subarray(off + count - rest, off + count), 0);
      this.b64TrailLen = rest;
    } else {
      trail.set(value.subarray(off, off + count), trailLen);
      this.b64TrailLen = trailLen + count;
    }
  }

  private flushBase64(): void {
    const n = this.b64TrailLen;
    this.b64TrailLen = 0;
    this.putBytesHeader(n);
    this.vreq(n);
    this.vo += n;
    this.buf.set(this.b64Trail.subarray(0, n), this.pos);
    this.pos += n;
  }

  writeQName(prefix: string, localName: XmlName): void {
    const single = singleLetter(prefix);
    const id = single >= 0 ? this.nameId(localName) : -1;
    if (id >= 0) {
      const ds: DictionaryString =
        typeof localName === "string" ? { id, value: localName } : { id, value: localName.value };
      if (this.state === State.Attribute) {
        this.capture({ type: "qname", prefix, localName: ds });
        return;
      }
      this.beginContent(false);
      this.putTextType(0xbc, 6, 1, 1);
      this.vreq(1);
      this.vo += 1;
      this.buf[this.pos++] = single;
      this.putInt31(id);
      return;
    }
    // XmlBaseWriter.WriteQualifiedName writes the prefix, ":" and the name
    // as three texts (one string inside an attribute).
    if (prefix !== "") {
      this.writeString(prefix);
      this.writeString(":");
    }
    if (typeof localName === "string") this.writeString(localName);
    else this.writeDictionaryText(localName);
  }

  writeList(values: readonly XmlValue[]): void {
    if (this.state === State.Attribute) {
      this.capture({ type: "list", items: values });
      return;
    }
    this.beginContent(false);
    this.putList(values);
  }

  writeValue(value: XmlValue): void {
    switch (value.type) {
      case "string":
        this.writeString(value.value);
        return;
      case "dictionary":
        this.writeDictionaryText(value.value);
        return;
      case "int32":
        this.writeInt32(value.value);
        return;
      case "int64":
        this.writeInt64(value.value);
        return;
      case "uint64":
        this.writeUInt64(value.value);
        return;
      case "bool":
        this.writeBool(value.value);
        return;
      case "float":
        this.writeFloat(value.value);
        return;
      case "double":
        this.writeDouble(value.value);
        return;
      case "decimal":
        this.writeDecimal(value.value);
        return;
      case "datetime":
        this.writeDateTime(value.value);
        return;
      case "timespan":
        this.writeTimeSpan(value.value);
        return;
      case "guid":
        this.writeGuid(value.value);
        return;
      case "uniqueid":
        this.writeUniqueId(value.value);
        return;
      case "base64":
        this.writeBase64(value.value);
        return;
      case "qname":
        this.writeQName(value.prefix, value.localName);
        return;
      case "list":
        this.writeList(value.items);
        return;
    }
  }

  writeArray(prefix: string, localName: XmlName, ns: XmlName | undefined, array: XmlArray): void {
    const n = array.values.length;
    // .NET writes nothing at all for an empty array.
    if (n === 0) return;
    validateArray(array);
    this.checkWritable();
    if (this.state === State.Attribute)
      throw new NbfsError("invalid-state", "array inside an attribute");
    if (this.state === State.StartElement) this.closeStart();
    if (this.b64TrailLen > 0) this.flushBase64();
    // MC-NBFX §2.3.3: Array, the element (with its xmlns), EndElement, type, count, data.
    this.putType(0x03);
    this.writeStartElement(prefix, localName, ns);
    this.closeStart();
    this.nsLen = this.open.pop()!;
    this.putType(0x01);
    this.textNodeOffset = -1;
    const sizes = {
      bool: 1,
      int16: 2,
      int32: 4,
      int64: 8,
      float: 4,
      double: 8,
      decimal: 16,
      datetime: 8,
      timespan: 8,
      guid: 16,
    };
    const types = {
      bool: 0xb5,
      int16: 0x8b,
      int32: 0x8d,
      int64: 0x8f,
      float: 0x91,
      double: 0x93,
      decimal: 0x95,
      datetime: 0x97,
      timespan: 0xaf,
      guid: 0xb1,
    };
    this.ensure(6 + n * sizes[array.type]);
    const buf = this.buf;
    this.putType(types[array.type]);
    this.putInt31(n);
    let p = this.pos;
    switch (array.type) {
      case "bool":
        for (let i = 0; i < n; i++) buf[p++] = array.values[i] ? 1 : 0;
        break;
      case "int16":
        for (let i = 0; i < n; i++, p += 2) buf.writeInt16LE((array.values[i]! << 16) >> 16, p);
        break;
      case "int32":
        for (let i = 0; i < n; i++, p += 4) buf.writeInt32LE(array.values[i]! | 0, p);
        break;
      case "int64":
        for (let i = 0; i < n; i++, p += 8)
          buf.writeBigInt64LE(BigInt.asIntN(64, array.values[i]!), p);
        break;
      case "timespan":
        for (let i = 0; i < n; i++, p += 8)
          buf.writeBigInt64LE(BigInt.asIntN(64, array.values[i]!), p);
        break;
      case "float":
        for (let i = 0; i < n; i++, p += 4) buf.writeFloatLE(array.values[i]!, p);
        break;
      case "double":
        for (let i = 0; i < n; i++, p += 8) buf.writeDoubleLE(array.values[i]!, p);
        break;
      case "decimal":
        for (let i = 0; i < n; i++, p += 16) {
          checkDecimal(array.values[i]!);
          putDecimal(buf, p, array.values[i]!);
        }
        break;
      case "datetime":
        for (let i = 0; i < n; i++, p += 8) {
          const d = array.values[i]!;
          buf.writeBigUInt64LE(d.ticks | (KIND_BITS[d.kind] << 62n), p);
        }
        break;
      case "guid":
        for (let i = 0; i < n; i++, p += 16) guidToBytes(array.values[i]!, buf, p);
        break;
    }
    this.pos = p;
    // Blittable arrays go straight to the stream after a flush
    // (UnsafeWriteBytes); DateTime, TimeSpan and Guid items are written one
    // by one through the buffer.
    if (array.type === "datetime" || array.type === "timespan" || array.type === "guid") {
      const size = array.type === "guid" ? 16 : 8;
      for (let i = 0; i < n; i++) {
        this.vreq(size);
        this.vo += size;
      }
    } else this.vdirect();
  }

  // ---- internals -------------------------------------------------------

  private checkWritable(): void {
    if (this.finished) throw new NbfsError("invalid-state", "document already finished");
  }

  /** Records an attribute value part (several parts make one text record). */
  private capture(v: XmlValue): void {
    this.checkWritable();
    this.attrParts.push(v);
  }

  /** Prepares to write element content. */
  private beginContent(base64: boolean): void {
    this.checkWritable();
    if (this.state === State.StartElement) this.closeStart();
    if (this.open.length === 0) {
      throw new NbfsError("invalid-state", "text outside the root element");
    }
    if (this.b64TrailLen > 0 && !base64) this.flushBase64();
  }

  /** Writes a text record type byte and reserves `extra` payload bytes. */
  private putTextType(type: number, extra: number, request = 1 + extra, advance = 1 + extra): void {
    this.vreq(request);
    this.ensure(1 + extra);
    this.textNodeOffset = this.pos;
    this.buf[this.pos++] = type;
    this.vo += advance;
  }

  private closeStart(): void {
    if (this.state === State.Attribute) this.writeEndAttribute();
    if (this.elementPrefix !== "") this.prefixChecks[this.prefixCheckCount++] = this.elementPrefix;
    const checks = this.prefixCheckCount;
    this.prefixCheckCount = 0;
    for (let i = 0; i < checks; i++) {
      const p = this.prefixChecks[i]!;
      if (this.lookupNamespace(p) === undefined) {
        throw new NbfsError("undeclared-prefix", `prefix "${p}" is not declared`);
      }
    }
    this.flushDeclarations();
    this.state = State.Content;
    this.textNodeOffset = -1;
  }

  /** Writes the queued xmlns records. */
  private flushDeclarations(): void {
    const n = this.pendingCount;
    for (let i = 0; i < n; i++) {
      const prefix = this.pendingPrefix[i]!;
      const ns = this.pendingNs[i]!;
      const id = this.nameId(ns);
      const nsText = nameValue(ns);
      this.ensure(12 + prefix.length * 3 + nsText.length * 3);
      if (id >= 0) {
        if (prefix === "") this.putType(0x0a);
        else {
          this.putType(0x0b);
          this.putString(prefix);
        }
        this.putInt31(id);
      } else {
        if (prefix === "") this.putType(0x08);
        else {
          this.putType(0x09);
          this.putString(prefix);
        }
        this.putString(nsText);
      }
    }
    this.pendingCount = 0;
  }

  private lookupNamespace(prefix: string): string | undefined {
    for (let i = this.nsLen - 1; i >= 0; i--) if (this.nsPrefix[i] === prefix) return this.nsUri[i];
    if (prefix === "") return "";
    if (prefix === "xml") return "http://www.w3.org/XML/1998/namespace";
    return undefined;
  }

  /** Binds prefix to ns in the current element, queuing an xmlns record unless already in scope. */
  private bindPrefix(prefix: string, ns: XmlName): void {
    const uri = nameValue(ns);
    if (this.lookupNamespace(prefix) === uri) return;
    const mark = this.open[this.open.length - 1] ?? 0;
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
    this.pendingPrefix[this.pendingCount] = prefix;
    this.pendingNs[this.pendingCount] = ns;
    this.pendingCount++;
  }

  /**
   * The dictionary id to write for a name, or -1 to write it inline. Plain
   * strings use a dictionary only with `lookupStrings` (or `force`).
   */
  private nameId(name: XmlName, force = false): number {
    let value: string;
    if (typeof name === "string") {
      if (!this.lookupStrings && !force) return -1;
      value = name;
      const id = this.dict?.idOf(value);
      if (id !== undefined) return id;
      if (!this.lookupStrings) return -1;
    } else {
      value = name.value;
      const id = name.id;
      if (id >= 0) {
        if ((id & 1) === 1 && this.session !== undefined) {
          if (this.session.get(id) === value) return id;
        } else if (this.dict !== null && this.dict.get(id) === value) return id;
      }
      const sid = this.dict?.idOf(value);
      if (sid !== undefined) return sid;
    }
    return this.sessionId(value);
  }

  private sessionId(value: string): number {
    const session = this.session;
    if (session === undefined) return -1;
    const existing = session.idOf(value);
    if (existing !== undefined) return existing;
    const staged = this.stagedIds?.get(value);
    if (staged !== undefined) return staged;
    if (session.full || this.stagedFull) return -1;
    const len = utf8LengthStrict(value);
    if (len < 0) loneSurrogate();
    if (session.count + this.staged.length >= this.q.maxSessionStrings) return -1;
    // As WCF's XmlBinaryWriterSessionWithQuota: a string costs its UTF-8
    // bytes plus its length prefix; the first one that does not fit makes
    // the session full for good, and it and all later ones go inline.
    const required = len + multiByteInt31Length(len);
    if (session.tableSize + this.stagedBytes + required > this.q.maxSessionSize) {
      this.stagedFull = true;
      return -1;
    }
    const id = session.nextId + this.staged.length * 2;
    this.staged.push(value);
    this.stagedIds ??= new Map();
    this.stagedIds.set(value, id);
    this.stagedBytes += required;
    return id;
  }

  /** A GetBuffer(r) of .NET's node writer: flushes when r does not fit in 512 bytes. */
  private vreq(r: number): void {
    if (this.vo + r > NET_BUFFER) {
      this.vo = 0;
      this.textNodeOffset = -1;
    }
  }

  /** A write that .NET sends straight to the stream after flushing its buffer. */
  private vdirect(): void {
    this.vo = 0;
    this.textNodeOffset = -1;
  }

  /** A record type byte (WriteNode / WritePrefixNode / WriteByte). */
  private putType(b: number): void {
    this.vreq(1);
    this.ensure(1);
    this.buf[this.pos++] = b;
    this.vo += 1;
  }

  /** Accounts for UTF-8 written in 170-character chunks (UnsafeWriteUTF8Chars). */
  private vutf8Chunks(s: string): void {
    let i = 0;
    let n = s.length;
    while (n > NET_UTF8_CHUNK) {
      let chunk = NET_UTF8_CHUNK;
      if ((s.charCodeAt(i + chunk - 1) & 0xfc00) === 0xd800) chunk--;
      this.vreq(chunk * 3);
      this.vo += utf8LengthStrict(s.slice(i, i + chunk));
      i += chunk;
      n -= chunk;
    }
    if (n > 0) {
      this.vreq(n * 3);
      this.vo += i === 0 ? utf8LengthStrict(s) : utf8LengthStrict(s.slice(i));
    }
  }

  /** Accounts for UTF-16 written in 256-character chunks (UnsafeWriteUnicodeChars). */
  private vutf16Chunks(n: number, s: string): void {
    let i = 0;
    while (n > NET_UTF16_CHUNK) {
      let chunk = NET_UTF16_CHUNK;
      if ((s.charCodeAt(i + chunk - 1) & 0xfc00) === 0xd800) chunk--;
      this.vreq(chunk * 2);
      this.vo += chunk * 2;
      i += chunk;
      n -= chunk;
    }
    if (n > 0) {
      this.vreq(n * 2);
      this.vo += n * 2;
    }
  }

  /** Accounts for WriteBytes: buffered below 512 bytes, else flushed and written directly. */
  private vbytes(n: number): void {
    if (n < NET_BUFFER) {
      this.vreq(n);
      this.vo += n;
    } else this.vdirect();
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  private putInt31(v: number): void {
    this.vreq(5);
    this.vo += v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
    this.ensure(5);
    this.pos = writeMultiByteInt31(this.buf, this.pos, v);
  }

  /** A String structure (MC-NBFX §2.1.3): MultiByteInt31 length + UTF-8. */
  private putString(s: string): void {
    const n = s.length;
    // .NET WriteName: names under 42 characters in one GetBuffer(1 + 3n);
    // longer ones as a length and 170-character UTF-8 chunks.
    if (n === 0) {
      this.vreq(1);
      this.vo += 1;
    } else if (n < 42) this.vreq(1 + n * 3);
    if (n < 0x80) {
      // Optimistic single pass for short ASCII (the usual name or URI).
      this.ensure(1 + n * 3);
      const buf = this.buf;
      if (copyAscii(s, buf, this.pos + 1)) {
        buf[this.pos] = n;
        this.pos += 1 + n;
        if (n >= 42) {
          this.vreq(5);
          this.vo += 1;
          this.vutf8Chunks(s);
        } else if (n > 0) this.vo += 1 + n;
        return;
      }
    }
    const len = utf8LengthStrict(s);
    if (len < 0) loneSurrogate();
    if (n < 42) this.vo += 1 + len;
    else {
      this.vreq(5);
      this.vo += multiByteInt31Length(len);
      this.vutf8Chunks(s);
    }
    this.ensure(5 + len);
    this.pos = writeMultiByteInt31(this.buf, this.pos, len);
    this.putUtf8(s, len);
  }

  private putUtf8(s: string, byteLen: number): void {
    const buf = this.buf;
    if (byteLen === s.length) {
      let p = this.pos;
      for (let i = 0; i < byteLen; i++) buf[p++] = s.charCodeAt(i);
      this.pos = p;
    } else {
      this.pos += buf.write(s, this.pos, byteLen, "utf8");
    }
  }

  /** A string as the smallest text record, like XmlBinaryNodeWriter.WriteText. */
  private putText(s: string): void {
    const n = s.length;
    if (n === 0) {
      this.putTextType(0xa8, 0);
      return;
    }
    if (n === 1) {
      const c = s.charCodeAt(0);
      if (c === 0x30) {
        this.putTextType(0x80, 0);
        return;
      }
      if (c === 0x31) {
        this.putTextType(0x82, 0);
        return;
      }
    }
    if (n <= 0xff) {
      // Optimistic single pass for short ASCII text: Chars8Text.
      // Longer texts: WriteTextNodeWithLength asks for 5 bytes (.NET Framework).
      if (n <= NET_SMALL_TEXT) this.vreq(2 + n * 3);
      else this.vreq(5);
      this.ensure(2 + n);
      const buf = this.buf;
      if (copyAscii(s, buf, this.pos + 2)) {
        this.textNodeOffset = this.pos;
        buf[this.pos] = 0x98;
        buf[this.pos + 1] = n;
        this.pos += 2 + n;
        if (n <= NET_SMALL_TEXT) this.vo += 2 + n;
        else {
          this.vo += 2;
          this.vutf8Chunks(s);
        }
        return;
      }
    }
    const byteLen = utf8LengthStrict(s);
    if (byteLen < 0) loneSurrogate();
    // .NET switches to UTF-16 when UTF-8 would take more than twice the characters.
    const small = n <= NET_SMALL_TEXT;
    if (Math.floor(byteLen / 2) > n) {
      const u16 = n * 2;
      // .NET: short texts in one GetBuffer(2 + 3n), long ones as a header
      // (GetBuffer(5)) and chunks.
      if (small) this.putLengthType(0xb6, u16, 2 + n * 3, 2 + u16);
      else {
        this.putLengthType(0xb6, u16, 5, u16 <= 0xff ? 2 : u16 <= 0xffff ? 3 : 5);
        this.vutf16Chunks(n, s);
      }
      const buf = this.buf;
      let p = this.pos;
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        buf[p++] = c & 0xff;
        buf[p++] = c >>> 8;
      }
      this.pos = p;
    } else {
      if (small) this.putLengthType(0x98, byteLen, 2 + n * 3, 2 + byteLen);
      else {
        this.putLengthType(0x98, byteLen, 5, byteLen <= 0xff ? 2 : byteLen <= 0xffff ? 3 : 5);
        this.vutf8Chunks(s);
      }
      this.putUtf8(s, byteLen);
    }
  }

  /** Chars/Bytes/UnicodeChars 8/16/32 record header (`base` is the 8-bit form). */
  private putLengthType(base: number, len: number, request: number, advance: number): void {
    if (len <= 0xff) {
      this.putTextType(base, 1 + len, request, advance);
      this.buf[this.pos++] = len;
    } else if (len <= 0xffff) {
      this.putTextType(base + 2, 2 + len, request, advance);
      this.buf.writeUInt16LE(len, this.pos);
      this.pos += 2;
    } else {
      this.putTextType(base + 4, 4 + len, request, advance);
      this.buf.writeInt32LE(len, this.pos);
      this.pos += 4;
    }
  }

  private putDictionaryText(d: DictionaryString): void {
    const id = this.nameId(d);
    if (id < 0) {
      this.putText(d.value);
      return;
    }
    this.putTextType(0xaa, 5, 1, 1);
    this.putInt31(id);
  }

  private putInt32Text(v: number): void {
    if (v === 0) this.putTextType(0x80, 0);
    else if (v === 1) this.putTextType(0x82, 0);
    else if (v >= -128 && v <= 127) {
      this.putTextType(0x88, 1);
      this.buf[this.pos++] = v & 0xff;
    } else if (v >= -32768 && v <= 32767) {
      this.putTextType(0x8a, 2);
      this.buf[this.pos] = v & 0xff;
      this.buf[this.pos + 1] = (v >> 8) & 0xff;
      this.pos += 2;
    } else {
      this.putTextType(0x8c, 4);
      const b = this.buf;
      const p = this.pos;
      b[p] = v & 0xff;
      b[p + 1] = (v >> 8) & 0xff;
      b[p + 2] = (v >> 16) & 0xff;
      b[p + 3] = (v >>> 24) & 0xff;
      this.pos = p + 4;
    }
  }

  private putInt64Text(v: bigint): void {
    if (v >= -2147483648n && v <= 2147483647n) {
      this.putInt32Text(Number(v));
      return;
    }
    this.putTextType(0x8e, 8);
    this.buf.writeBigInt64LE(v, this.pos);
    this.pos += 8;
  }

  private putUInt64Text(v: bigint): void {
    if (v <= INT64_MAX) {
      this.putInt64Text(v);
      return;
    }
    this.putTextType(0xb2, 8);
    this.buf.writeBigUInt64LE(v, this.pos);
    this.pos += 8;
  }

  private putFloatText(value: number): void {
    const f = Math.fround(value);
    if (this.putWholeNumber(f)) return;
    this.putTextType(0x90, 4);
    // .NET's float.NaN has the sign bit set (0xFFC00000).
    if (Number.isNaN(f)) this.buf.writeUInt32LE(0xffc00000, this.pos);
    else this.buf.writeFloatLE(f, this.pos);
    this.pos += 4;
  }

  private putDoubleText(d: number): void {
    // .NET Framework's WriteDoubleText: a finite double that is exactly a
    // float32 goes through WriteFloatText (which turns whole numbers into
    // integers); anything else, infinities and NaN included, is DoubleText.
    if (Math.abs(d) <= FLT_MAX && Math.fround(d) === d) {
      this.putFloatText(d);
      return;
    }
    this.putTextType(0x92, 8);
    // .NET's double.NaN has the sign bit set (0xFFF8000000000000).
    if (Number.isNaN(d)) {
      this.buf.writeUInt32LE(0, this.pos);
      this.buf.writeUInt32LE(0xfff80000, this.pos + 4);
    } else this.buf.writeDoubleLE(d, this.pos);
    this.pos += 8;
  }

  /**
   * .NET Framework's XmlBinaryNodeWriter (and Mono's, checked against it)
   * writes a float or double holding a whole number in Int64 range as an
   * integer record. (dotnet/runtime later narrowed this to Int16 range; WCF
   * peers run the Framework, so we follow it.)
   */
  private putWholeNumber(x: number): boolean {
    if (!Number.isInteger(x)) return false;
    if (x >= -2147483648 && x <= 2147483647) {
      this.putInt32Text(x === 0 ? 0 : x);
      return true;
    }
    if (x >= -TWO_POW_63 && x < TWO_POW_63) {
      this.putInt64Text(BigInt(x));
      return true;
    }
    return false;
  }

  private putDecimalText(d: Decimal): void {
    this.putTextType(0x94, 16);
    putDecimal(this.buf, this.pos, d);
    this.pos += 16;
  }

  private putDateTimeText(d: XmlDateTime): void {
    this.putTextType(0x96, 8);
    this.buf.writeBigUInt64LE(d.ticks | (KIND_BITS[d.kind] << 62n), this.pos);
    this.pos += 8;
  }

  private putGuidText(type: number, s: string): void {
    this.putTextType(type, 16);
    guidToBytes(s, this.buf, this.pos);
    this.pos += 16;
  }

  private putBytesText(b: Uint8Array): void {
    this.putBytesHeader(b.length);
    this.vbytes(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** Bytes8/16/32Text type and length, with room for the payload. */
  private putBytesHeader(len: number): void {
    // WriteTextNodeWithLength: GetTextNodeBuffer(5) in .NET Framework (later
    // runtimes ask for just the header), then the payload apart.
    const hdr = len <= 0xff ? 2 : len <= 0xffff ? 3 : 5;
    if (len <= 0xff) {
      this.putTextType(0x9e, 1 + len, 5, hdr);
      this.buf[this.pos++] = len;
    } else if (len <= 0xffff) {
      this.putTextType(0xa0, 2 + len, 5, hdr);
      this.buf.writeUInt16LE(len, this.pos);
      this.pos += 2;
    } else {
      this.putTextType(0xa2, 4 + len, 5, hdr);
      this.buf.writeInt32LE(len, this.pos);
      this.pos += 4;
    }
  }

  private putList(items: readonly XmlValue[]): void {
    this.putType(0xa4);
    for (const item of items) {
      if (item.type === "list") throw new NbfsError("invalid-value", "lists cannot nest");
      this.putValue(item);
    }
    this.putType(0xa6);
    // EndListText has no *WithEndElement form.
    this.textNodeOffset = -1;
  }

  /** Writes one value as a record (no fusion bookkeeping beyond the record itself). */
  private putValue(v: XmlValue): void {
    switch (v.type) {
      case "string":
        this.putText(v.value);
        return;
      case "dictionary":
        this.putDictionaryText(v.value);
        return;
      case "int32":
        this.putInt32Text(v.value);
        return;
      case "int64":
        this.putInt64Text(v.value);
        return;
      case "uint64":
        this.putUInt64Text(v.value);
        return;
      case "bool":
        this.putTextType(v.value ? 0x86 : 0x84, 0);
        return;
      case "float":
        this.putFloatText(v.value);
        return;
      case "double":
        this.putDoubleText(v.value);
        return;
      case "decimal":
        this.putDecimalText(v.value);
        return;
      case "datetime":
        this.putDateTimeText(v.value);
        return;
      case "timespan":
        this.putTextType(0xae, 8);
        this.buf.writeBigInt64LE(v.value, this.pos);
        this.pos += 8;
        return;
      case "guid":
        this.putGuidText(0xb0, v.value);
        return;
      case "uniqueid":
        this.putGuidText(0xac, v.value);
        return;
      case "base64":
        this.putBytesText(v.value);
        return;
      case "qname": {
        const single = singleLetter(v.prefix);
        const id = single >= 0 ? this.nameId(v.localName, true) : -1;
        if (id >= 0) {
          this.putTextType(0xbc, 6, 1, 1);
          this.vreq(1);
          this.vo += 1;
          this.buf[this.pos++] = single;
          this.putInt31(id);
        } else {
          this.putText(v.prefix === "" ? v.localName.value : `${v.prefix}:${v.localName.value}`);
        }
        return;
      }
      case "list":
        this.putList(v.items);
        return;
    }
  }
}

function nameValue(n: XmlName): string {
  return typeof n === "string" ? n : n.value;
}

function partString(v: XmlValue): string {
  return valueToString(v);
}

/** 0–25 for a single lowercase letter prefix, else -1. */
function singleLetter(prefix: string): number {
  if (prefix.length !== 1) return -1;
  const c = prefix.charCodeAt(0) - 0x61;
  return c >= 0 && c < 26 ? c : -1;
}

function guidString(b: Uint8Array): string {
  if (b.length !== 16) throw new NbfsError("invalid-value", "a GUID has 16 bytes");
  return guidFromBytes(b);
}

function checkDecimal(d: Decimal): void {
  if (
    !Number.isInteger(d.scale) ||
    d.scale < 0 ||
    d.scale > 28 ||
    d.mantissa < 0n ||
    d.mantissa >= TWO_POW_96
  ) {
    throw new NbfsError("invalid-value", "decimal out of range");
  }
}

/** MS-OAUT §2.2.26 DECIMAL: wReserved, scale, sign, Hi32, Lo64. */
function putDecimal(buf: Buffer, p: number, d: Decimal): void {
  buf[p] = 0;
  buf[p + 1] = 0;
  buf[p + 2] = d.scale;
  buf[p + 3] = d.negative ? 0x80 : 0;
  const m = d.mantissa;
  if (m <= MAX_SAFE) {
    // Common case: no BigInt arithmetic.
    const n = Number(m);
    const lo = n % 0x1_0000_0000;
    const hi = Math.floor(n / 0x1_0000_0000);
    buf[p + 4] = 0;
    buf[p + 5] = 0;
    buf[p + 6] = 0;
    buf[p + 7] = 0;
    buf[p + 8] = lo & 0xff;
    buf[p + 9] = (lo >>> 8) & 0xff;
    buf[p + 10] = (lo >>> 16) & 0xff;
    buf[p + 11] = lo >>> 24;
    buf[p + 12] = hi & 0xff;
    buf[p + 13] = (hi >>> 8) & 0xff;
    buf[p + 14] = (hi >>> 16) & 0xff;
    buf[p + 15] = hi >>> 24;
  } else {
    buf.writeUInt32LE(Number(m >> 64n), p + 4);
    buf.writeBigUInt64LE(m & 0xffff_ffff_ffff_ffffn, p + 8);
  }
}

/** Checks every item before anything is written, so a bad item leaves no partial record. */
function validateArray(array: XmlArray): void {
  const n = array.values.length;
  const bad = (i: number): never => {
    throw new NbfsError("invalid-value", `${array.type} array item ${i} is out of range`);
  };
  switch (array.type) {
    case "int16":
      for (let i = 0; i < n; i++) {
        const v = array.values[i]!;
        if (!Number.isInteger(v) || v < -32768 || v > 32767) bad(i);
      }
      break;
    case "int32":
      for (let i = 0; i < n; i++) {
        const v = array.values[i]!;
        if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647) bad(i);
      }
      break;
    case "int64":
    case "timespan":
      for (let i = 0; i < n; i++) {
        const v = array.values[i]!;
        if (typeof v !== "bigint" || v < INT64_MIN || v > INT64_MAX) bad(i);
      }
      break;
    case "decimal":
      for (let i = 0; i < n; i++) checkDecimal(array.values[i]!);
      break;
    case "datetime":
      for (let i = 0; i < n; i++) {
        const d = array.values[i]!;
        const limit = d.kind === "local" ? (1n << 62n) - 1n : MAX_DATETIME_TICKS;
        if (KIND_BITS[d.kind] === undefined || d.ticks < 0n || d.ticks > limit) bad(i);
      }
      break;
    case "guid":
      for (let i = 0; i < n; i++) if (!isGuidString(array.values[i]!)) bad(i);
      break;
    default:
      break;
  }
}

/**
 * Copies `s` into `buf` at `at` as one byte per character while it is
 * ASCII; true when all of it was (then `s.length` bytes were written).
 * The optimistic first pass of the name and text writers.
 */
function copyAscii(s: string, buf: Uint8Array, at: number): boolean {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return false;
    buf[at + i] = c;
  }
  return true;
}
