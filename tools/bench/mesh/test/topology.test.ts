import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { seededRng } from "../src/rng.js";
import { makeTopology } from "../src/topology.js";

function reachable(neighbours: readonly (readonly number[])[]): number {
  const seen = new Set([0]);
  const stack = [0];
  while (stack.length > 0) {
    for (const w of neighbours[stack.pop()!]!) {
      if (!seen.has(w)) {
        seen.add(w);
        stack.push(w);
      }
    }
  }
  return seen.size;
}

describe("seededRng", () => {
  it("repeats its sequence for a seed and differs between seeds", () => {
    const a = seededRng(42);
    const b = seededRng(42);
    const c = seededRng(43);
    const xs = Array.from({ length: 20 }, () => a.next());
    expect(Array.from({ length: 20 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 20 }, () => c.next())).not.toEqual(xs);
    for (const x of xs) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
  });

  it("int stays in range and rejects a bad bound", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 1000 }), (seed, bound) => {
        const r = seededRng(seed);
        for (let i = 0; i < 20; i++) {
          const v = r.int(bound);
          expect(Number.isInteger(v) && v >= 0 && v < bound).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
    expect(() => seededRng(1).int(0)).toThrow(RangeError);
  });
});

describe("makeTopology", () => {
  it("has every node dial 3 distinct others (fewer only when there are fewer others)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 60 }), fc.nat(), (n, seed) => {
        const t = makeTopology(n, seed);
        expect(t.dials).toHaveLength(n);
        t.dials.forEach((ds, i) => {
          expect(ds).toHaveLength(Math.min(3, n - 1));
          expect(new Set(ds).size).toBe(ds.length);
          for (const j of ds) {
            expect(j).not.toBe(i);
            expect(j >= 0 && j < n).toBe(true);
          }
        });
      }),
      { numRuns: 200 },
    );
  });

  it("lists neighbours symmetrically, matching the dials, and is connected", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 60 }), fc.nat(), (n, seed) => {
        const t = makeTopology(n, seed);
        const edges = new Set<string>();
        t.dials.forEach((ds, i) => {
          for (const j of ds) edges.add(i < j ? `${i}-${j}` : `${j}-${i}`);
        });
        expect(t.links).toBe(edges.size);
        t.neighbours.forEach((ns, i) => {
          for (const j of ns) {
            expect(t.neighbours[j]).toContain(i);
            expect(edges.has(i < j ? `${i}-${j}` : `${j}-${i}`)).toBe(true);
          }
        });
        expect(reachable(t.neighbours)).toBe(n);
        expect(t.links).toBeLessThanOrEqual(Math.min(3 * n, (n * (n - 1)) / 2));
      }),
      { numRuns: 200 },
    );
  });

  it("is deterministic for a seed and varies with the seed", () => {
    expect(makeTopology(30, 7)).toEqual(makeTopology(30, 7));
    const shapes = new Set<string>();
    for (let seed = 1; seed <= 10; seed++) shapes.add(JSON.stringify(makeTopology(30, seed).dials));
    expect(shapes.size).toBe(10);
  });

  it("gives 3n distinct links (mean degree 6) at N = 30 for the benchmark's seeds", () => {
    for (let seed = 1; seed <= 50; seed++) expect(makeTopology(30, seed).links).toBe(90);
  });

  it("makes the complete graph at N = 4", () => {
    const t = makeTopology(4, 1);
    expect(t.links).toBe(6);
    for (const ns of t.neighbours) expect(ns).toHaveLength(3);
  });

  it("rejects meshes of fewer than 2 nodes", () => {
    expect(() => makeTopology(1, 1)).toThrow(RangeError);
    expect(() => makeTopology(2.5, 1)).toThrow(RangeError);
  });
});
