import type { DictionaryString } from "./api.js";
import { multiByteInt31Length } from "./multibyte.js";

/**
 * MC-NBFSE session strings for one direction of a session. The sender and
 * the receiver each keep one instance per direction; ids are odd (1, 3, 5…)
 * and continue across documents for the life of the session (MC-NBFSE §2.1).
 */
export class SessionDictionary {
  private readonly strings: string[] = [];
  private readonly ids = new Map<string, number>();
  private readonly entries: DictionaryString[] = [];
  private bytes = 0;
  private tableBytes = 0;
  private isFull = false;

  /** Number of strings defined so far. */
  get count(): number {
    return this.strings.length;
  }

  /** UTF-8 bytes of all strings defined so far. */
  get byteSize(): number {
    return this.bytes;
  }

  /**
   * Bytes all strings defined so far take in StringTables (UTF-8 plus each
   * length prefix): what WCF's MaxSessionSize bounds (MC-NBFSE §4).
   */
  get tableSize(): number {
    return this.tableBytes;
  }

  /**
   * True once a writer met a string that did not fit the session size: like
   * WCF's XmlBinaryWriterSessionWithQuota, it then adds no more strings for
   * the rest of the session.
   */
  get full(): boolean {
    return this.isFull;
  }

  /** Marks the session full (see {@link full}). */
  markFull(): void {
    this.isFull = true;
  }

  /** The id the next new string will get. */
  get nextId(): number {
    return this.strings.length * 2 + 1;
  }

  /** The string with this odd id, or undefined. */
  get(id: number): string | undefined {
    if ((id & 1) === 0 || id < 1) return undefined;
    return this.strings[(id - 1) >>> 1];
  }

  /** The string with this odd id as a shared DictionaryString object, or undefined. */
  entry(id: number): DictionaryString | undefined {
    if ((id & 1) === 0 || id < 1) return undefined;
    const i = (id - 1) >>> 1;
    const value = this.strings[i];
    if (value === undefined) return undefined;
    let e = this.entries[i];
    if (e === undefined) {
      e = Object.freeze({ id, value });
      this.entries[i] = e;
    }
    return e;
  }

  /** The id of a string already defined, or undefined. */
  idOf(value: string): number | undefined {
    return this.ids.get(value);
  }

  /**
   * Defines a new string and returns its id. A string already present keeps
   * its id (MC-NBFSE §2.1 forbids defining it twice).
   */
  add(value: string, utf8Length: number = utf8ByteLength(value)): number {
    const existing = this.ids.get(value);
    if (existing !== undefined) return existing;
    const id = this.nextId;
    this.strings.push(value);
    this.ids.set(value, id);
    this.bytes += utf8Length;
    this.tableBytes += utf8Length + multiByteInt31Length(utf8Length);
    return id;
  }

  /** All strings in id order (id = 2 × index + 1). */
  values(): readonly string[] {
    return this.strings;
  }
}

/** UTF-8 length of a JS string without allocating (lone surrogates count as U+FFFD, 3 bytes). */
export function utf8ByteLength(s: string): number {
  let n = 0;
  const len = s.length;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < len) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}
