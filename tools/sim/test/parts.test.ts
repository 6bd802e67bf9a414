import fc from "fast-check";
import { seededRandom } from "@prch/mesh-core";
import { describe, expect, it } from "vitest";
import {
  components,
  degreeHistogram,
  EventQueue,
  MemoryResolver,
  simAddress,
} from "../src/index.js";

describe("EventQueue", () => {
  it("pops in time order, ties in insertion order", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 200 }), (times) => {
        const q = new EventQueue<{ at: number; seq: number; id: number }>();
        times.forEach((at, id) => {
          q.push({ at, seq: 0, id });
        });
        const out: { at: number; id: number }[] = [];
        for (let i = 0; i < times.length; i++) out.push(q.pop()!);
        const expected = times
          .map((at, id) => ({ at, id }))
          .sort((a, b) => a.at - b.at || a.id - b.id);
        return (
          q.pop() === undefined &&
          out.every((e, i) => e.at === expected[i]!.at && e.id === expected[i]!.id)
        );
      }),
      { numRuns: 200 },
    );
  });
});

describe("MemoryResolver (MC-PRCR §3.2, Windows draw with replacement)", () => {
  it("returns every entry when there are at most MaxAddresses", () => {
    const r = new MemoryResolver(seededRandom(1));
    r.register(0, simAddress(0));
    r.register(1, simAddress(1));
    expect(r.resolve(3, 0)).toHaveLength(2);
  });

  it("draws at most MaxAddresses distinct entries from a larger table", () => {
    const r = new MemoryResolver(seededRandom(1));
    for (let i = 0; i < 100; i++) r.register(i, simAddress(i));
    for (let k = 0; k < 50; k++) {
      const got = r.resolve(3, 0);
      expect(got.length).toBeGreaterThanOrEqual(1);
      expect(got.length).toBeLessThanOrEqual(3);
      expect(new Set(got.map((a) => a.EndpointAddress)).size).toBe(got.length);
    }
  });

  it("unregister removes; an orphaned entry expires within one lifetime", () => {
    const r = new MemoryResolver(seededRandom(1), 1000);
    r.register(0, simAddress(0));
    r.register(1, simAddress(1));
    r.unregister(simAddress(0));
    expect(r.size).toBe(1);
    r.orphan(simAddress(1), 0);
    expect(r.resolve(3, 1001)).toEqual([]);
  });
});

describe("metrics", () => {
  it("finds connected components and the degree histogram of live nodes", () => {
    const adj = [[1], [0], [3], [2], []];
    const alive = (i: number) => i !== 4;
    expect(components(adj, alive)).toEqual([
      [0, 1],
      [2, 3],
    ]);
    expect([...degreeHistogram(adj, () => true)]).toEqual([
      [0, 1],
      [1, 4],
    ]);
  });
});
