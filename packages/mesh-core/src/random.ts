import { MeshError } from "./errors.js";

/**
 * The engine's only source of randomness. Production hosts back it with `crypto.getRandomValues`
 * (NodeIds must be cryptographically random, MC-PRCH §3.1.1); tests and the simulator use
 * {@link seededRandom} so every run is reproducible.
 */
export interface RandomSource {
  /** A uniformly distributed unsigned 32-bit integer. */
  nextU32(): number;
}

/** A fast deterministic generator (SplitMix32 variant) for tests and simulation. Not secure. */
export function seededRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  return {
    nextU32(): number {
      state = (state + 0x9e3779b9) >>> 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    },
  };
}

/** A uniform float in [0, 1). */
export function randomFloat(r: RandomSource): number {
  return r.nextU32() / 0x1_0000_0000;
}

/** A uniform integer in [0, n). */
export function randomInt(r: RandomSource, n: number): number {
  return Math.floor(randomFloat(r) * n);
}

/**
 * A NodeId: 8 random bytes read as an unsigned 64-bit value, drawn again if zero
 * (WINDOWS-NOTES §1.4; MC-PRCH §3.1.5.2 requires nonzero). Bounded: gives up after 64 zero draws,
 * which only a broken source produces.
 */
export function randomNodeId(r: RandomSource): bigint {
  for (let i = 0; i < 64; i++) {
    const id = (BigInt(r.nextU32()) << 32n) | BigInt(r.nextU32());
    if (id !== 0n) return id;
  }
  throw new MeshError("bad-random", "random source produced only zeros");
}

/** A version-4 GUID rendered as `xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx` (lower case). */
export function randomGuid(r: RandomSource): string {
  const words = [r.nextU32(), r.nextU32(), r.nextU32(), r.nextU32()];
  words[1] = ((words[1]! & 0xffff0fff) | 0x00004000) >>> 0;
  words[2] = ((words[2]! & 0x3fffffff) | 0x80000000) >>> 0;
  const hex = words.map((w) => w.toString(16).padStart(8, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Fisher–Yates shuffle in place using the injected source. */
export function shuffle<T>(r: RandomSource, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomInt(r, i + 1);
    const t = items[i]!;
    items[i] = items[j]!;
    items[j] = t;
  }
  return items;
}
