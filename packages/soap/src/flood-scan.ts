import {
  DEFAULT_QUOTAS,
  guidFromBytes,
  NBFS_DICTIONARY,
  type ReaderQuotas,
  resolveQuotas,
  type SessionDictionary,
} from "@prch/nbfs";
import { NS } from "./constants.js";
import type { EncodedDocument, MessageSource } from "./encoder.js";
import type { ParsedFloodHeaders } from "./peer.js";
import { FIXED_SIZE, PREFIX_WIDTH, prefixLength } from "./remap.js";
import { valueToUInt64 } from "./values.js";

/**
 * A fast look at a received binary flood message: the four peer headers
 * (WINDOWS-NOTES §1.3) and the hop count, read straight from the MC-NBFX
 * records without building a message, so that the many duplicate copies a
 * flooding mesh receives (MC-PRCH §3.1.5.9.1.1 step 4: a message seen
 * before is dropped) cost a walk over the headers and nothing else.
 *
 * The scan is deliberately narrow. It answers only for documents a full
 * decode would accept with the same values: a SOAP 1.2 envelope, an
 * Action header, exactly one of each peer header, values in the record
 * forms WCF writes them in, within the reader quotas. For anything else —
 * other record forms, a comment, an Array, a StringTable that adds
 * strings, a duplicate header, a value that is not a GUID — it returns
 * undefined and the caller decodes the message the ordinary way, which
 * reports the precise error. It never throws.
 */
export interface ScannedFlood extends ParsedFloodHeaders, EncodedDocument {
  /** The wsa:Action, as the decoder would read it. */
  readonly action: string;
  /** The received document, for relaying it without a decode (see `relayScanned`). */
  readonly source: MessageSource;
  /** Byte span of the Hops header element, when there is one. */
  readonly hopsSpan: { readonly start: number; readonly end: number } | undefined;
  /** Byte span of the whole Header element (see `BinaryMessageEncoder.decodeBody`). */
  readonly headersSpan: { readonly start: number; readonly end: number };
  /**
   * When the MessageID was a UniqueId record (as WCF writes it): its 16
   * bytes, in record order (.NET `Guid.ToByteArray`), as a one-byte string
   * (char code = byte value) — the dedup key Windows uses (WINDOWS-NOTES
   * §1.3), cheaper to make and to hash than the GUID text. `messageId` (the
   * text) is then built only when first read. Undefined for a text MessageID.
   */
  readonly messageKey: string | undefined;
  /**
   * Offset just after the Body's start record, when the Body carries no
   * attributes besides namespace declarations (see {@link scanBinaryBody}).
   */
  readonly bodyStart: number | undefined;
}

/** Limits of a scan: the decoder's own (message size, depth, string length, header count). */
export interface ScanLimits {
  readonly quotas?: Partial<ReaderQuotas>;
  readonly maxHeaders?: number;
}

/** Which header an element is, when it is one the scan looks at. */
enum H {
  Other = 0,
  Action = 1,
  FloodMessage = 2,
  MessageID = 3,
  PeerVia = 4,
  PeerTo = 5,
  Hops = 6,
}

const EMPTY = new Uint8Array(0);
/** Namespace declarations in scope at once; more and the decoder judges the document. */
const MAX_NS = 64;
// Node's native one-byte string builder accepts any Uint8Array as `this`.
const latin1 = (
  Buffer.prototype as unknown as {
    latin1Slice?: (this: Uint8Array, start: number, end: number) => string;
  }
).latin1Slice;

/** `b[start, end)` as a string of one char per byte (latin1). */
function oneByteString(b: Uint8Array, start: number, end: number): string {
  return latin1 !== undefined
    ? latin1.call(b, start, end)
    : String.fromCharCode.apply(null, b.subarray(start, end) as never);
}

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Thrown inside the scan to give up; caught at the top. */
class GiveUp {}
const GIVE_UP = new GiveUp();

