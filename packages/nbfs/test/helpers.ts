import type { StringDictionary } from "../src/index.js";

/** The MC-NBFX §3 examples name dictionary string N "strN". */
export const STR_DICTIONARY: StringDictionary = {
  get(id: number): string | undefined {
    return id >= 0 ? `str${id}` : undefined;
  },
  idOf(value: string): number | undefined {
    const m = /^str(\d+)$/.exec(value);
    return m ? Number(m[1]) : undefined;
  },
};

export function hex(s: string): Uint8Array {
  const clean = s.replace(/\s+/g, "");
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");
}
