import type { SessionDictionary } from "@prch/nbfs";
import { SoapError } from "./errors.js";

/**
 * A one-pass copier for MC-NBFX record streams that rewrites MC-NBFSE
 * session-string references (odd DictionaryString ids, MC-NBFSE §2.2) from
 * one session's numbering to another's, or to inline strings when the
 * target has no session. Everything else is copied byte for byte: no XML
 * is parsed, no value is re-encoded. Used to relay flood messages between
 * neighbors, whose sessions number their strings independently.
 */

/** Fixed payload sizes of text records (even record types, MC-NBFX §2.2.3). */
const FIXED_TEXT: Readonly<Record<number, number>> = {
  128: 0, // ZeroText
  130: 0, // OneText
  132: 0, // FalseText
  134: 0, // TrueText
  136: 1, // Int8Text
  138: 2, // Int16Text
  140: 4, // Int32Text
  142: 8, // Int64Text
  144: 4, // FloatText
  146: 8, // DoubleText
  148: 16, // DecimalText
  150: 8, // DateTimeText
  164: 0, // StartListText
  166: 0, // EndListText
  168: 0, // EmptyText
  172: 16, // UniqueIdText
  174: 8, // TimeSpanText
  176: 16, // GuidText
  178: 8, // UInt64Text
  180: 1, // BoolText
};

/** Length-prefix width of length-prefixed text records. */
const LENGTH_PREFIXED_TEXT: Readonly<Record<number, 1 | 2 | 4>> = {
  152: 1, // Chars8Text
  154: 2, // Chars16Text
  156: 4, // Chars32Text
  158: 1, // Bytes8Text
  160: 2, // Bytes16Text
  162: 4, // Bytes32Text
  182: 1, // UnicodeChars8Text
  184: 2, // UnicodeChars16Text
  186: 4, // UnicodeChars32Text (4-byte length, as the MC-NBFX §3 example shows)
};

/** Payload size of each fixed-size text record, by (even) record type; -1 for the others. */
export const FIXED_SIZE = new Int8Array(256).fill(-1);
/** Width of each length-prefixed text record's length, by (even) record type; 0 for the others. */
export const PREFIX_WIDTH = new Uint8Array(256);
for (const [t, n] of Object.entries(FIXED_TEXT)) FIXED_SIZE[Number(t)] = n;
for (const [t, n] of Object.entries(LENGTH_PREFIXED_TEXT)) PREFIX_WIDTH[Number(t)] = n;

/** The little-endian length prefix of `width` (1, 2 or 4) bytes at `p`; the 4-byte form is signed. */
export function prefixLength(b: Uint8Array, p: number, width: number): number {
  return width === 1
    ? b[p]!
    : width === 2
      ? b[p]! | (b[p + 1]! << 8)
      : b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24);
}