/** A forward-only walk over the records of one document, keeping xmlns scopes. */
class Scan {
  private b: Uint8Array = EMPTY;
  private p = 0;
  private end = 0;
  private session: SessionDictionary | undefined = undefined;
  private q: ReaderQuotas = DEFAULT_QUOTAS;
  // In-scope xmlns declarations, innermost last: prefix, then namespace as text.
  // Fixed-size stacks with counters: no array resizing per element.
  private readonly nsPrefix: string[] = new Array<string>(MAX_NS).fill("");
  private readonly nsUri: string[] = new Array<string>(MAX_NS).fill("");
  private nsLen = 0;
  private readonly scopeLen: number[] = [];
  private depth = 0;
  // The element just read.
  private name = "";
  private prefix = "";
  /** Attributes of the element just read that are not namespace declarations. */
  plainAttributes = 0;
  /**
   * Set by {@link readText} when the value was a UniqueIdText: the offset of
   * its 16 bytes (else -1); readText then returns "" and {@link textOf}
   * gives the text. The text is built only when asked for: most copies are
   * duplicates, recognised by the bytes.
   */
  guidAt = -1;

  /** The 16 bytes at `at` as a one-byte string (char code = byte). */
  bytesKey(at: number): string {
    return oneByteString(this.b, at, at + 16);
  }

  /** Starts over on a new document (one instance serves every scan; scans do not nest). */
  reset(
    b: Uint8Array,
    start: number,
    session: SessionDictionary | undefined,
    quotas: ReaderQuotas,
  ): this {
    this.b = b;
    this.p = start;
    this.end = b.length;
    this.session = session;
    this.q = quotas;
    this.nsLen = 0;
    this.depth = 0;
    return this;
  }

  /** Drops the references to the last document. */
  release(): void {
    this.b = EMPTY;
    this.session = undefined;
  }

  get pos(): number {
    return this.p;
  }

  private byte(): number {
    if (this.p >= this.end) throw GIVE_UP;
    return this.b[this.p++]!;
  }

  private mb31(): number {
    const b = this.b;
    const p = this.p;
    // One or two bytes cover every static name (keys below 16384) and most session ids.
    if (p + 1 < this.end) {
      const x0 = b[p]!;
      if (x0 < 0x80) {
        this.p = p + 1;
        return x0;
      }
      const x1 = b[p + 1]!;
      if (x1 < 0x80) {
        this.p = p + 2;
        return (x0 & 0x7f) | (x1 << 7);
      }
    }
    let v = 0;
    for (let i = 0; i < 5; i++) {
      const x = this.byte();
      v += (x & 0x7f) * 2 ** (7 * i);
      if ((x & 0x80) === 0) {
        if (v > 0x7fffffff) throw GIVE_UP;
        return v;
      }
    }
    throw GIVE_UP;
  }

  /** A length-prefixed UTF-8 String (MC-NBFX §2.1.3). */
  private str(): string {
    const n = this.mb31();
    if (n > this.q.maxStringContentLength || this.p + n > this.end) throw GIVE_UP;
    if (n === 1) {
      // One-letter prefixes (xmlns:s, xmlns:a) on every copy: no native string call.
      const c = this.b[this.p]!;
      if (c >= 0x61 && c <= 0x7a) {
        this.p++;
        return LETTERS[c - 0x61]!;
      }
    }
    const s = this.text(this.p, n);
    this.p += n;
    return s;
  }

