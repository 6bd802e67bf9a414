import { NbfsError } from "./errors.js";

/**
 * UTF-8 length of `s`, or -1 if it holds a lone surrogate (which UTF-8
 * cannot carry; .NET's writer throws on them too).
 */
export function utf8LengthStrict(s: string): number {
  let n = 0;
  const len = s.length;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c < 0xd800 || c > 0xdfff) n += 3;
    else if (c <= 0xdbff && i + 1 < len) {
      const d = s.charCodeAt(i + 1);
      if (d < 0xdc00 || d > 0xdfff) return -1;
      n += 4;
      i++;
    } else return -1;
  }
  return n;
}

/** Throws the writer's error for a string with a lone surrogate. */
export function loneSurrogate(): never {
  throw new NbfsError("invalid-utf16", "string contains a lone surrogate");
}
