import type { DictionaryString, StringDictionary } from "./api.js";
import { NBFS_STATIC_STRINGS } from "./dictionary-data.js";

/**
 * A static dictionary of even ids (MC-NBFS §2.1): entry i has id 2 × i.
 * Looks strings up both ways; the reverse map is built on first use.
 */
export class StaticDictionary implements StringDictionary {
  private readonly strings: readonly string[];
  private reverse: Map<string, number> | undefined;
  private entries: DictionaryString[] | undefined;

  constructor(strings: readonly string[]) {
    this.strings = strings;
  }

  /** Number of entries. */
  get size(): number {
    return this.strings.length;
  }

  /** The string of an even id, or undefined for odd or unknown ids. */
  get(id: number): string | undefined {
    if ((id & 1) !== 0 || id < 0) return undefined;
    return this.strings[id >>> 1];
  }

  /** The id of a string, or undefined. */
  idOf(value: string): number | undefined {
    let r = this.reverse;
    if (r === undefined) {
      r = new Map();
      for (let i = 0; i < this.strings.length; i++) {
        const s = this.strings[i]!;
        // The first id wins should a string ever repeat.
        if (!r.has(s)) r.set(s, i * 2);
      }
      this.reverse = r;
    }
    return r.get(value);
  }

  /** The entry for a string as a DictionaryString, or undefined. */
  lookup(value: string): DictionaryString | undefined {
    const id = this.idOf(value);
    return id === undefined ? undefined : this.entry(id);
  }

  /** The DictionaryString object for an id (shared instances), or undefined. */
  entry(id: number): DictionaryString | undefined {
    if (this.get(id) === undefined) return undefined;
    let e = this.entries;
    if (e === undefined) {
      e = this.strings.map((value, i) => Object.freeze({ id: i * 2, value }));
      this.entries = e;
    }
    return e[id >>> 1];
  }
}

/** The MC-NBFS static dictionary: 487 strings, ids 0x00–0x3CC. */
export const NBFS_DICTIONARY: StaticDictionary = new StaticDictionary(NBFS_STATIC_STRINGS);

/**
 * A DictionaryString for `value`: the static NBFS entry if there is one,
 * otherwise an id-less string (id -1) that a writer with a session turns
 * into a session string.
 */
export function dictionaryString(value: string): DictionaryString {
  return NBFS_DICTIONARY.lookup(value) ?? { id: -1, value };
}