  private text(at: number, n: number): string {
    const b = this.b;
    let ascii = true;
    for (let i = at; i < at + n; i++) {
      if (b[i]! >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) return oneByteString(b, at, at + n);
    try {
      return utf8.decode(b.subarray(at, at + n));
    } catch {
      throw GIVE_UP;
    }
  }

  /**
   * A header value's text, from a few recently seen ones when the bytes
   * match: every copy of every flood on a channel carries the same PeerVia
   * and PeerTo, and the engine then checks one string object, not a new one.
   */
  private recent(at: number, n: number): string {
    const b = this.b;
    for (let k = 0; k < RECENT; k++) {
      const key = recentBytes[k]!;
      if (key.length !== n) continue;
      let i = 0;
      while (i < n && key[i] === b[at + i]) i++;
      if (i === n) return recentText[k]!;
    }
    const s = this.text(at, n);
    if (n <= 256) {
      // A copy (Buffer#slice would be a view pinning the socket chunk).
      recentBytes[recentNext] = Uint8Array.prototype.slice.call(b, at, at + n);
      recentText[recentNext] = s;
      recentNext = (recentNext + 1) % RECENT;
    }
    return s;
  }

  /** A DictionaryString's text: static (even key) or session (odd). */
  /** Reads a DictionaryString and returns its text: static (even key) or session (odd). */
  private dict(): string {
    const key = this.mb31();
    const s = (key & 1) === 0 ? NBFS_DICTIONARY.get(key) : this.session?.get(key);
    if (s === undefined) throw GIVE_UP;
    return s;
  }

  private resolve(prefix: string): string {
    for (let i = this.nsLen - 1; i >= 0; i--) {
      if (this.nsPrefix[i] === prefix) return this.nsUri[i]!;
    }
    if (prefix === "") return "";
    throw GIVE_UP; // an undeclared prefix: let the decoder report it
  }

  /**
   * Reads an element start record and its attributes, opening a namespace
   * scope. Returns false when the next record is not an element start.
   */
  element(): boolean {
    if (this.p >= this.end) throw GIVE_UP;
    const t = this.b[this.p]!;
    if (t < 0x40 || t > 0x77) return false;
    this.p++;
    if (t === 0x40) {
      this.prefix = "";
      this.name = this.str();
    } else if (t === 0x41) {
      this.prefix = this.str();
      this.name = this.str();
    } else if (t === 0x42) {
      this.prefix = "";
      this.name = this.dict();
    } else if (t === 0x43) {
      this.prefix = this.str();
      this.name = this.dict();
    } else if (t <= 0x5d) {
      this.prefix = LETTERS[t - 0x44]!;
      this.name = this.dict();
    } else {
      this.prefix = LETTERS[t - 0x5e]!;
      this.name = this.str();
    }
    if (this.depth >= this.q.maxDepth) throw GIVE_UP;
    this.scopeLen[this.depth++] = this.nsLen;
    this.plainAttributes = 0;
    this.attributes();
    return true;
  }

  /** The namespace of the element just read. */
  namespace(): string {
    return this.resolve(this.prefix);
  }

  /** Local name of the element just read. */
  get localName(): string {
    return this.name;
  }

  private attributes(): void {
    for (;;) {
      if (this.p >= this.end) throw GIVE_UP;
      const t = this.b[this.p]!;
      if (t < 0x04 || t > 0x3f) return;
      this.p++;
      switch (t) {
        case 0x04:
          this.plainAttributes++;
          this.skipString();
          this.skipText();
          break;
        case 0x05:
          this.plainAttributes++;
          this.skipString();
          this.skipString();
          this.skipText();
          break;
        case 0x06:
          this.plainAttributes++;
          this.dict();
          this.skipText();
          break;
        case 0x07:
          this.plainAttributes++;
          this.skipString();
          this.dict();
          this.skipText();
          break;
        case 0x08:
          this.declare("", this.str());
          break;
        case 0x09: {
          const prefix = this.str();
          this.declare(prefix, this.str());
          break;
        }
        case 0x0a:
          this.declare("", this.dict());
          break;
        case 0x0b: {
          const prefix = this.str();
          this.declare(prefix, this.dict());
          break;
        }
        default:
          // PrefixDictionaryAttribute (0x0C–0x25) or PrefixAttribute (0x26–0x3F).
          this.plainAttributes++;
          if (t <= 0x25) this.dict();
          else this.skipString();
          this.skipText();
      }
    }
  }

  private declare(prefix: string, uri: string): void {
    if (this.nsLen >= MAX_NS) throw GIVE_UP;
    this.nsPrefix[this.nsLen] = prefix;
    this.nsUri[this.nsLen++] = uri;
  }

  private skipString(): void {
    const n = this.mb31();
    if (n > this.q.maxStringContentLength || this.p + n > this.end) throw GIVE_UP;
    this.p += n;
  }

  /** Reads an EndElement record and closes its scope; false when the next record is not one. */
  endElement(): boolean {
    if (this.p >= this.end || this.b[this.p] !== 0x01) return false;
    this.p++;
    this.close();
    return true;
  }

  /** Closes the innermost element's namespace scope. */
  close(): void {
    if (this.depth === 0) throw GIVE_UP;
    this.nsLen = this.scopeLen[--this.depth]!;
  }

  /** Skips one text record that is an attribute value (no WithEndElement form). */
  private skipText(): void {
    const t = this.byte();
    if (t < 0x80 || t > 0xbd || (t & 1) === 1) throw GIVE_UP;
    this.skipTextBody(t);
  }

  /** Skips the payload of text record `t` (its type byte already read). */
  private skipTextBody(t: number): void {
    const base = t & 0xfe;
    const fixed = FIXED_SIZE[base]!;
    if (fixed >= 0) {
      if (base === 0xa4 || base === 0xa6) throw GIVE_UP; // lists
      if (this.p + fixed > this.end) throw GIVE_UP;
      this.p += fixed;
      return;
    }
    if (base === 0xaa) {
      this.dict();
      return;
    }
    if (base === 0xbc) {
      this.byte();
      this.dict();
      return;
    }
    const n = this.lengthOf(base);
    this.p += n;
  }

  /** Reads the length of a length-prefixed text record and checks it. */
  private lengthOf(base: number): number {
    const width = PREFIX_WIDTH[base]!;
    if (width === 0 || this.p + width > this.end) throw GIVE_UP;
    const n = prefixLength(this.b, this.p, width);
    this.p += width;
    if (n < 0 || this.p + n > this.end) throw GIVE_UP;
    const limit =
      base >= 0x9e && base <= 0xa2 ? this.q.maxArrayLength : this.q.maxStringContentLength;
    if (n > limit) throw GIVE_UP;
    return n;
  }

  /**
   * Reads the content of the element just opened as text, through its end.
   * Only the forms a header value takes are read; others give up.
   */
  readText(): string | bigint {
    this.guidAt = -1;
    let out: string | bigint = "";
    let parts = 0;
    for (;;) {
      const t = this.byte();
      if (t === 0x01) break;
      if (t < 0x80 || t > 0xbd) throw GIVE_UP; // a nested element, comment or array
      if (++parts > 1) throw GIVE_UP; // split values: leave to the decoder
      const base = t & 0xfe;
      switch (base) {
        case 0x98:
        case 0x9a:
        case 0x9c: {
          const n = this.lengthOf(base);
          out = this.recent(this.p, n);
          this.p += n;
          break;
        }
        case 0xaa:
          out = this.dict();
          break;
        case 0xac:
          if (this.p + 16 > this.end) throw GIVE_UP;
          // The text form is built by the caller only if needed (see textOf).
          this.guidAt = this.p;
          out = "";
          this.p += 16;
          break;
        case 0xa8:
          out = "";
          break;
        case 0x80:
          out = 0n;
          break;
        case 0x82:
          out = 1n;
          break;
        case 0x88:
        case 0x8a:
        case 0x8c:
        case 0x8e:
        case 0xb2:
          out = this.integer(base);
          break;
        default:
          throw GIVE_UP;
      }
      if ((t & 1) === 1) break; // WithEndElement
    }
    this.close();
    return out;
  }

  private integer(base: number): bigint {
    const size = FIXED_SIZE[base]!;
    if (this.p + size > this.end) throw GIVE_UP;
    const dv = new DataView(this.b.buffer, this.b.byteOffset + this.p, size);
    this.p += size;
    switch (base) {
      case 0x88:
        return BigInt(dv.getInt8(0));
      case 0x8a:
        return BigInt(dv.getInt16(0, true));
      case 0x8c:
        return BigInt(dv.getInt32(0, true));
      case 0x8e:
        return dv.getBigInt64(0, true);
      default:
        return dv.getBigUint64(0, true);
    }
  }

  /** The text of a value {@link readText} returned: `urn:uuid:…` for a UniqueIdText. */
  textOf(v: string): string {
    return this.guidAt < 0 ? v : `urn:uuid:${guidFromBytes(this.b, this.guidAt)}`;
  }

  /**
   * From the Body's content on, in a fresh scope (see {@link scanBinaryBody}):
   * the spans of a `base64Binary` body's bytes, reading to the end of the
   * document; undefined for any other body. Never throws.
   */
  binaryBody(): number[] | undefined {
    try {
      if (!this.element() || this.plainAttributes !== 0) return undefined;
      // The scope starts empty, so the element must declare its own namespace.
      if (this.name !== "base64Binary" || this.namespace() !== NS.serialization) return undefined;
      const spans: number[] = [];
      let open = true;
      while (open) {
        const t = this.byte();
        if (t === 0x01) break;
        const base = t & 0xfe;
        // Bytes8Text, Bytes16Text, Bytes32Text (MC-NBFX §2.2.3.12–14); anything else: decode.
        if (base !== 0x9e && base !== 0xa0 && base !== 0xa2) return undefined;
        const n = this.lengthOf(base);
        spans.push(this.p, this.p + n);
        this.p += n;
        if ((t & 1) === 1) open = false; // WithEndElement
      }
      this.close();
      // The ends of Body and Envelope, and nothing after them.
      const b = this.b;
      const p = this.p;
      return p + 2 === this.end && b[p] === 0x01 && b[p + 1] === 0x01 ? spans : undefined;
    } catch {
      return undefined;
    }
  }

  /** Skips the rest of the element just opened (nested content included). */
  skipElement(): void {
    let depth = 1;
    while (depth > 0) {
      if (this.element()) {
        depth++;
        continue;
      }
      const t = this.byte();
      if (t === 0x01) {
        this.close();
        depth--;
      } else if (t >= 0x80 && t <= 0xbd) {
        this.skipTextBody(t);
        if ((t & 1) === 1) {
          this.close();
          depth--;
        }
      } else throw GIVE_UP; // comments, arrays, undefined records
    }
  }
}

const LETTERS = "abcdefghijklmnopqrstuvwxyz".split("");

/** True when the next record opens the SOAP 1.2 element `name`. */
function opens(s: Scan, name: string): boolean {
  return s.element() && s.localName === name && s.namespace() === NS.soap12;
}

/** Which header the element just read is (by local name and namespace). */
function classify(s: Scan): H {
  const name = s.localName;
  if (name === "Action") {
    return s.namespace() === NS.wsa10 ? H.Action : H.Other;
  }
  let h: H;
  switch (name) {
    case "FloodMessage":
      h = H.FloodMessage;
      break;
    case "MessageID":
      h = H.MessageID;
      break;
    case "PeerVia":
      h = H.PeerVia;
      break;
    case "PeerTo":
      h = H.PeerTo;
      break;
    case "Hops":
      return s.namespace() === NS.peerHopCount ? H.Hops : H.Other;
    default:
      return H.Other;
  }
  return s.namespace() === NS.peer ? h : H.Other;
}

/**
 * Scans a received binary document for the flood headers (see
 * {@link ScannedFlood}). `bytes` is the whole envelope payload as the
 * binary encoder would decode it: with a `session`, it starts with the
 * MC-NBFSE StringTable, which must be empty (a table that adds strings
 * changes the session, so such a message goes through the decoder).
 * Returns undefined when the message is not a flood or the scan cannot
 * vouch for it.
 */
export function scanFlood(
  bytes: Uint8Array,
  session: SessionDictionary | undefined,
  limits: ScanLimits = NO_LIMITS,
): ScannedFlood | undefined {
  const q = quotasOf(limits);
  if (bytes.length > q.maxDocumentSize) return undefined;
  let start = 0;
  if (session !== undefined) {
    if (bytes.length === 0 || bytes[0] !== 0) return undefined;
    start = 1;
  }
  try {
    return scan(
      SCAN.reset(bytes, start, session, q),
      bytes,
      start,
      session,
      limits.maxHeaders ?? 64,
    );
  } catch {
    // GIVE_UP, or a bug here: either way the decoder gets to judge the message.
    return undefined;
  } finally {
    SCAN.release();
  }
}

/**
 * The body of a scanned flood read as bytes, when it is exactly one
 * `base64Binary` element in the serialization namespace that declares that
 * namespace itself and holds Bytes8/16/32 records only (what WCF's
 * DataContractSerializer writes for a `byte[]`, and what `@prch/node` sends
 * for a `Uint8Array` body), followed by the ends of Body and Envelope and
 * nothing else: the byte spans of its content in `flood.source.bytes`, as
 * start/end pairs, in order. Otherwise undefined (read the body by a
 * decode). Separate from {@link scanFlood} because only delivered copies
 * need it, not the duplicates. Never throws.
 */
export function scanBinaryBody(
  flood: ScannedFlood,
  limits: ScanLimits = NO_LIMITS,
): number[] | undefined {
  const at = flood.bodyStart;
  if (at === undefined) return undefined;
  const q = quotasOf(limits);
  const src = flood.source;
  try {
    return SCAN.reset(src.bytes, at, src.session, q).binaryBody();
  } finally {
    SCAN.release();
  }
}

const SCAN = new Scan();
const RECENT = 4;
const recentBytes: Uint8Array[] = Array.from({ length: RECENT }, () => new Uint8Array(0));
const recentText: string[] = Array.from({ length: RECENT }, () => "");
let recentNext = 0;
const NO_LIMITS: ScanLimits = {};
/** Resolved quotas per limits object: callers pass the same one for every message. */
const resolved = new WeakMap<ScanLimits, ReaderQuotas>();

function quotasOf(limits: ScanLimits): ReaderQuotas {
  let q = resolved.get(limits);
  if (q === undefined) {
    q = resolveQuotas(limits.quotas);
    resolved.set(limits, q);
  }
  return q;
}

function scan(
  s: Scan,
  bytes: Uint8Array,
  start: number,
  session: SessionDictionary | undefined,
  maxHeaders: number,
): ScannedFlood | undefined {
  if (!opens(s, "Envelope")) return undefined;
  const headersStart = s.pos;
  if (!opens(s, "Header")) return undefined;
  let action: string | undefined;
  let flood: string | undefined;
  let id: string | undefined;
  let idAt = -1;
  let via: string | undefined;
  let to: string | undefined;
  let hops: string | bigint | undefined;
  let hopsSpan: { start: number; end: number } | undefined;
  let count = 0;
  for (;;) {
    const at = s.pos;
    if (!s.element()) break;
    if (++count > maxHeaders) return undefined;
    const h = classify(s);
    switch (h) {
      case H.Other:
        s.skipElement();
        continue;
      case H.Action: {
        if (action !== undefined) return undefined;
        const v = s.readText();
        if (typeof v !== "string") return undefined;
        action = s.textOf(v).trim();
        continue;
      }
      case H.Hops:
        if (hops !== undefined) return undefined;
        hops = s.readText();
        if (typeof hops === "string") hops = s.textOf(hops);
        hopsSpan = { start: at, end: s.pos };
        continue;
    }
    const v = s.readText();
    if (typeof v !== "string") return undefined;
    switch (h) {
      case H.FloodMessage:
        if (flood !== undefined) return undefined;
        flood = s.textOf(v);
        break;
      case H.MessageID:
        if (id !== undefined) return undefined;
        idAt = s.guidAt;
        id = idAt < 0 ? v : "";
        break;
      case H.PeerVia:
        if (via !== undefined) return undefined;
        via = s.textOf(v);
        break;
      case H.PeerTo:
        if (to !== undefined) return undefined;
        to = s.textOf(v);
        break;
    }
  }
  // The Header's end, then the Body's start.
  if (!s.endElement()) return undefined;
  const headersEnd = s.pos;
  if (!opens(s, "Body")) return undefined;
  const bodyStart = s.plainAttributes === 0 ? s.pos : undefined;
  if (
    action === undefined ||
    flood === undefined ||
    id === undefined ||
    via === undefined ||
    to === undefined
  )
    return undefined;
  if (flood.trim() !== "PeerFlooder") return undefined;
  // WCF writes the id as a UniqueIdText, which is a GUID by construction:
  // its 16 bytes are the key, its text is made when someone asks.
  let messageId: string | undefined;
  let messageKey: string | undefined;
  if (idAt >= 0) {
    messageKey = s.bytesKey(idAt);
  } else {
    messageId = id.trim().toLowerCase();
    if (messageId.startsWith("urn:uuid:")) messageId = messageId.slice(9);
    if (!GUID_RE.test(messageId)) return undefined;
  }
  const peerVia = via.trim();
  if (peerVia === "") return undefined;
  let hopCount: bigint | "invalid" | undefined;
  if (typeof hops === "bigint") {
    hopCount = hops >= 0n && hops <= 0xffffffffffffffffn ? hops : "invalid";
  } else if (hops !== undefined) {
    try {
      hopCount = valueToUInt64({ type: "string", value: hops });
    } catch {
      hopCount = "invalid";
    }
  }
  return new Scanned(
    action,
    messageId,
    idAt,
    messageKey,
    to.trim(),
    peerVia,
    hopCount,
    hopsSpan,
    { start: headersStart, end: headersEnd },
    bodyStart,
    session !== undefined
      ? { kind: "binary", bytes, documentStart: start, session }
      : { kind: "binary", bytes, documentStart: start },
  );
}

/** A {@link ScannedFlood} whose MessageID text is built on first use. */
class Scanned implements ScannedFlood {
  constructor(
    readonly action: string,
    private id: string | undefined,
    private readonly idAt: number,
    readonly messageKey: string | undefined,
    readonly peerTo: string,
    readonly peerVia: string,
    readonly hops: bigint | "invalid" | undefined,
    readonly hopsSpan: { readonly start: number; readonly end: number } | undefined,
    readonly headersSpan: { readonly start: number; readonly end: number },
    readonly bodyStart: number | undefined,
    readonly source: MessageSource,
  ) {}

  get messageId(): string {
    if (this.id === undefined) this.id = guidFromBytes(this.source.bytes, this.idAt);
    return this.id;
  }
}