/** Item sizes of Array records by value-type record (MC-NBFX §2.3.3). */
const ARRAY_ITEM: Record<number, number> = {
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

const encoder = new TextEncoder();

function bad(message: string, at: number): never {
  throw new SoapError("malformed-envelope", `${message} at byte ${at}`);
}

/** Where a session string is referenced in a record stream (see {@link collectSessionRefs}). */
export interface SessionRef {
  /** Offset of the DictionaryString's MultiByteInt31. */
  readonly at: number;
  /** Its length in bytes. */
  readonly len: number;
  /** The (odd) session id. */
  readonly id: number;
  /** The string it stands for in the source session. */
  readonly text: string;
}

/** Shared result of a short MultiByteInt31 (read before the next call). */
const SHORT = { value: 0, len: 1 };

const NOTHING = new Uint8Array(0);

class Copier {
  private out: Uint8Array;
  private o = 0;
  private p: number;
  private readonly end: number;
  /** Dry run: walk and collect references, write nothing. */
  private readonly dry: boolean;

  constructor(
    private readonly src: Uint8Array,
    start: number,
    private readonly from: SessionDictionary,
    private readonly stage: ((s: string) => number) | undefined,
    private readonly refs?: SessionRef[],
  ) {
    this.p = start;
    this.end = src.length;
    this.dry = refs !== undefined;
    this.out = this.dry ? NOTHING : new Uint8Array(src.length - start + 64);
  }

  get pos(): number {
    return this.p;
  }

  result(): Uint8Array {
    // A dry run (one per relayed flood) wants only its references: no view.
    return this.dry ? NOTHING : this.out.subarray(0, this.o);
  }

  private ensure(n: number): void {
    if (this.o + n <= this.out.length) return;
    let size = this.out.length * 2;
    while (size < this.o + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.out.subarray(0, this.o));
    this.out = next;
  }

  emitByte(b: number): void {
    if (this.dry) return;
    this.ensure(1);
    this.out[this.o++] = b;
  }

  emitBytes(b: Uint8Array): void {
    if (this.dry) return;
    this.ensure(b.length);
    this.out.set(b, this.o);
    this.o += b.length;
  }

  /** Copies `n` source bytes unchanged. */
  copy(n: number): void {
    if (n < 0 || this.p + n > this.end) bad("record runs past the end", this.p);
    if (!this.dry) {
      this.ensure(n);
      this.out.set(this.src.subarray(this.p, this.p + n), this.o);
      this.o += n;
    }
    this.p += n;
  }

  skipTo(pos: number): void {
    this.p = pos;
  }

  peek(): number {
    if (this.p >= this.end) bad("truncated document", this.p);
    return this.src[this.p]!;
  }

  private mb31(): { value: number; len: number } {
    const src = this.src;
    const p = this.p;
    if (p + 1 < this.end) {
      // Most ids and lengths fit one or two bytes; reuse one result object for them.
      const x0 = src[p]!;
      if (x0 < 0x80) {
        SHORT.value = x0;
        SHORT.len = 1;
        return SHORT;
      }
      const x1 = src[p + 1]!;
      if (x1 < 0x80) {
        SHORT.value = (x0 & 0x7f) | (x1 << 7);
        SHORT.len = 2;
        return SHORT;
      }
    }
    let value = 0;
    for (let i = 0; i < 5; i++) {
      if (this.p + i >= this.end) bad("truncated MultiByteInt31", this.p);
      const b = this.src[this.p + i]!;
      value += (b & 0x7f) * 2 ** (7 * i);
      if ((b & 0x80) === 0) {
        if (value > 0x7fffffff) bad("MultiByteInt31 out of range", this.p);
        return { value, len: i + 1 };
      }
    }
    return bad("MultiByteInt31 too long", this.p);
  }

  emitMb31(v: number): void {
    if (this.dry) return;
    this.ensure(5);
    let x = v;
    while (x >= 0x80) {
      this.out[this.o++] = (x & 0x7f) | 0x80;
      x = Math.floor(x / 128);
    }
    this.out[this.o++] = x;
  }

  /** Copies a length-prefixed String (MC-NBFX §2.1.3). */
  copyString(): void {
    const { value, len } = this.mb31();
    this.copy(len + value);
  }

  /**
   * Reads a DictionaryString. Returns the string when it is a session
   * string that must be written inline (no target session, or the target
   * is full); otherwise emits the (possibly renumbered) id and returns undefined.
   * `emitType` writes the record type byte first, given whether the string goes inline.
   */
  dictionary(idType: number, inlineType: number, extraAt = 0, extraLen = 0): string | undefined {
    const at = this.p;
    const { value, len } = this.mb31();
    this.p += len;
    if ((value & 1) === 0) {
      this.emitType(idType, extraAt, extraLen);
      this.emitMb31(value);
      return undefined;
    }
    const s = this.from.get(value);
    if (s === undefined) bad(`unknown session string ${value}`, at);
    if (this.refs !== undefined) {
      this.refs.push({ at, len, id: value, text: s });
      return undefined;
    }
    const id = this.stage?.(s) ?? -1;
    if (id >= 0) {
      this.emitType(idType, extraAt, extraLen);
      this.emitMb31(id);
      return undefined;
    }
    if (inlineType >= 0) this.emitType(inlineType, extraAt, extraLen);
    return s;
  }

  /** A record type byte and the `extraLen` source bytes at `extraAt` that follow it (a prefix). */
  private emitType(type: number, extraAt: number, extraLen: number): void {
    if (this.dry) return;
    this.emitByte(type);
    if (extraLen > 0) this.emitBytes(this.src.subarray(extraAt, extraAt + extraLen));
  }

  emitString(s: string): void {
    const b = encoder.encode(s);
    this.emitMb31(b.length);
    this.emitBytes(b);
  }

  /** Copies one text record (and, for StartListText, the list up to EndListText). */
  text(depth = 0): void {
    const at = this.p;
    const t = this.peek();
    if (t < 0x80 || t > 0xbd) bad(`expected a text record, found 0x${t.toString(16)}`, at);
    const base = t & 0xfe;
    const end = t & 1;
    const fixed = FIXED_SIZE[base]!;
    if (fixed >= 0) {
      this.copy(1 + fixed);
      if (base === 0xa4) {
        // StartListText: items until EndListText.
        if (depth > 0) bad("nested list", at);
        for (let n = 0; this.peek() !== 0xa6; n++) {
          if (n > 1_000_000) bad("list too long", at);
          this.text(depth + 1);
        }
        this.copy(1);
      }
      return;
    }
    const width = PREFIX_WIDTH[base]!;
    if (width > 0) {
      if (this.p + 1 + width > this.end) bad("truncated text record", at);
      const n = prefixLength(this.src, this.p + 1, width);
      if (n < 0) bad("negative length", at);
      // UnicodeChars lengths count bytes too (MC-NBFX §2.2.3.27–29).
      this.copy(1 + width + n);
      return;
    }
    if (base === 0xaa) {
      this.p++;
      // Inline, the string becomes a Chars record of its own type.
      const s = this.dictionary(t, -1);
      if (s !== undefined) this.emitChars(s, end);
      return;
    }
    if (base === 0xbc) {
      // QNameDictionaryText: prefix letter index, then a DictionaryString.
      if (this.p + 1 >= this.end) bad("truncated QNameDictionaryText", at);
      const prefix = this.src[this.p + 1]!;
      this.p += 2;
      const s = this.dictionary(t, -1, this.p - 1, 1);
      if (s !== undefined) this.emitChars(`${String.fromCharCode(0x61 + prefix)}:${s}`, end);
      return;
    }
    bad(`unknown text record 0x${t.toString(16)}`, at);
  }

  /** Chars8/16/32Text (keeping the WithEndElement bit) for a string that must go inline. */
  private emitChars(s: string, end: number): void {
    const b = encoder.encode(s);
    if (b.length < 0x100) {
      this.emitByte(0x98 | end);
      this.emitByte(b.length);
    } else if (b.length < 0x10000) {
      this.emitByte(0x9a | end);
      this.emitByte(b.length & 0xff);
      this.emitByte(b.length >> 8);
    } else {
      this.emitByte(0x9c | end);
      this.emitBytes(
        Uint8Array.of(
          b.length & 0xff,
          (b.length >> 8) & 0xff,
          (b.length >> 16) & 0xff,
          b.length >>> 24,
        ),
      );
    }
    this.emitBytes(b);
  }

  /**
   * Copies one attribute record; returns false (consuming nothing) when the
   * next record is not an attribute.
   */
  attribute(): boolean {
    const t = this.peek();
    if (t < 0x04 || t > 0x3f) return false;
    if (t === 0x04) {
      this.copy(1);
      this.copyString();
      this.text();
    } else if (t === 0x05) {
      this.copy(1);
      this.copyString();
      this.copyString();
      this.text();
    } else if (t === 0x06) {
      this.p++;
      const s = this.dictionary(t, 0x04);
      if (s !== undefined) this.emitString(s);
      this.text();
    } else if (t === 0x07) {
      this.p++;
      const prefixStart = this.p;
      const { value, len } = this.mb31();
      this.p += len + value;
      const s = this.dictionary(0x07, 0x05, prefixStart, len + value);
      if (s !== undefined) this.emitString(s);
      this.text();
    } else if (t === 0x08) {
      this.copy(1);
      this.copyString();
    } else if (t === 0x09) {
      this.copy(1);
      this.copyString();
      this.copyString();
    } else if (t === 0x0a) {
      this.p++;
      const s = this.dictionary(t, 0x08);
      if (s !== undefined) this.emitString(s);
    } else if (t === 0x0b) {
      this.p++;
      const prefixStart = this.p;
      const { value, len } = this.mb31();
      this.p += len + value;
      const s = this.dictionary(0x0b, 0x09, prefixStart, len + value);
      if (s !== undefined) this.emitString(s);
    } else if (t >= 0x0c && t <= 0x25) {
      this.p++;
      const s = this.dictionary(t, t - 0x0c + 0x26);
      if (s !== undefined) this.emitString(s);
      this.text();
    } else {
      // 0x26–0x3F PrefixAttribute[A-Z].
      this.copy(1);
      this.copyString();
      this.text();
    }
    return true;
  }

  /** Copies one element start record; returns false when the next record is not one. */
  element(): boolean {
    const t = this.peek();
    if (t < 0x40 || t > 0x77) return false;
    if (t === 0x40) {
      this.copy(1);
      this.copyString();
    } else if (t === 0x41) {
      this.copy(1);
      this.copyString();
      this.copyString();
    } else if (t === 0x42) {
      this.p++;
      const s = this.dictionary(0x42, 0x40);
      if (s !== undefined) this.emitString(s);
    } else if (t === 0x43) {
      this.p++;
      const prefixStart = this.p;
      const { value, len } = this.mb31();
      this.p += len + value;
      const s = this.dictionary(0x43, 0x41, prefixStart, len + value);
      if (s !== undefined) this.emitString(s);
    } else if (t <= 0x5d) {
      this.p++;
      const s = this.dictionary(t, t - 0x44 + 0x5e);
      if (s !== undefined) this.emitString(s);
    } else {
      this.copy(1);
      this.copyString();
    }
    return true;
  }

  /** Copies an Array record (MC-NBFX §2.3.3). */
  array(): void {
    const at = this.p;
    this.copy(1);
    if (!this.element()) bad("Array without an element", at);
    for (let n = 0; this.attribute(); n++) if (n > 65536) bad("too many attributes", at);
    if (this.peek() !== 0x01) bad("Array element not closed", at);
    this.copy(1);
    const vt = this.peek();
    const size = ARRAY_ITEM[vt];
    if (size === undefined) bad(`bad Array value type 0x${vt.toString(16)}`, this.p);
    this.copy(1);
    const { value, len } = this.mb31();
    this.copy(len);
    this.copy(value * size);
  }
}

/**
 * Copies the record stream `src[start…]`, renumbering session strings of
 * `from` through `stage` (which returns the target id, or -1 / undefined
 * stage to write the string inline). When `span` is given, the bytes
 * `src[span.start, span.end)` are replaced by `replacement`.
 */
export function remapSessionStrings(
  src: Uint8Array,
  start: number,
  from: SessionDictionary,
  stage: ((s: string) => number) | undefined,
  span?: { readonly start: number; readonly end: number },
  replacement?: Uint8Array,
): Uint8Array {
  return walk(new Copier(src, start, from, stage), src, span, replacement);
}

/**
 * Walks the record stream `src[start…]` once and lists every reference to
 * a session string of `from`, in order. A relay to several neighbors then
 * rewrites only these ids per target instead of walking the records again
 * (see `encodeRelay`). Throws on a malformed stream, as the copier does.
 */
export function collectSessionRefs(
  src: Uint8Array,
  start: number,
  from: SessionDictionary,
): SessionRef[] {
  const refs: SessionRef[] = [];
  walk(new Copier(src, start, from, undefined, refs), src);
  return refs;
}

function walk(
  c: Copier,
  src: Uint8Array,
  span?: { readonly start: number; readonly end: number },
  replacement?: Uint8Array,
): Uint8Array {
  const end = src.length;
  let spliced = span === undefined || replacement === undefined;
  while (c.pos < end) {
    if (!spliced && c.pos === span!.start) {
      c.emitBytes(replacement!);
      c.skipTo(span!.end);
      spliced = true;
      continue;
    }
    const t = c.peek();
    if (t === 0x01) c.copy(1);
    else if (t === 0x02) {
      c.copy(1);
      c.copyString();
    } else if (t === 0x03) c.array();
    else if (c.element() || c.attribute()) continue;
    else if (t >= 0x80 && t <= 0xbd) c.text();
    else bad(`unknown record 0x${t.toString(16)}`, c.pos);
  }
  if (!spliced) bad("the Hops header is not on a record boundary", span!.start);
  return c.result();
}
